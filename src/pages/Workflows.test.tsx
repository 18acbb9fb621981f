import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Workflows from './Workflows';

const handlers: Handlers = {
  'GET api/v1/workflows': () => ({
    workflows: [{ id: 'checkout', name: 'Checkout flow', source: 'file', enabled: true, critical: true, labels: { team: 'payments' }, mode: 'scheduled', schedule: { every: '1m' }, definition: {}, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), version: 1, lastExecution: { id: 1, status: 'degraded', startedAt: new Date().toISOString(), durationMs: 300 }, nextRunAt: null }],
    loadErrors: [{ file: '/w/broken.yaml', path: 'retry.maxAttempts', message: 'must be at most 10' }],
  }),
  'GET api/monitoring/metrics': () => ({ success: true, data: { workflows: [{ workflowId: 'checkout', executions: 10, successes: 9, failures: 1, successRate: 90, averageDuration: 250 }] } }),
  'POST api/v1/query': () => ({ results: { p95: { frames: [{ schema: { fields: [{ name: 'time', type: 'time' }, { name: 'duration_p95', type: 'number', labels: { workflow: 'checkout' } }] }, data: { values: [[0], [412]] } }] } } }),
  'POST api/v1/workflows/{id}/run': () => ({ status: 202, body: { runId: 5, workflowId: 'checkout', queuedAt: new Date().toISOString() } }),
};

describe('Workflows page', () => {
  it('lists workflows with status, success rate, p95, labels and rejected definitions; Editors run one now', async () => {
    const fake = installFakeSidecar(handlers);
    render(<MemoryRouter><Workflows /></MemoryRouter>);
    const row = await screen.findByTestId(testIds.workflows.row('checkout'));
    expect(row).toHaveTextContent('degraded');
    expect(row).toHaveTextContent('90 %');
    expect(row).toHaveTextContent('412 ms');
    expect(row).toHaveTextContent('team=payments');
    expect(screen.getByText(/broken.yaml — retry.maxAttempts: must be at most 10/)).toBeInTheDocument();
    fireEvent.click(within(row).getByTestId(testIds.workflows.runNow('checkout')));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'POST' && r.path === 'api/v1/workflows/checkout/run')).toBe(true));
  });

  it('Viewers get no run button', async () => {
    installFakeSidecar(handlers, { role: 'Viewer' });
    render(<MemoryRouter><Workflows /></MemoryRouter>);
    await screen.findByTestId(testIds.workflows.row('checkout'));
    expect(screen.queryByTestId(testIds.workflows.runNow('checkout'))).not.toBeInTheDocument();
  });

  it('Editors get New workflow and an Edit link on API-defined rows; Viewers neither', async () => {
    const list = handlers['GET api/v1/workflows']!({} as never) as { workflows: Array<Record<string, unknown>>; loadErrors: unknown[] };
    const withApiRow: Handlers = {
      ...handlers,
      'GET api/v1/workflows': () => ({ ...list, workflows: [...list.workflows, { ...list.workflows[0], id: 'login', name: 'Login', source: 'api', lastExecution: null }] }),
    };
    installFakeSidecar(withApiRow);
    const view = render(<MemoryRouter><Workflows /></MemoryRouter>);
    expect(await screen.findByTestId(testIds.workflows.edit('login'))).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/workflows/login/edit');
    expect(screen.queryByTestId(testIds.workflows.edit('checkout'))).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.workflows.newWorkflow)).toBeInTheDocument();
    view.unmount();

    installFakeSidecar(withApiRow, { role: 'Viewer' });
    render(<MemoryRouter><Workflows /></MemoryRouter>);
    await screen.findByTestId(testIds.workflows.row('login'));
    expect(screen.queryByTestId(testIds.workflows.edit('login'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.workflows.newWorkflow)).not.toBeInTheDocument();
  });

  it('has an empty state', async () => {
    installFakeSidecar({ ...handlers, 'GET api/v1/workflows': () => ({ workflows: [], loadErrors: [] }) });
    render(<MemoryRouter><Workflows /></MemoryRouter>);
    expect(await screen.findByText(/No workflows yet/)).toBeInTheDocument();
  });
});
