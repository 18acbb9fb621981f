import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL } from '../constants';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import WorkflowDetail from './WorkflowDetail';

jest.setTimeout(60_000);

const now = '2026-01-05T10:00:00.000Z';
const workflow = (source: 'api' | 'file') => ({
  id: 'checkout', name: 'Checkout flow', source, ...(source === 'file' ? { sourceFile: '/w/checkout.yaml' } : {}), enabled: true, critical: false, labels: {},
  mode: 'scheduled', schedule: { every: '1m' }, definition: { id: 'checkout' }, version: 1, createdAt: now, updatedAt: now, lastExecution: null, nextRunAt: null,
});
const summary = { id: 7, workflowId: 'checkout', runId: 3, trigger: 'schedule', status: 'degraded', startedAt: now, finishedAt: now, durationMs: 1100, stepCount: 1, attempts: 2, retries: 1, errorType: null, errorMessage: null, failedStep: null, workerId: 'w1', location: 'default' };
const INSTANT: Record<string, number> = { success_rate: 97.5, executions: 40, duration_p50: 420, duration_p95: 1250, duration_p99: 15_300 };
const handlers = (source: 'api' | 'file'): Handlers => ({
  'POST api/v1/query': fakeQuery((target) => {
    if (target.groupBy === 'error_type') {
      return target.metric === 'retries' ? [{ key: 'transient', values: [3] }] : [{ key: 'transient', values: [3] }, { key: 'timeout', values: [1] }];
    }
    if (target.groupBy === 'step') {
      return [{ key: 'login', values: [target.metric === 'step_duration_p50' ? 40 : 90] }, { key: 'pay', values: [target.metric === 'step_duration_p50' ? 300 : 700] }];
    }
    return [{ values: target.instant ? [INSTANT[target.metric] ?? 0] : [100, 95, null, 90] }];
  }),
  'GET api/v1/workflows/{id}': () => workflow(source),
  'GET api/v1/workflows/{id}/executions': () => ({ executions: [summary], nextCursor: null }),
  'GET api/v1/executions/{id}': () => ({
    ...summary,
    steps: [{
      position: 0, name: 'login', status: 'passed', startedAt: now, durationMs: 1090, httpStatus: 200, errorType: null, errorMessage: null,
      assertions: [{ assertion: 'status == 200', passed: true, expected: 200 }], extracted: ['token'],
      attempts: [
        { number: 1, startedAt: now, durationMs: 40, delayMs: 0, httpStatus: 503, errorType: 'transient', errorMessage: 'HTTP 503', tls: null },
        { number: 2, startedAt: now, durationMs: 50, delayMs: 1000, httpStatus: 200, errorType: null, errorMessage: null, tls: null },
      ],
    }],
  }),
});

/** The URL the page is at, for assertions on what it keeps there. */
function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname + location.search}</div>;
}

/** Nine to eleven o'clock on the day of `now`: the execution above falls inside. */
const RANGE = `?from=${Date.parse('2026-01-05T09:00:00.000Z')}&to=${Date.parse('2026-01-05T11:00:00.000Z')}`;

function renderDetail(search = '') {
  return render(
    <MemoryRouter initialEntries={[`${PLUGIN_BASE_URL}/workflows/checkout${search}`]}>
      <Location />
      <Routes>
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id`} element={<WorkflowDetail />} />
        <Route path={`${PLUGIN_BASE_URL}/workflows/:id/edit`} element={<div data-testid="editor-page" />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('Workflow detail page', () => {
  it('shows uptime and p50/p95/p99 for the range and draws its graphs, error types and step durations', async () => {
    const fake = installFakeSidecar(handlers('api'));
    renderDetail(RANGE);
    expect(await screen.findByTestId(testIds.workflowDetail.figure('uptime'))).toHaveTextContent('97.5 %');
    expect(screen.getByTestId(testIds.workflowDetail.figure('executions'))).toHaveTextContent('40');
    expect(screen.getByTestId(testIds.workflowDetail.figure('p50'))).toHaveTextContent('420 ms');
    expect(screen.getByTestId(testIds.workflowDetail.figure('p95'))).toHaveTextContent('1250 ms');
    expect(screen.getByTestId(testIds.workflowDetail.figure('p99'))).toHaveTextContent('15.3 s');
    const graph = (name: string) => screen.getByTestId(testIds.workflowDetail.graph(name));
    expect(graph('successRate')).toHaveAttribute('data-points', '3');
    expect(graph('duration')).toHaveAttribute('data-series', '3');
    expect(graph('attemptsByErrorType')).toHaveAttribute('data-bars', '2');
    expect(graph('retriesByErrorType')).toHaveAttribute('data-bars', '1');
    expect(graph('steps')).toHaveAttribute('data-bars', '2');
    // Every query is for this workflow and the range in the URL.
    const query = fake.requests.find((r) => r.path === 'api/v1/query')!.data as { from: number; to: number; targets: Array<{ workflowIds: string[] }> };
    expect([query.from, query.to]).toEqual([Date.parse('2026-01-05T09:00:00.000Z'), Date.parse('2026-01-05T11:00:00.000Z')]);
    expect(query.targets.every((t) => t.workflowIds.join() === 'checkout')).toBe(true);
    const lists = fake.requests.filter((r) => r.path === 'api/v1/workflows/checkout/executions');
    expect(lists.map((r) => [r.params?.from, r.params?.to])).toEqual(Array(2).fill(['2026-01-05T09:00:00.000Z', '2026-01-05T11:00:00.000Z']));
  });

  it('opens the execution clicked on the status timeline, and keeps it in the URL', async () => {
    installFakeSidecar(handlers('api'));
    renderDetail(RANGE);
    const graph = await screen.findByTestId(testIds.workflowDetail.graph('timeline'));
    expect(graph).toHaveAttribute('data-points', '1');
    fireEvent.click(within(graph).getByTestId(testIds.workflowDetail.timelineItem(7)));
    const opened = await screen.findByTestId(testIds.workflowDetail.selectedExecution);
    await within(opened).findByText(/Execution #7/);
    expect(opened).toHaveTextContent('1. login (passed)');
    expect(screen.getByTestId('location')).toHaveTextContent('execution=7');
  });

  it('shows every attempt of an execution with its delay, error type and the extracted variable names', async () => {
    installFakeSidecar(handlers('api'));
    renderDetail();
    const row = await screen.findByTestId(testIds.workflowDetail.execution(7));
    fireEvent.click(within(row).getByRole('button'));
    const rows = within(await screen.findByTestId(testIds.workflowDetail.attempts)).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('1. login (passed)');
    expect(rows[0]).toHaveTextContent('transient');
    expect(rows[1]).toHaveTextContent('1000 ms');
    expect(rows[1]).toHaveTextContent('✓ status == 200');
    expect(rows[1]).toHaveTextContent('extracted: token');
  });

  it('opens the editor from Edit for an API-defined workflow', async () => {
    installFakeSidecar(handlers('api'));
    renderDetail();
    const edit = await screen.findByTestId(testIds.workflowDetail.edit);
    expect(edit).toHaveTextContent('Edit');
    fireEvent.click(edit);
    expect(await screen.findByTestId('editor-page')).toBeInTheDocument();
  });

  it('offers to view the definition of a file-defined workflow, and to Viewers', async () => {
    installFakeSidecar(handlers('file'));
    const view = renderDetail();
    expect(await screen.findByTestId(testIds.workflowDetail.edit)).toHaveTextContent('View definition');
    view.unmount();
    installFakeSidecar(handlers('api'), { role: 'Viewer' });
    renderDetail();
    expect(await screen.findByTestId(testIds.workflowDetail.edit)).toHaveTextContent('View definition');
  });
});
