import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowsFeature } from '../../src/app/features/workflows';
import { metricValue, scrapeMetrics } from '../support/prometheusText';
import { freePort } from '../support/sidecarProcess';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(180_000);

let target: TargetServer;
let sidecar: TestSidecar;
let dir: string;

const definition = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Workflow ${id}`,
  schedule: { every: '1s' },
  labels: { team: 'payments' },
  steps: [{ name: 'ping', request: { url: `${target.url}/ping/${id}` }, assert: ['status == 200'] }],
  ...extra,
});

beforeAll(async () => {
  target = await startTargetServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-wf-'));
  fs.writeFileSync(
    path.join(dir, 'from-file.yaml'),
    `id: from-file\nname: From a file\nschedule: { every: 1h }\nsteps:\n  - name: ping\n    request: { url: "${target.url}/file" }\n`
  );
  fs.writeFileSync(path.join(dir, 'broken.yaml'), 'id: broken\nname: Broken\nschedule: { every: 1h }\nsteps:\n  - name: x\n    request: { url: "http://127.0.0.1:1/" }\n    retry: { maxAttempts: 99 }\n');
  sidecar = await startTestSidecar({
    features: [workflowsFeature],
    env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', WORKFLOWS_DIR: dir },
  });
});

afterAll(async () => {
  await sidecar?.stop();
  await target?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('workflows API', () => {
  it('lists file-defined workflows with where they came from, and reports the invalid file with path and reason', async () => {
    const response = await sidecar.api('/api/v1/workflows');
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    const fromFile = body.workflows.find((w: any) => w.id === 'from-file');
    expect(fromFile).toMatchObject({ source: 'file', sourceFile: path.join(dir, 'from-file.yaml'), mode: 'scheduled', schedule: { every: '1h' } });
    expect(body.loadErrors).toEqual([expect.objectContaining({ file: path.join(dir, 'broken.yaml'), path: expect.stringContaining('maxAttempts') })]);
    expect(body.workflows.find((w: any) => w.id === 'broken')).toBeUndefined();
  });

  it('creates a workflow, rejects a duplicate with 409 and an invalid one with 400 naming the field', async () => {
    const created = await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition('api-one', { schedule: { every: '1h' } }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'api-one', source: 'api', version: 1, labels: { team: 'payments' } });
    const duplicate = await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition('api-one') });
    expect(duplicate.status).toBe(409);
    const invalid = await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition('api-two', { schedule: { cron: 'not a cron' } }) });
    expect(invalid.status).toBe(400);
    const error = (await invalid.json()) as any;
    expect(error.error.code).toBe('validation_failed');
    expect(JSON.stringify(error.error.details)).toContain('schedule');
  });

  it('refuses to change a file-defined workflow through the API (409 file_managed)', async () => {
    const put = await sidecar.api('/api/v1/workflows/from-file', { method: 'PUT', json: definition('from-file') });
    expect(put.status).toBe(409);
    expect(((await put.json()) as any).error.code).toBe('file_managed');
    expect((await sidecar.api('/api/v1/workflows/from-file', { method: 'DELETE' })).status).toBe(409);
  });

  it('replaces an API workflow (new version) and deletes it', async () => {
    const put = await sidecar.api('/api/v1/workflows/api-one', { method: 'PUT', json: definition('api-one', { name: 'Renamed', schedule: { every: '1h' } }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ name: 'Renamed', version: 2 });
    expect((await sidecar.api('/api/v1/workflows/api-one', { method: 'DELETE' })).status).toBe(204);
    expect((await sidecar.api('/api/v1/workflows/api-one')).status).toBe(404);
  });

  it('runs a workflow now (202) and records a manual execution with its steps and attempts', async () => {
    await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition('manual', { schedule: { every: '1h' } }) });
    const run = await sidecar.api('/api/v1/workflows/manual/run', { method: 'POST' });
    expect(run.status).toBe(202);
    const queued = (await run.json()) as any;
    expect(queued).toMatchObject({ workflowId: 'manual', runId: expect.any(Number) });
    const page = await eventually(async () => {
      const body = (await (await sidecar.api('/api/v1/workflows/manual/executions')).json()) as any;
      return body.executions.length > 0 ? body : undefined;
    });
    expect(page.executions[0]).toMatchObject({ trigger: 'manual', status: 'success', runId: queued.runId, attempts: 1, retries: 0 });
    const detail = (await (await sidecar.api(`/api/v1/executions/${page.executions[0].id}`)).json()) as any;
    expect(detail.steps).toEqual([
      expect.objectContaining({ name: 'ping', status: 'passed', httpStatus: 200, attempts: [expect.objectContaining({ number: 1, httpStatus: 200, errorType: null, delayMs: 0 })] }),
    ]);
  });

  it('runs scheduled slots on time, pages executions by cursor and filters by status', async () => {
    await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition('every-second') });
    await eventually(async () => ((await (await sidecar.api('/api/v1/workflows/every-second/executions')).json()) as any).executions.length >= 3, 20_000);
    const first = (await (await sidecar.api('/api/v1/workflows/every-second/executions?limit=2')).json()) as any;
    expect(first.executions).toHaveLength(2);
    expect(first.executions.every((e: any) => e.trigger === 'schedule')).toBe(true);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await (await sidecar.api(`/api/v1/workflows/every-second/executions?limit=2&cursor=${first.nextCursor}`)).json()) as any;
    expect(second.executions[0].id).toBeLessThan(first.executions[1].id);
    const failedOnly = (await (await sidecar.api('/api/v1/workflows/every-second/executions?status=failed')).json()) as any;
    expect(failedOnly.executions).toEqual([]);
    const bad = await sidecar.api('/api/v1/workflows/every-second/executions?status=broken');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('success, degraded, failed');
    // Every slot that ran has exactly one result.
    const { rows } = await sidecar.db.pool.query(
      `SELECT r.id, count(e.id)::int AS n FROM scheduled_runs r LEFT JOIN executions e ON e.run_id = r.id
        WHERE r.workflow_id = 'every-second' AND r.state = 'done' GROUP BY r.id`
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r: any) => r.n === 1)).toBe(true);
  });

  it('counts executions, attempts and scheduler lag on /metrics as the store records them', async () => {
    const { pool } = sidecar.db;
    // every-second keeps running: read both sides until they agree, then compare them (a diff if they never did).
    const read = async () => {
      const metrics = await scrapeMetrics(sidecar.url);
      const { rows } = await pool.query<{ ok: number; timed: number; clean_attempts: number }>(
        `SELECT count(*) FILTER (WHERE workflow_id = 'every-second' AND status = 'success' AND trigger = 'schedule')::int AS ok,
                count(*) FILTER (WHERE workflow_id = 'every-second' AND trigger NOT IN ('missed', 'push'))::int AS timed,
                (SELECT count(*)::int FROM step_attempts WHERE error_type IS NULL) AS clean_attempts
           FROM executions`
      );
      const stored = rows[0]!;
      const lag = metricValue(metrics, 'workflow_monitor_scheduler_lag_seconds_count') ?? 0;
      return {
        fromStore: { successes: stored.ok, durations: stored.timed, cleanAttempts: stored.clean_attempts, lagObservedForEachScheduledRun: true },
        fromMetrics: {
          successes: metricValue(metrics, 'workflow_monitor_executions_total', { workflow: 'every-second', status: 'success', trigger: 'schedule', location: 'default' }),
          durations: metricValue(metrics, 'workflow_monitor_execution_duration_seconds_count', { workflow: 'every-second', location: 'default' }),
          cleanAttempts: metricValue(metrics, 'workflow_monitor_execution_attempts_total', { error_type: 'none' }),
          lagObservedForEachScheduledRun: lag >= stored.ok,
        },
      };
    };
    let last = await read();
    await eventually(async () => {
      last = await read();
      return last.fromStore.successes >= 3 && JSON.stringify(last.fromMetrics) === JSON.stringify(last.fromStore);
    }, 20_000).catch(() => undefined);
    expect(last.fromStore.successes).toBeGreaterThanOrEqual(3);
    expect(last.fromMetrics).toEqual(last.fromStore);
  });

  it('shows each target\'s circuit breaker state on /metrics: 0 for a healthy target, 2 once a dead one opened it', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const created = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'dead-target', name: 'Dead target', schedule: { every: '1h' }, retry: { maxAttempts: 1, breaker: { threshold: 1 } }, steps: [{ name: 'ping', request: { url: `${dead}/ping` } }] },
    });
    expect(created.status).toBe(201);
    expect((await sidecar.api('/api/v1/workflows/dead-target/run', { method: 'POST' })).status).toBe(202);
    const metrics = await eventually(async () => {
      const samples = await scrapeMetrics(sidecar.url);
      return metricValue(samples, 'workflow_monitor_circuit_breaker_state', { target: dead, location: 'default' }) === 2 ? samples : undefined;
    }, 20_000);
    expect(metricValue(metrics, 'workflow_monitor_circuit_breaker_state', { target: target.url, location: 'default' })).toBe(0);
  });
});

describe('push workflows', () => {
  it('records pushed results and turns silence past interval + grace into a failed missed execution', async () => {
    const created = await sidecar.api('/api/v1/workflows', {
      method: 'POST',
      json: { id: 'nightly-backup', name: 'Nightly backup', schedule: { push: { expected: '2s', grace: '1s' } } },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ mode: 'push', schedule: { push: { expected: '2s', grace: '1s' } } });
    const pushed = await sidecar.api('/api/v1/executions', {
      method: 'POST',
      json: { workflowId: 'nightly-backup', status: 'success', durationMs: 1200, steps: [{ name: 'dump', status: 'passed', durationMs: 1200 }] },
    });
    expect(pushed.status).toBe(201);
    expect(await pushed.json()).toMatchObject({ workflowId: 'nightly-backup', trigger: 'push', status: 'success', stepCount: 1 });
    // Silent from now on: after 2 s + 1 s grace a missed failure is recorded.
    const missed = await eventually(async () => {
      const body = (await (await sidecar.api('/api/v1/workflows/nightly-backup/executions?status=failed')).json()) as any;
      return body.executions[0];
    }, 15_000);
    expect(missed).toMatchObject({ trigger: 'missed', status: 'failed', errorType: 'timeout' });
    expect(missed.errorMessage).toContain('no result pushed since');
  });

  it('rejects a push for an unknown or scheduled workflow and a malformed body', async () => {
    expect((await sidecar.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'nope', status: 'success' } })).status).toBe(404);
    expect((await sidecar.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'every-second', status: 'success' } })).status).toBe(409);
    const bad = await sidecar.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'nightly-backup', status: 'fine' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('status');
  });
});
