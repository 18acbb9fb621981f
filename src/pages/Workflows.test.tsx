import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { QueryRequest } from '../api/types';
import { testIds } from '../components/testIds';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Workflows from './Workflows';

const handlers: Handlers = {
  'GET api/v1/workflows': () => ({
    workflows: [{ id: 'checkout', name: 'Checkout flow', source: 'file', enabled: true, critical: true, labels: { team: 'payments' }, mode: 'scheduled', schedule: { every: '1m' }, definition: {}, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), version: 1, lastExecution: { id: 1, status: 'degraded', startedAt: new Date().toISOString(), durationMs: 300 }, nextRunAt: null }],
    loadErrors: [{ file: '/w/broken.yaml', path: 'retry.maxAttempts', message: 'must be at most 10' }],
  }),
  'POST api/v1/query': fakeQuery((target) => [
    { key: 'checkout', values: target.instant ? [target.metric === 'duration_p95' ? 412 : 90] : [100, null, 80, 90] },
    { key: 'login', values: target.instant ? [null] : [null, null, null, null] },
  ]),
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
    // The row's sparkline: the points of its series in the page's one query.
    expect(within(row).getByTestId(testIds.workflows.sparkline('checkout'))).toHaveAttribute('data-points', '3');
    fireEvent.click(within(row).getByTestId(testIds.workflows.runNow('checkout')));
    await waitFor(() => expect(fake.requests.some((r) => r.method === 'POST' && r.path === 'api/v1/workflows/checkout/run')).toBe(true));
  });

  it('reads every row\'s figures and sparkline with one query for the range in the URL, and links keep the range', async () => {
    const fake = installFakeSidecar(handlers);
    render(<MemoryRouter initialEntries={['/a/app/workflows?from=now-7d&to=now&var-datasource=wm-test']}><Workflows /></MemoryRouter>);
    const row = await screen.findByTestId(testIds.workflows.row('checkout'));
    const queries = fake.requests.filter((r) => r.path === 'api/v1/query');
    expect(queries).toHaveLength(1);
    const q = queries[0]!.data as QueryRequest;
    expect(q.to - q.from).toBe(7 * 86_400_000);
    expect(q.targets.map((t) => [t.metric, t.groupBy, t.instant ?? false])).toEqual([
      ['success_rate', 'workflow', true],
      ['duration_p95', 'workflow', true],
      ['success_rate', 'workflow', false],
    ]);
    expect(within(row).getByRole('link', { name: 'Checkout flow' })).toHaveAttribute('href', '/a/workflowmonitor-workflowmonitor-app/workflows/checkout?from=now-7d&to=now&var-datasource=wm-test');
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
