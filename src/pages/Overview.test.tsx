import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen, waitFor } from '@testing-library/react';
import type { QueryRequest } from '../api/types';
import { testIds } from '../components/testIds';
import { fakeQuery } from '../test/fakeQuery';
import { installFakeSidecar, type Handlers } from '../test/fakeSidecar';
import Overview from './Overview';

jest.setTimeout(60_000);

const metrics = {
  success: true,
  data: {
    period: '24h',
    summary: { totalExecutions: 120, successCount: 110, failureCount: 10, successRate: 91.67, averageDuration: 230.5, activeWorkflows: 7 },
    system: { health: 'healthy', lastHealthCheck: new Date().toISOString(), uptime: 100, activeAlerts: 2, criticalAlerts: 1 },
    trends: { executionTrend: 'stable', successRateTrend: 'degrading', performanceTrend: 'improving', hourlyPattern: Array.from({ length: 24 }, () => 0) },
    alerts: { total: 1, bySeverity: { info: 0, warning: 0, error: 0, critical: 1 }, active: 1, recent: [{ id: 4, workflowId: 'checkout', severity: 'critical', state: 'active', title: 'Checkout down', openedAt: new Date().toISOString() }] },
  },
};

const INSTANT: Record<string, number> = { executions: 96, success_rate: 87.5, duration_avg: 230.4, duration_p95: 1480, failures: 12 };

const handlers: Handlers = {
  'GET api/monitoring/metrics': () => metrics,
  'POST api/v1/query': fakeQuery((target) => {
    if (target.instant) {
      return [{ values: [INSTANT[target.metric] ?? 0] }];
    }
    if (target.groupBy === 'error_type') {
      return [{ key: 'timeout', values: [1, null, 2, 0] }, { key: 'transient', values: [3, 1, null, null] }];
    }
    if (target.refId === 'hourly') {
      return [{ values: [5, 6, 7, 8, 9] }];
    }
    return [{ values: target.metric === 'degraded' ? [1, 0, 0, 2] : [10, 20, null, 40] }];
  }, 5),
};

function renderOverview(search = '') {
  return render(
    <MemoryRouter initialEntries={[`/a/app/overview${search}`]}>
      <Routes>
        <Route path="/a/app/overview" element={<Overview />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('Overview page', () => {
  it('shows the figures of the range from instant queries and the health, active workflows and alerts', async () => {
    installFakeSidecar(handlers);
    renderOverview('?from=now-6h&to=now');
    const summary = await screen.findByTestId(testIds.overview.summary);
    expect(screen.getByTestId(testIds.overview.figure('executions'))).toHaveTextContent('96');
    expect(screen.getByTestId(testIds.overview.figure('executions'))).toHaveTextContent('12 failed');
    expect(screen.getByTestId(testIds.overview.figure('successRate'))).toHaveTextContent('87.5 %');
    expect(screen.getByTestId(testIds.overview.figure('durationAvg'))).toHaveTextContent('230 ms');
    expect(screen.getByTestId(testIds.overview.figure('durationP95'))).toHaveTextContent('1480 ms');
    expect(summary).toHaveTextContent('healthy');
    expect(screen.getByTestId(testIds.overview.figure('activeWorkflows'))).toHaveTextContent('7');
    expect(screen.getByTestId(testIds.overview.activeAlerts)).toHaveTextContent('Checkout down');
  });

  it('asks the query API for the range in the URL, and the summary for the period covering it', async () => {
    const fake = installFakeSidecar(handlers);
    renderOverview('?from=now-6h&to=now');
    await screen.findByTestId(testIds.overview.summary);
    const queries = fake.requests.filter((r) => r.path === 'api/v1/query').map((r) => r.data as QueryRequest);
    expect(queries).toHaveLength(2);
    for (const q of queries) {
      // `now-6h` and `now` are read a moment apart, as in Grafana.
      expect(Math.round((q.to - q.from) / 1000)).toBe(6 * 3600);
    }
    expect(queries[1]!.intervalMs).toBe(3_600_000);
    expect(fake.requests.find((r) => r.path === 'api/monitoring/metrics')?.params).toMatchObject({ period: '24h' });
  });

  it('draws success rate, p95, executions by status (success without degraded), attempts by error type and the hours of the day', async () => {
    installFakeSidecar(handlers);
    renderOverview('?from=now-24h&to=now');
    await screen.findByTestId(testIds.overview.summary);
    const graph = (name: string) => screen.getByTestId(testIds.overview.graph(name));
    expect(graph('successRate')).toHaveAttribute('data-series', '1');
    expect(graph('successRate')).toHaveAttribute('data-points', '3');
    expect(graph('durationP95')).toHaveAttribute('data-points', '3');
    // success = successes − degraded at each point; degraded and failed beside it: three series.
    expect(graph('status')).toHaveAttribute('data-series', '3');
    // ok 9, 20, 38 (the null point stays null); degraded 1, 0, 0, 2; failed 10, 20, 40.
    expect(graph('status')).toHaveAttribute('data-points', '10');
    expect(graph('attemptsByErrorType')).toHaveAttribute('data-series', '2');
    expect(graph('attemptsByErrorType')).toHaveAttribute('data-points', '5');
    expect(graph('hourly')).toHaveAttribute('data-bars', '24');
  });

  it('says there is no data when the range has none', async () => {
    installFakeSidecar({ ...handlers, 'POST api/v1/query': fakeQuery((target) => (target.groupBy ? [] : [{ values: [null, null, null, null] }])) });
    renderOverview();
    await screen.findByTestId(testIds.overview.summary);
    await waitFor(() => expect(screen.getAllByTestId(testIds.graph.empty).length).toBe(4));
  });
});
