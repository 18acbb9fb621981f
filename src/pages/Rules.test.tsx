import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { installFakeSidecar } from '../test/fakeSidecar';
import Rules from './Rules';

const low = { id: 'low-success-rate', name: 'Low success rate', enabled: true, severity: 'warning', scope: {}, condition: { type: 'threshold', metric: 'success_rate', operator: '<', value: 80, window: '1h', minSamples: 10 }, cooldown: '5m', flapping: { window: '30m', threshold: 6 }, channels: [], predefined: true, source: 'builtin', version: 1, createdAt: 'x', updatedAt: 'y' };

describe('Rules page', () => {
  it('disables a predefined rule with a PUT of the rule as edited', async () => {
    const fake = installFakeSidecar({ 'GET api/v1/rules': () => ({ rules: [low] }), 'PUT api/v1/rules/{id}': (req) => ({ ...low, ...(req.data as object) }) });
    render(<MemoryRouter><Rules /></MemoryRouter>);
    fireEvent.click(await screen.findByTestId(testIds.rules.toggle('low-success-rate')));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'PUT')).toBe(true));
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe('api/v1/rules/low-success-rate');
    expect(put.data).toMatchObject({ id: 'low-success-rate', enabled: false, condition: low.condition });
    expect(put.data).not.toHaveProperty('predefined');
    expect(put.data).not.toHaveProperty('version');
  });

  it('shows the server validation errors on the right field', async () => {
    installFakeSidecar({
      'GET api/v1/rules': () => ({ rules: [] }),
      'POST api/v1/rules': () => ({ status: 400, body: { error: { code: 'validation_failed', message: 'invalid body: condition.expression: "process" may not be used in an expression', details: [{ path: 'condition.expression', message: '"process" may not be used in an expression' }, { path: 'cooldown', message: '"soon" is not a duration' }] } } }),
    });
    render(<MemoryRouter><Rules /></MemoryRouter>);
    fireEvent.click(await screen.findByText('New rule'));
    fireEvent.click(screen.getByTestId(testIds.rules.save));
    expect(await screen.findByText('condition.expression: "process" may not be used in an expression')).toBeInTheDocument();
    expect(screen.getByText('"soon" is not a duration')).toBeInTheDocument();
  });

  it('a Viewer cannot create, edit or toggle', async () => {
    installFakeSidecar({ 'GET api/v1/rules': () => ({ rules: [low] }) }, { role: 'Viewer' });
    render(<MemoryRouter><Rules /></MemoryRouter>);
    await screen.findByTestId(testIds.rules.row('low-success-rate'));
    expect(screen.queryByText('New rule')).not.toBeInTheDocument();
    expect(screen.queryByText('Edit')).not.toBeInTheDocument();
  });
});
