import type http from 'node:http';
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { FEATURES } from '../../src/app/features/index';
import { loadConfig } from '../../src/config/env';
import { runWorkflow } from '../../src/executor/runWorkflow';
import type { ExecutionResult } from '../../src/model/execution';
import { parseWorkflowDefinition } from '../../src/model/workflowDefinition';
import { recordHeartbeat } from '../../src/replicas/replicaStore';
import { BreakerRegistry } from '../../src/retry/breakerRegistry';
import { claimDueRuns } from '../../src/scheduler/claimDueRuns';
import { planDueSlots, sweepMissedSlots } from '../../src/scheduler/planDueSlots';
import { recordExecutionBatch } from '../../src/store/recordExecution';
import { upsertWorkflow } from '../../src/workflows/workflowStore';
import { metricValue, scrapeMetrics } from '../support/prometheusText';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

jest.setTimeout(180_000);

const parse = (extra: Record<string, unknown>) =>
  parseWorkflowDefinition({ id: 'w', name: 'W', schedule: { every: '1m' }, steps: [{ name: 's', request: { url: 'http://127.0.0.1:9/' } }], ...extra }, { source: 'api' });

describe('configuration and definitions', () => {
  it('reads LOCATION (default "default") and refuses a bad name or a heartbeat expiry shorter than two intervals, naming the variable and value', () => {
    expect(loadConfig({}).LOCATION).toBe('default');
    expect(loadConfig({ LOCATION: 'eu-west_1' }).LOCATION).toBe('eu-west_1');
    expect(() => loadConfig({ LOCATION: 'EU West' })).toThrow(/LOCATION="EU West": must be 1–63 characters/);
    expect(() => loadConfig({ LOCATION: '-eu' })).toThrow(/LOCATION="-eu"/);
    expect(() => loadConfig({ REPLICA_HEARTBEAT_INTERVAL: 'soon' })).toThrow(/REPLICA_HEARTBEAT_INTERVAL="soon"/);
    expect(() => loadConfig({ REPLICA_HEARTBEAT_INTERVAL: '10s', REPLICA_HEARTBEAT_EXPIRY: '15s' })).toThrow(
      /REPLICA_HEARTBEAT_EXPIRY="15s": must be at least twice REPLICA_HEARTBEAT_INTERVAL \("10s"\)/
    );
    expect(loadConfig({ REPLICA_HEARTBEAT_INTERVAL: '1s', REPLICA_HEARTBEAT_EXPIRY: '2s' }).REPLICA_HEARTBEAT_EXPIRY).toBe(2000);
  });

  it('validates locations: names, no duplicates, at most 16, none on a push workflow — each problem at its path', () => {
    expect(parse({ locations: ['eu', 'us'] })).toMatchObject({ ok: true, definition: { locations: ['eu', 'us'] } });
    expect(parse({})).toMatchObject({ ok: true });
    const problems = (extra: Record<string, unknown>) => {
      const parsed = parse(extra);
      return parsed.ok ? [] : parsed.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(problems({ locations: ['eu', 'US East'] })).toEqual([expect.stringMatching(/^locations\[1\]: a location name is 1–63 characters/)]);
    expect(problems({ locations: ['eu', 'us', 'eu'] })).toEqual(['locations[2]: location "eu" is listed twice']);
    expect(problems({ locations: Array.from({ length: 17 }, (_, i) => `l${i}`) })).toEqual(['locations: at most 16 locations']);
    expect(problems({ locations: [] })).toEqual([expect.stringMatching(/^locations: list at least one location/)]);
    expect(problems({ locations: ['eu'], schedule: { push: { expected: '1h' } }, steps: [] })).toEqual(['locations: a push workflow runs elsewhere and has no locations']);
  });
});

describe('the durable schedule with locations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function defineWorkflow(id: string, locations?: string[]): Promise<void> {
    const parsed = parseWorkflowDefinition(
      { id, name: id, schedule: { every: '1s' }, steps: [{ name: 's', request: { url: 'http://127.0.0.1:9/' } }], ...(locations ? { locations } : {}) },
      { source: 'api' }
    );
    if (!parsed.ok) {
      throw new Error(JSON.stringify(parsed.errors));
    }
    await upsertWorkflow(db.pool, { spec: parsed.definition, definition: parsed.definition, source: 'api' });
  }

  const slotsOf = async (workflowId: string) =>
    (await db.pool.query<{ location: string | null; n: number }>(
      `SELECT location, count(*)::int AS n FROM scheduled_runs WHERE workflow_id = $1 GROUP BY location ORDER BY location NULLS FIRST`,
      [workflowId]
    )).rows;

  it('plans each slot once per listed location (once, unlocated, without a list), and a replica claims only its own location and unlocated slots', async () => {
    await defineWorkflow('two-places', ['eu', 'us']);
    await defineWorkflow('anywhere');
    const nowMs = Date.now();
    const from = new Date(nowMs - 2_500);
    await db.pool.query(`UPDATE workflows SET next_slot_at = $1 WHERE id IN ('two-places', 'anywhere')`, [from]);
    await planDueSlots(db.pool, { horizonMs: 0, misfireMs: 60_000, nowMs });
    const planned = await slotsOf('two-places');
    expect(planned.map((p) => p.location)).toEqual(['eu', 'us']);
    expect(planned[0]!.n).toBe(planned[1]!.n);
    expect((await slotsOf('anywhere')).map((p) => p.location)).toEqual([null]);
    // Planning the same slots again (another replica raced) adds nothing.
    await db.pool.query(`UPDATE workflows SET next_slot_at = $1 WHERE id IN ('two-places', 'anywhere')`, [from]);
    await planDueSlots(db.pool, { horizonMs: 0, misfireMs: 60_000, nowMs });
    expect(await slotsOf('two-places')).toEqual(planned);

    const elsewhere = await claimDueRuns(db.pool, { workerId: 'ap-1', limit: 100, leaseMs: 60_000, location: 'ap' });
    expect(elsewhere.runs.map((r) => [r.workflowId, r.location])).toEqual(elsewhere.runs.map(() => ['anywhere', null]));
    const eu = await claimDueRuns(db.pool, { workerId: 'eu-1', limit: 100, leaseMs: 60_000, location: 'eu' });
    expect(eu.runs.length).toBe(planned[0]!.n);
    expect(new Set(eu.runs.map((r) => `${r.workflowId}@${r.location}`))).toEqual(new Set(['two-places@eu']));
    // The us slots are overdue and nobody in eu may take them: they must not wake an eu worker at once.
    const again = await claimDueRuns(db.pool, { workerId: 'eu-1', limit: 100, leaseMs: 60_000, location: 'eu' });
    expect(again.runs).toEqual([]);
    expect(again.nextAt === null || again.nextAt.getTime() > Date.now() + 30_000).toBe(true);
    const us = await claimDueRuns(db.pool, { workerId: 'us-1', limit: 100, leaseMs: 60_000, location: 'us' });
    expect(new Set(us.runs.map((r) => `${r.workflowId}@${r.location}`))).toEqual(new Set(['two-places@us']));
  });

  it('records the slots of a location without a live replica as missed with the reason, only after the misfire time; other locations keep their rules', async () => {
    await defineWorkflow('sweep-me', ['eu', 'us']);
    await db.pool.query(`UPDATE workflows SET next_slot_at = NULL WHERE id = 'sweep-me'`);
    await db.pool.query(`DELETE FROM replicas`);
    await recordHeartbeat(db.pool, { id: 'eu-live', location: 'eu', version: 'test', startedAt: new Date(), scheduling: true });
    // A us replica that stopped beating a minute ago, and a us replica that serves the API only.
    await recordHeartbeat(db.pool, { id: 'us-gone', location: 'us', version: 'test', startedAt: new Date(), scheduling: true });
    await db.pool.query(`UPDATE replicas SET last_seen_at = now() - interval '1 minute' WHERE id = 'us-gone'`);
    await recordHeartbeat(db.pool, { id: 'us-api-only', location: 'us', version: 'test', startedAt: new Date(), scheduling: false });
    const insert = (location: string, agoSeconds: number, state = 'pending') =>
      db.pool.query<{ id: string }>(
        `INSERT INTO scheduled_runs (workflow_id, slot_at, location, state, locked_until, claimed_at)
         VALUES ('sweep-me', now() - make_interval(secs => $2), $1, $3, CASE WHEN $3 = 'running' THEN now() - interval '1 second' END,
                 CASE WHEN $3 = 'running' THEN now() - make_interval(secs => $2) END) RETURNING id`,
        [location, agoSeconds, state]
      );
    const euOld = await insert('eu', 10);
    const euNew = await insert('eu', 8);
    const usOld = await insert('us', 10);
    const usNew = await insert('us', 8);
    let swept = await sweepMissedSlots(db.pool, { misfireMs: 30_000, replicaExpiryMs: 30_000 });
    const stateOf = async (row: { rows: Array<{ id: string }> }) =>
      (await db.pool.query<{ state: string; missed_reason: string | null }>('SELECT state, missed_reason FROM scheduled_runs WHERE id = $1', [row.rows[0]!.id])).rows[0];
    // eu has a replica: its older slot was superseded by a newer due one (the usual rule, no reason).
    expect(await stateOf(euOld)).toEqual({ state: 'missed', missed_reason: null });
    expect(await stateOf(euNew)).toEqual({ state: 'pending', missed_reason: null });
    // us has none: its slots wait for the misfire time (its replica may be restarting).
    expect(await stateOf(usOld)).toEqual({ state: 'pending', missed_reason: null });
    expect(swept).toEqual({ missed: 1, noReplica: new Map() });

    const usLate = await insert('us', 40);
    const usLateRunning = await insert('us', 45, 'running');
    const euLate = await insert('eu', 40);
    swept = await sweepMissedSlots(db.pool, { misfireMs: 30_000, replicaExpiryMs: 30_000 });
    expect(await stateOf(usLate)).toEqual({ state: 'missed', missed_reason: 'no replica in location us' });
    expect(await stateOf(usLateRunning)).toEqual({ state: 'missed', missed_reason: 'no replica in location us' });
    expect(await stateOf(euLate)).toEqual({ state: 'missed', missed_reason: null });
    expect(await stateOf(usNew)).toEqual({ state: 'pending', missed_reason: null });
    expect(swept.noReplica).toEqual(new Map([['us', 2]]));

    // A misfire time shorter than the superseded wait is still the bound for an empty location.
    const usShortMisfire = await insert('us', 10);
    await sweepMissedSlots(db.pool, { misfireMs: 3_000, supersededMs: 120_000, replicaExpiryMs: 30_000 });
    expect(await stateOf(usShortMisfire)).toEqual({ state: 'missed', missed_reason: 'no replica in location us' });

    // A us replica is back: its slots are no longer anybody's to write off but its own.
    await recordHeartbeat(db.pool, { id: 'us-back', location: 'us', version: 'test', startedAt: new Date(), scheduling: true });
    const usLateAgain = await insert('us', 40);
    await sweepMissedSlots(db.pool, { misfireMs: 30_000, replicaExpiryMs: 30_000 });
    expect(await stateOf(usLateAgain)).toEqual({ state: 'missed', missed_reason: null });
  });
});

describe('a replica in location eu', () => {
  let target: TargetServer;
  let sidecar: TestSidecar;
  const seen: Array<{ path: string; location: string | undefined }> = [];

  const workflow = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: id,
    // Once a year: only the runs the test asks for.
    schedule: { cron: '0 0 1 1 *' },
    retry: { maxAttempts: 1 },
    steps: [{ name: 'ping', request: { url: `${target.url}/${id}`, headers: { 'X-Workflow-Monitor-Location': 'forged' } }, assert: ['status == 200'] }],
    ...extra,
  });

  beforeAll(async () => {
    target = await startTargetServer((req: http.IncomingMessage) => {
      seen.push({ path: req.url ?? '', location: req.headers['x-workflow-monitor-location'] as string | undefined });
    });
    sidecar = await startTestSidecar({
      features: FEATURES,
      env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', LOCATION: 'eu', REPLICA_HEARTBEAT_INTERVAL: '500ms', REPLICA_HEARTBEAT_EXPIRY: '5s', ALERTING: 'false' },
    });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await target?.close();
  });

  const executionsOf = async (id: string) =>
    (await sidecar.db.pool.query<{ location: string; run_location: string | null }>(
      `SELECT e.location, r.location AS run_location FROM executions e JOIN scheduled_runs r ON r.id = e.run_id WHERE e.workflow_id = $1 ORDER BY e.id`,
      [id]
    )).rows;

  it('sends X-Workflow-Monitor-Location with every step request (a forged one in the definition is replaced) and records the location on the execution', async () => {
    expect((await sidecar.api('/api/v1/workflows', { method: 'POST', json: workflow('header-check', { locations: ['eu'] }) })).status).toBe(201);
    const queued = await sidecar.api('/api/v1/workflows/header-check/run', { method: 'POST' });
    expect(queued.status).toBe(202);
    expect(await queued.json()).toMatchObject({ runs: [{ location: 'eu' }] });
    await eventually(async () => (await executionsOf('header-check')).length === 1, 30_000);
    expect(seen.filter((s) => s.path === '/header-check')).toEqual([{ path: '/header-check', location: 'eu' }]);
    expect(await executionsOf('header-check')).toEqual([{ location: 'eu', run_location: 'eu' }]);
    const page = (await (await sidecar.api('/api/v1/workflows/header-check/executions')).json()) as { executions: Array<{ location: string }> };
    expect(page.executions.map((e) => e.location)).toEqual(['eu']);
  });

  it('runs now in each listed location, or in the one asked for; refuses a location the workflow does not list, naming it', async () => {
    expect((await sidecar.api('/api/v1/workflows', { method: 'POST', json: workflow('run-where', { locations: ['eu', 'us'] }) })).status).toBe(201);
    const both = await sidecar.api('/api/v1/workflows/run-where/run', { method: 'POST' });
    expect(both.status).toBe(202);
    const body = (await both.json()) as { runId: number; runs: Array<{ runId: number; location: string }> };
    expect(body.runs.map((r) => r.location)).toEqual(['eu', 'us']);
    expect(body.runId).toBe(body.runs[0]!.runId);
    const onlyUs = await sidecar.api('/api/v1/workflows/run-where/run?location=us', { method: 'POST' });
    expect(((await onlyUs.json()) as typeof body).runs.map((r) => r.location)).toEqual(['us']);
    const wrong = await sidecar.api('/api/v1/workflows/run-where/run?location=ap', { method: 'POST' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('"ap" is not one of the locations of workflow "run-where" (eu, us)') } });
    const invalid = await sidecar.api('/api/v1/workflows/run-where/run?location=Not%20A%20Name', { method: 'POST' });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toContain('query.location');
    // This replica runs only the eu one; the us runs wait for a us replica.
    await eventually(async () => (await executionsOf('run-where')).length === 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await executionsOf('run-where')).toEqual([{ location: 'eu', run_location: 'eu' }]);
    const { rows } = await sidecar.db.pool.query(`SELECT location, state FROM scheduled_runs WHERE workflow_id = 'run-where' AND location = 'us'`);
    expect(rows).toEqual([{ location: 'us', state: 'pending' }, { location: 'us', state: 'pending' }]);
  });

  it('filters executions by location, and refuses a malformed location filter naming it', async () => {
    const eu = (await (await sidecar.api('/api/v1/workflows/header-check/executions?location=eu')).json()) as { executions: unknown[] };
    expect(eu.executions).toHaveLength(1);
    const us = (await (await sidecar.api('/api/v1/workflows/header-check/executions?location=us,ap')).json()) as { executions: unknown[] };
    expect(us.executions).toEqual([]);
    const bad = await sidecar.api('/api/v1/workflows/header-check/executions?location=eu,Bad!');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('query.location: "Bad!" is not a location name');
  });

  it('answers a dry run with the location of the replica that ran it', async () => {
    const response = await sidecar.api('/api/v1/dry-runs', { method: 'POST', json: { name: 'Dry', steps: [{ name: 'ping', request: { url: `${target.url}/dry` } }] } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'success', location: 'eu' });
    expect(seen.filter((s) => s.path === '/dry')).toEqual([{ path: '/dry', location: 'eu' }]);
  });

  it('lists its location with itself as a live replica, names a listed location without a replica as empty, and /health says degraded (200)', async () => {
    const response = await sidecar.api('/api/v1/locations');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { location: string; replicaId: string; locations: Array<Record<string, any>> };
    expect(body.location).toBe('eu');
    const eu = body.locations.find((l) => l.location === 'eu')!;
    expect(eu).toMatchObject({ status: 'ok', replicas: [{ id: body.replicaId, location: 'eu', version: expect.stringMatching(/^\d+\.\d+\.\d+/), scheduling: true }] });
    expect(Date.now() - Date.parse(eu.lastSeenAt)).toBeLessThan(60_000);
    expect(body.locations.find((l) => l.location === 'us')).toMatchObject({ status: 'empty', replicas: [], lastSeenAt: null, workflows: 1 });
    const health = await fetch(`${sidecar.url}/health`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as { status: string; checks: Record<string, any> };
    expect(report.status).toBe('degraded');
    expect(report.checks.locations).toMatchObject({ status: 'degraded', empty: ['us'], message: expect.stringContaining('no live replica in location us') });
  });

  it('labels the execution series on /metrics with the location', async () => {
    const samples = await scrapeMetrics(sidecar.url);
    expect(metricValue(samples, 'workflow_monitor_executions_total', { workflow: 'header-check', status: 'success', trigger: 'manual', location: 'eu' })).toBe(1);
    expect(metricValue(samples, 'workflow_monitor_execution_duration_seconds_count', { workflow: 'header-check', location: 'eu' })).toBe(1);
  });

  it('groups the query API and the metrics summary by location with the counts of the raw rows, and filters by location', async () => {
    const base = Date.now() - 30 * 60_000;
    const results: Array<{ result: ExecutionResult; runId: null; workerId: null }> = [];
    const plan: Array<[string, 'success' | 'failed', number]> = [['eu', 'success', 7], ['eu', 'failed', 2], ['us', 'success', 4], ['us', 'failed', 5], ['ap', 'success', 3]];
    let k = 0;
    for (const [location, status, count] of plan) {
      for (let i = 0; i < count; i += 1) {
        k += 1;
        const startedAt = new Date(base + k * 61_000);
        results.push({ result: { workflowId: 'grouped', status, trigger: 'schedule', startedAt, finishedAt: new Date(startedAt.getTime() + 100), durationMs: 100 + k, steps: [], location }, runId: null, workerId: null });
      }
    }
    await recordExecutionBatch(sidecar.db.pool, results);
    const { rows: raw } = await sidecar.db.pool.query<{ location: string; n: number; failed: number }>(
      `SELECT location, count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM executions WHERE workflow_id = 'grouped' GROUP BY location ORDER BY location`
    );
    const query = async (target: Record<string, unknown>) => {
      const response = await sidecar.api('/api/v1/query', {
        method: 'POST',
        json: { from: base, to: Date.now(), intervalMs: 3_600_000, maxDataPoints: 100, targets: [{ refId: 'A', workflowIds: ['grouped'], ...target }] },
      });
      expect(response.status).toBe(200);
      const frame = ((await response.json()) as any).results.A.frames[0];
      const [, ...series] = frame.schema.fields.map((f: any, i: number) => ({ labels: f.labels, sum: (frame.data.values[i] as Array<number | null>).reduce((a: number, b) => a + (b ?? 0), 0) }));
      return series as Array<{ labels?: Record<string, string>; sum: number }>;
    };
    expect(await query({ metric: 'executions', groupBy: 'location' })).toEqual(raw.map((r) => ({ labels: { location: r.location }, sum: r.n })));
    expect(await query({ metric: 'failures', groupBy: 'location' })).toEqual(raw.map((r) => ({ labels: { location: r.location }, sum: r.failed })));
    expect(await query({ metric: 'executions', locations: ['eu', 'ap'] })).toEqual([{ labels: undefined, sum: 12 }]);
    const wrongMetric = await sidecar.api('/api/v1/query', { method: 'POST', json: { from: base, to: Date.now(), targets: [{ refId: 'A', metric: 'active_alerts', groupBy: 'location' }] } });
    expect(wrongMetric.status).toBe(400);
    expect(JSON.stringify(await wrongMetric.json())).toContain('targets[0].groupBy');

    const summary = (await (await sidecar.api('/api/monitoring/metrics?period=1h&groupBy=location')).json()) as any;
    const grouped = Object.fromEntries(summary.data.locations.map((l: any) => [l.location, l]));
    for (const r of raw) {
      expect(grouped[r.location]).toMatchObject({ location: r.location, failures: r.failed });
    }
    // The summary also counts this replica's own runs: compare the sums over every location with the raw rows.
    const { rows: all } = await sidecar.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM executions WHERE started_at >= now() - interval '1 hour' - interval '1 minute'`);
    expect(summary.data.locations.reduce((a: number, l: any) => a + l.executions, 0)).toBe(summary.data.summary.totalExecutions);
    expect(summary.data.summary.totalExecutions).toBeLessThanOrEqual(all[0]!.n);
    const onlyUs = (await (await sidecar.api('/api/monitoring/metrics?period=1h&locations=us')).json()) as any;
    expect(onlyUs.data.summary).toMatchObject({ totalExecutions: 9, failureCount: 5 });
    const bad = await sidecar.api('/api/monitoring/metrics?groupBy=region');
    expect(bad.status).toBe(400);
  });
});

describe('spans', () => {
  it('carry the location on the execution and step spans', async () => {
    const target = await startTargetServer();
    try {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const parsed = parseWorkflowDefinition({ id: 'traced', name: 'T', schedule: { every: '1m' }, steps: [{ name: 's', request: { url: `${target.url}/t` } }] }, { source: 'api' });
      if (!parsed.ok) {
        throw new Error('invalid');
      }
      const result = await runWorkflow(parsed.definition, { trigger: 'manual', breakers: new BreakerRegistry(Date.now, { location: 'us' }), tracer: provider.getTracer('test'), location: 'us' });
      expect(result.location).toBe('us');
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => [s.name, s.attributes['workflow_monitor.location']])).toEqual([
        ['workflow.step', 'us'],
        ['workflow.execution', 'us'],
      ]);
    } finally {
      await target.close();
    }
  });
});
