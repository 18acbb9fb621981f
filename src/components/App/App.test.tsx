import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';
import { fakeQuery } from '../../test/fakeQuery';
import { installFakeSidecar } from '../../test/fakeSidecar';
import { testIds } from '../testIds';
import App from './App';

const metrics = {
  success: true,
  data: {
    period: '24h',
    summary: { totalExecutions: 120, successCount: 110, failureCount: 10, successRate: 91.67, averageDuration: 230.5, activeWorkflows: 7 },
    system: { health: 'healthy', lastHealthCheck: new Date().toISOString(), uptime: 100, activeAlerts: 2, criticalAlerts: 1 },
    trends: { executionTrend: 'stable', successRateTrend: 'degrading', performanceTrend: 'improving', hourlyPattern: Array.from({ length: 24 }, (_, h) => h) },
    alerts: { total: 2, bySeverity: { info: 0, warning: 1, error: 0, critical: 1 }, active: 2, recent: [{ id: 4, workflowId: 'checkout', severity: 'critical', state: 'active', title: 'Checkout down', openedAt: new Date().toISOString() }] },
  },
};

describe('App', () => {
  it('routes to the overview by default and shows the figures of the range and recent alerts', async () => {
    installFakeSidecar({
      'GET api/monitoring/metrics': () => metrics,
      'POST api/v1/query': fakeQuery((target) => [{ values: target.instant ? [{ success_rate: 91.67, duration_avg: 230.5 }[target.metric as string] ?? 120] : [1, 2, 3, 4] }]),
    });
    render(
      <MemoryRouter initialEntries={['/']}>
        <React.Suspense fallback="loading">
          <App {...({} as AppRootProps)} />
        </React.Suspense>
      </MemoryRouter>
    );
    const summary = await screen.findByTestId(testIds.overview.summary);
    expect(summary).toHaveTextContent('91.7 %');
    expect(summary).toHaveTextContent('231 ms');
    expect(summary).toHaveTextContent('healthy');
    expect(screen.getByTestId(testIds.overview.activeAlerts)).toHaveTextContent('Checkout down');
  });

  it('routes /workflows/:id to the detail page, which drills into attempts', async () => {
    installFakeSidecar({
      'GET api/v1/workflows/{id}': () => ({ id: 'checkout', name: 'Checkout flow', mode: 'scheduled', schedule: { every: '1m' }, labels: {}, source: 'api', enabled: true, critical: true, definition: {}, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), version: 1, lastExecution: null, nextRunAt: null }),
      'GET api/v1/workflows/{id}/executions': () => ({ executions: [{ id: 9, workflowId: 'checkout', runId: 4, trigger: 'schedule', status: 'degraded', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), durationMs: 620, stepCount: 1, attempts: 3, retries: 2, errorType: null, errorMessage: null, failedStep: null, workerId: 'w1', location: 'default' }], nextCursor: null }),
      'GET api/v1/executions/{id}': () => ({
        id: 9, workflowId: 'checkout', runId: 4, trigger: 'schedule', status: 'degraded', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), durationMs: 620, stepCount: 1, attempts: 3, retries: 2, errorType: null, errorMessage: null, failedStep: null, workerId: 'w1', location: 'default',
        steps: [{ position: 0, name: 'pay', status: 'passed', startedAt: new Date().toISOString(), extracted: [], durationMs: 600, httpStatus: 200, errorType: null, errorMessage: null, assertions: [
          { assertion: 'status == 200', passed: true },
          { assertion: 'body.token not exists', passed: false, message: 'assertion "body.token not exists" failed: expected body.token not to exist, got a string' },
          { assertion: 'body.state == "paid"', passed: false, expected: 'paid', actual: 'open', message: 'assertion failed' },
        ], attempts: [
          { number: 1, startedAt: new Date().toISOString(), durationMs: 5, delayMs: 0, httpStatus: 503, errorType: 'transient', errorMessage: 'target answered HTTP 503', tls: null },
          { number: 2, startedAt: new Date().toISOString(), durationMs: 5, delayMs: 200, httpStatus: 200, errorType: null, errorMessage: null, tls: null },
        ] }],
      }),
    });
    render(
      <MemoryRouter initialEntries={['/workflows/checkout']}>
        <React.Suspense fallback="loading">
          <App {...({} as AppRootProps)} />
        </React.Suspense>
      </MemoryRouter>
    );
    const row = await screen.findByTestId(testIds.workflowDetail.execution(9));
    fireEvent.click(row.querySelector('button')!);
    const attempts = await screen.findByTestId(testIds.workflowDetail.attempts);
    expect(attempts).toHaveTextContent('transient');
    expect(attempts).toHaveTextContent('200 ms');
    expect(attempts).toHaveTextContent('status == 200');
    // A presence check stores no value: its message says what was there, never "got undefined".
    expect(attempts).toHaveTextContent('expected body.token not to exist, got a string');
    expect(attempts).toHaveTextContent('expected "paid", got "open"');
    expect(attempts).not.toHaveTextContent('got undefined');
  });
});
