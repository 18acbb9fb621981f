import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowsFeature } from '../../src/app/features/workflows';
import { loadConfig } from '../../src/config/env';
import { metricValue, parsePrometheusText, type Sample } from '../support/prometheusText';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(180_000);

let sidecar: TestSidecar;
let target: TargetServer;

async function post(p: string, json: unknown, expected = 201): Promise<any> {
  const response = await sidecar.api(p, { method: 'POST', json });
  const body = await response.json().catch(() => undefined);
  expect({ path: p, status: response.status, body }).toMatchObject({ status: expected });
  return body;
}

async function metricsText(): Promise<string> {
  return (await fetch(`${sidecar.url}/metrics`)).text();
}

/** Every execution-series sample of one workflow. */
function seriesOf(samples: Sample[], workflow: string): Sample[] {
  return samples.filter((s) => s.labels.workflow === workflow && /^workflow_monitor_(executions_total|execution_duration_seconds_(bucket|sum|count))$/.test(s.name));
}

beforeAll(async () => {
  target = await startTargetServer();
  sidecar = await startTestSidecar({ features: [workflowsFeature], env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', METRICS_LABELS: ' env , team ' } });
  await post('/api/v1/workflows', {
    id: 'checkout', name: 'Checkout', schedule: { every: '1h' }, labels: { env: 'prod', team: 'payments', region: 'eu' },
    steps: [{ name: 'home', request: { url: `${target.url}/home` }, assert: ['status == 200'] }],
  });
  await post('/api/v1/workflows', { id: 'nightly', name: 'Nightly job', schedule: { push: { expected: '1s', grace: '0s' } }, labels: { env: 'staging' } });
});

afterAll(async () => {
  await sidecar?.stop();
  await target?.close();
});

describe('METRICS_LABELS: the execution series carry the named workflow labels', () => {
  it('a scheduled workflow\'s run is counted and timed under its env and team, and no other label of it', async () => {
    expect((await sidecar.api('/api/v1/workflows/checkout/run', { method: 'POST' })).status).toBe(202);
    const labels = { location: 'default', workflow: 'checkout', status: 'success', trigger: 'manual', env: 'prod', team: 'payments' };
    const samples = await eventually(async () => {
      const s = parsePrometheusText(await metricsText());
      return metricValue(s, 'workflow_monitor_executions_total', labels) === 1 ? s : undefined;
    });
    expect(metricValue(samples, 'workflow_monitor_execution_duration_seconds_count', { location: 'default', workflow: 'checkout', env: 'prod', team: 'payments' })).toBe(1);
    expect(metricValue(samples, 'workflow_monitor_execution_duration_seconds_bucket', { location: 'default', workflow: 'checkout', env: 'prod', team: 'payments', le: '+Inf' })).toBe(1);
    for (const s of seriesOf(samples, 'checkout')) {
      expect(s.labels).not.toHaveProperty('region');
      expect(s.labels).toMatchObject({ env: 'prod', team: 'payments' });
    }
  });

  it('a pushed result and a missed push of a workflow without a team get team=""', async () => {
    await post('/api/v1/executions', { workflowId: 'nightly', status: 'success', durationMs: 1200 });
    const samples = await eventually(async () => {
      const s = parsePrometheusText(await metricsText());
      const missed = metricValue(s, 'workflow_monitor_executions_total', { location: 'default', workflow: 'nightly', status: 'failed', trigger: 'missed', env: 'staging', team: '' }) ?? 0;
      return missed >= 1 ? s : undefined;
    }, 60_000);
    expect(metricValue(samples, 'workflow_monitor_executions_total', { location: 'default', workflow: 'nightly', status: 'success', trigger: 'push', env: 'staging', team: '' })).toBe(1);
    for (const s of seriesOf(samples, 'nightly')) {
      expect(s.labels).toMatchObject({ env: 'staging', team: '' });
    }
  });

  it('a label change on the workflow moves its next executions to the new series', async () => {
    const put = await sidecar.api('/api/v1/workflows/nightly', {
      method: 'PUT',
      json: { id: 'nightly', name: 'Nightly job', schedule: { push: { expected: '1h' } }, labels: { env: 'staging', team: 'data' } },
    });
    expect(put.status).toBe(200);
    await post('/api/v1/executions', { workflowId: 'nightly', status: 'failed', durationMs: 10, errorType: 'transient', errorMessage: 'exit 1' });
    const samples = parsePrometheusText(await metricsText());
    expect(metricValue(samples, 'workflow_monitor_executions_total', { location: 'default', workflow: 'nightly', status: 'failed', trigger: 'push', env: 'staging', team: 'data' })).toBe(1);
    expect(metricValue(samples, 'workflow_monitor_executions_total', { location: 'default', workflow: 'nightly', status: 'failed', trigger: 'push', env: 'staging', team: '' })).toBeUndefined();
  });

  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));
  // CI installs Debian's prometheus package; on a machine without it this check cannot run.
  (promtool || process.env.CI ? it : it.skip)('the exposition with the extra labels passes promtool check metrics', async () => {
    const file = path.join(os.tmpdir(), `wm-metrics-labels-${process.pid}.txt`);
    fs.writeFileSync(file, await metricsText());
    const output = execFileSync('sh', ['-c', `${promtool ?? 'promtool'} check metrics < ${file} 2>&1; echo "exit=$?"`]).toString();
    fs.rmSync(file, { force: true });
    expect(output.trim().split('\n').pop()).toBe('exit=0');
  });
});

describe('METRICS_LABELS is validated at start', () => {
  it('unset or blank adds no label; names are trimmed', () => {
    expect(loadConfig({}).METRICS_LABELS).toEqual([]);
    expect(loadConfig({ METRICS_LABELS: ' ' }).METRICS_LABELS).toEqual([]);
    expect(loadConfig({ METRICS_LABELS: 'env, team,' }).METRICS_LABELS).toEqual(['env', 'team']);
  });

  it.each([
    ['env,team-name', /METRICS_LABELS="env,team-name": "team-name" is not a Prometheus label name/],
    ['9lives', /"9lives" is not a Prometheus label name/],
    ['__name', /"__name" starts with "__", which Prometheus reserves/],
    ['env,status', /"status" is already a label of the execution series/],
    ['workflow', /"workflow" is already a label/],
    ['le', /"le" is already a label/],
    ['env,team,env', /names "env" more than once/],
    ['a,b,c,d,e,f', /names 6 labels; at most 5/],
  ])('%j is a config error naming METRICS_LABELS and the name', (value, message) => {
    expect(() => loadConfig({ METRICS_LABELS: value })).toThrow(message);
  });
});
