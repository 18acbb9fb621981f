import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { QueryRequest } from '../api/types';
import WorkflowDetail from '../pages/WorkflowDetail';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import { testIds } from './testIds';

jest.setTimeout(60_000);

const now = new Date(Date.now() - 3 * 60_000).toISOString();
const workflow = (locations?: string[]) => ({
  id: 'checkout', name: 'Checkout flow', source: 'api', enabled: true, critical: false, labels: {}, mode: 'scheduled', schedule: { every: '1m' },
  definition: { id: 'checkout' }, version: 1, createdAt: now, updatedAt: now, lastExecution: null, nextRunAt: null, ...(locations ? { locations } : {}),
});
const execution = (id: number, location: string, status: string) => ({
  id, workflowId: 'checkout', runId: id, trigger: 'schedule', status, startedAt: now, finishedAt: now, durationMs: 300, stepCount: 1, attempts: 1, retries: 0,
  errorType: status === 'failed' ? 'permanent' : null, errorMessage: null, failedStep: null, workerId: `${location}-1`, location,
});

function handlers(locations?: string[]): Handlers {
  return {
    'GET api/v1/workflows/{id}': () => workflow(locations),
    'GET api/v1/workflows/{id}/executions': (req) => {
      const location = (req.params as Record<string, string> | undefined)?.location;
      if (location === 'eu') {
        return { executions: [execution(2, 'eu', 'success')], nextCursor: null };
      }
      if (location === 'us') {
        return { executions: [execution(3, 'us', 'failed')], nextCursor: null };
      }
      return { executions: location ? [] : [execution(2, 'eu', 'success'), execution(3, 'us', 'failed')], nextCursor: null };
    },
    'POST api/v1/query': fakeQuery((target) => (target.groupBy === 'location' ? [{ key: 'eu', values: [100, 100, 99, 100] }, { key: 'us', values: [50, 0, null, 20] }] : [{ values: [1, 2, 3, 4] }]), 4),
  };
}

function renderDetail() {
  return render(
    <MemoryRouter initialEntries={['/a/app/workflows/checkout?from=now-6h&to=now']}>
      <Routes>
        <Route path="/a/app/workflows/:id" element={<WorkflowDetail />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('workflow detail with locations', () => {
  it('shows the newest status in each listed location and graphs split by location', async () => {
    const { requests } = installFakeSidecar(handlers(['eu', 'us', 'ap']), { role: 'Viewer' });
    renderDetail();
    await waitFor(() => expect(screen.getByTestId(testIds.workflowLocations.latest('us'))).toHaveTextContent('failed'), { timeout: 30_000 });
    expect(screen.getByTestId(testIds.workflowLocations.latest('eu'))).toHaveTextContent('success');
    expect(screen.getByTestId(testIds.workflowLocations.latest('eu'))).toHaveTextContent('3 min ago');
    expect(screen.getByTestId(testIds.workflowLocations.latest('ap'))).toHaveTextContent('not run here yet');
    await waitFor(() => expect(screen.getByTestId(testIds.workflowLocations.graph('successRate'))).toHaveAttribute('data-series', '2'), { timeout: 30_000 });
    const lists = requests.filter((r) => r.path === 'api/v1/workflows/checkout/executions' && (r.params as Record<string, string>).location);
    expect(lists.map((r) => [(r.params as Record<string, string>).location, (r.params as Record<string, string>).limit])).toEqual([['eu', '1'], ['us', '1'], ['ap', '1']]);
    const query = requests.find((r) => r.path === 'api/v1/query' && (r.data as QueryRequest).targets.some((t) => t.groupBy === 'location'))!.data as QueryRequest;
    expect(query.targets.every((t) => t.workflowIds?.[0] === 'checkout' && t.groupBy === 'location')).toBe(true);
  });

  it("reloads with the page's Refresh, like the rest of the page", async () => {
    const { requests } = installFakeSidecar(handlers(['eu', 'us']));
    renderDetail();
    await waitFor(() => expect(screen.getByTestId(testIds.workflowLocations.latest('us'))).toHaveTextContent('failed'), { timeout: 30_000 });
    const perLocation = () => requests.filter((r) => r.path === 'api/v1/workflows/checkout/executions' && (r.params as Record<string, string>).location).length;
    const byLocation = () => requests.filter((r) => r.path === 'api/v1/query' && (r.data as QueryRequest).targets.some((t) => t.groupBy === 'location')).length;
    await waitFor(() => expect(byLocation()).toBe(1), { timeout: 30_000 });
    expect(perLocation()).toBe(2);
    fireEvent.click(screen.getByTestId(testIds.workflowDetail.refresh));
    await waitFor(() => expect(perLocation()).toBe(4), { timeout: 30_000 });
    await waitFor(() => expect(byLocation()).toBe(2), { timeout: 30_000 });
  });

  it('shows no location section for a workflow that lists none', async () => {
    installFakeSidecar(handlers());
    renderDetail();
    await screen.findByTestId(testIds.workflowDetail.summary);
    expect(screen.queryByTestId(testIds.workflowLocations.container)).not.toBeInTheDocument();
  });
});
