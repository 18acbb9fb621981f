import type http from 'node:http';
import { FEATURES } from '../../src/app/features/index';
import { metricSum, scrapeMetrics } from '../support/prometheusText';
import { startTestSidecar, TEST_READONLY_TOKEN, type TestSidecar } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

jest.setTimeout(180_000);

/** What the login endpoint hands out; it must never appear in a dry run's answer. */
const SECRET_TOKEN = 'tok-5f0c1e9a7d3b4e21-secret';
const DRY_RUN_CONCURRENCY = 2;
/** Tables a run writes (directly or through the rollup trigger) or an alert creates. */
const COUNTED_TABLES = [
  'executions',
  'execution_steps',
  'step_attempts',
  'execution_rollups_minute',
  'execution_rollups_hour',
  'execution_rollups_day',
  'scheduled_runs',
  'workflows',
  'alerts',
  'alert_events',
  'notifications',
];

let target: TargetServer;
let sidecar: TestSidecar;
/** Set in the sidecar's environment: a definition sent over the API must never read it. */
const ENV_SECRET = 'env-secret-7c1d0f3b92a4';
/** The `X-Probe` header values `/probe` received. */
const probes: string[] = [];
/** Responses held open by `/hang/...` until `releaseHung()`. */
const hung: http.ServerResponse[] = [];
/** Requests seen per `/flaky/<key>`: 503, 503, then 200. */
const flakyCalls = new Map<string, number>();

function releaseHung(): void {
  for (const res of hung.splice(0)) {
    if (!res.writableEnded && !res.destroyed) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"released":true}');
    }
  }
}

function answer(res: http.ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

beforeAll(async () => {
  process.env.WM_DRY_RUN_SECRET = ENV_SECRET;
  target = await startTargetServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/login' && req.method === 'POST') {
      return answer(res, 200, { token: SECRET_TOKEN });
    }
    if (path === '/me') {
      return req.headers.authorization === `Bearer ${SECRET_TOKEN}` ? answer(res, 200, { user: 'demo' }) : answer(res, 401, { error: 'no token' });
    }
    const flaky = /^\/flaky\/([\w-]+)$/.exec(path);
    if (flaky) {
      const calls = (flakyCalls.get(flaky[1]!) ?? 0) + 1;
      flakyCalls.set(flaky[1]!, calls);
      return calls <= 2 ? answer(res, 503, { error: 'try later' }) : answer(res, 200, { ok: true });
    }
    if (path.startsWith('/hang/')) {
      hung.push(res);
      return true;
    }
    if (path === '/probe') {
      probes.push(String(req.headers['x-probe']));
      return answer(res, 200, { ok: true });
    }
    if (path === '/long-text') {
      return answer(res, 200, { text: 'x'.repeat(5_000) });
    }
    if (path === '/missing') {
      return answer(res, 404, { error: 'not here' });
    }
    return false;
  });
  sidecar = await startTestSidecar({
    features: FEATURES,
    env: { SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms', DRY_RUN_CONCURRENCY: String(DRY_RUN_CONCURRENCY), TARGET_DENYLIST: '127.0.0.2/32' },
  });
});

afterAll(async () => {
  delete process.env.WM_DRY_RUN_SECRET;
  releaseHung();
  await sidecar?.stop();
  await target?.close();
});

const loginThenCall = (extra: Record<string, unknown> = {}) => ({
  name: 'Login then call',
  retry: { maxAttempts: 3, initialDelay: '100ms', maxDelay: '1s', jitter: 0 },
  steps: [
    { name: 'login', request: { method: 'POST', url: `${target.url}/login`, json: { user: 'demo' } }, assert: ['status == 200', 'body.token exists'], extract: { token: 'body.token' } },
    { name: 'me', request: { url: `${target.url}/me`, headers: { Authorization: 'Bearer {{token}}' } }, assert: ['status == 200', 'body.user == "demo"'] },
  ],
  ...extra,
});

async function dryRun(definition: unknown, init: { token?: string | null } = {}): Promise<{ status: number; headers: Headers; text: string; body: any }> {
  const response = await sidecar.api('/api/v1/dry-runs', { method: 'POST', json: definition, ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of COUNTED_TABLES) {
    const { rows } = await sidecar.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

describe('POST /api/v1/dry-runs', () => {
  it('runs a two-step workflow with extraction once and answers success with both steps, the extracted variable by name only', async () => {
    const { status, text, body } = await dryRun(loginThenCall());
    expect(status).toBe(200);
    expect(body).toMatchObject({ workflowId: null, trigger: 'manual', status: 'success', stepCount: 2, attempts: 2, retries: 0, errorType: null, errorMessage: null, failedStep: null });
    expect(body.steps).toEqual([
      expect.objectContaining({ position: 0, name: 'login', status: 'passed', httpStatus: 200, extracted: ['token'], attempts: [expect.objectContaining({ number: 1, httpStatus: 200, errorType: null, delayMs: 0 })] }),
      expect.objectContaining({ position: 1, name: 'me', status: 'passed', httpStatus: 200, extracted: [], attempts: [expect.objectContaining({ number: 1, httpStatus: 200 })] }),
    ]);
    expect(body.steps[1].assertions).toEqual([
      { assertion: 'status == 200', passed: true, expected: 200 },
      { assertion: 'body.user == "demo"', passed: true, expected: 'demo' },
    ]);
    expect(body).not.toHaveProperty('id');
    expect(body).not.toHaveProperty('runId');
    expect(text).not.toContain(SECRET_TOKEN);
    expect(target.hits.get('/me')).toBeGreaterThanOrEqual(1);
  });

  it('retries with the definition\'s policy: 503, 503, 200 is degraded with three attempts, their statuses, error types and delays', async () => {
    const { status, body } = await dryRun({ id: 'flaky-check', name: 'Flaky', retry: { maxAttempts: 3, initialDelay: '100ms', jitter: 0 }, steps: [{ name: 'call', request: { url: `${target.url}/flaky/a` } }] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ workflowId: 'flaky-check', status: 'degraded', attempts: 3, retries: 2 });
    const attempts = body.steps[0].attempts;
    expect(attempts.map((a: any) => [a.number, a.httpStatus, a.errorType])).toEqual([
      [1, 503, 'transient'],
      [2, 503, 'transient'],
      [3, 200, null],
    ]);
    expect(attempts[0].delayMs).toBe(0);
    expect(attempts[1].delayMs).toBeGreaterThanOrEqual(100);
    expect(attempts[2].delayMs).toBeGreaterThanOrEqual(200);
    expect(flakyCalls.get('a')).toBe(3);
  });

  it('shows response values as a stored execution does: none on a passed assertion, at most 200 characters on a failed one', async () => {
    const { status, body } = await dryRun({
      name: 'Values',
      steps: [{ name: 'text', request: { url: `${target.url}/long-text` }, assert: ['status == 200', 'body.text == "short"'] }],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'failed', errorType: 'assertion', failedStep: 'text' });
    const [passed, failed] = body.steps[0].assertions;
    expect(passed).toEqual({ assertion: 'status == 200', passed: true, expected: 200 });
    expect(failed).toMatchObject({ assertion: 'body.text == "short"', passed: false });
    expect(typeof failed.actual).toBe('string');
    expect(failed.actual.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(body)).not.toContain('x'.repeat(201));
  });

  it('refuses a definition that does not validate with 400 naming every field by path, and calls nothing', async () => {
    const before = target.total();
    const { status, body } = await dryRun({
      name: 'Broken',
      steps: [
        { name: 'one', request: { url: 'not a url' } },
        { name: 'two', request: { method: 'FETCH', url: `${target.url}/ok` }, assert: ['status =='] },
      ],
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('steps[0].request.url');
    const paths = (body.error.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['steps[0].request.url', 'steps[1].request.method', 'steps[1].assert[0]']));
    expect(target.total()).toBe(before);
  });

  it('takes id and schedule as optional, validates them when given, and refuses a push workflow (nothing to run)', async () => {
    expect((await dryRun({ ...loginThenCall(), id: 'Not Valid' })).body.error.details).toEqual([expect.objectContaining({ path: 'id' })]);
    expect((await dryRun({ ...loginThenCall(), schedule: { cron: 'never' } })).body.error.details).toEqual([expect.objectContaining({ path: 'schedule.cron' })]);
    const push = await dryRun({ name: 'Pushed', schedule: { push: { expected: '1h' } } });
    expect(push.status).toBe(400);
    expect(push.body.error.details).toEqual([expect.objectContaining({ path: 'schedule', message: expect.stringContaining('nothing to dry-run') })]);
    expect((await dryRun({ ...loginThenCall(), id: 'scheduled-one', schedule: { every: '1m' } })).body).toMatchObject({ workflowId: 'scheduled-one', status: 'success' });
  });

  it('stores nothing: executions, steps, attempts, rollups, runs, workflows, alerts and notifications keep their row counts, and no execution is counted', async () => {
    const countsBefore = await rowCounts();
    const metricsBefore = await scrapeMetrics(sidecar.url);
    // A critical workflow that fails: had it been recorded, the predefined critical-failure rule would open an alert.
    const failing = await dryRun({ id: 'critical-check', name: 'Critical', critical: true, steps: [{ name: 'gone', request: { url: `${target.url}/missing` } }] });
    expect(failing.body).toMatchObject({ status: 'failed', errorType: 'permanent', failedStep: 'gone' });
    expect((await dryRun(loginThenCall({ id: 'critical-check', critical: true }))).body.status).toBe('success');
    expect((await dryRun({ name: 'Flaky', retry: { maxAttempts: 3, initialDelay: '100ms', jitter: 0 }, steps: [{ name: 'call', request: { url: `${target.url}/flaky/b` } }] })).body.status).toBe('degraded');
    // Give anything asynchronous (batched writes, alert evaluation on events) time to show up before counting again.
    await sidecar.api('/api/v1/workflows').then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await rowCounts()).toEqual(countsBefore);
    const metricsAfter = await scrapeMetrics(sidecar.url);
    expect(metricSum(metricsAfter, 'workflow_monitor_executions_total', {})).toBe(metricSum(metricsBefore, 'workflow_monitor_executions_total', {}));
    expect(metricSum(metricsAfter, 'workflow_monitor_execution_attempts_total', {})).toBe(metricSum(metricsBefore, 'workflow_monitor_execution_attempts_total', {}));
  });

  it('sends ${NAME} as written, as for every definition from the API: the sidecar\'s environment is never read', async () => {
    const { status, text, body } = await dryRun({ name: 'Env', steps: [{ name: 'probe', request: { url: `${target.url}/probe`, headers: { 'X-Probe': '${WM_DRY_RUN_SECRET}' } } }] });
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(probes).toEqual(['${WM_DRY_RUN_SECRET}']);
    expect(text).not.toContain(ENV_SECRET);
  });

  it('keeps its circuit breakers to itself: a breaker it opens is not the scheduled runs\' (no state in /metrics, the next dry run starts closed)', async () => {
    const tripping = { name: 'Trips', retry: { maxAttempts: 2, initialDelay: '100ms', jitter: 0, breaker: { threshold: 1 } }, steps: [{ name: 'call', request: { url: `${target.url}/flaky/breaker` } }] };
    const first = await dryRun(tripping);
    expect(first.body.steps[0].attempts.map((a: any) => a.errorType)).toEqual(['transient', 'circuit_open']);
    const samples = await scrapeMetrics(sidecar.url);
    expect(samples.filter((sample) => sample.name === 'workflow_monitor_circuit_breaker_state' && sample.labels.target === target.url)).toEqual([]);
    // A shared, open breaker would fail this one fast as circuit_open without calling the target.
    const second = await dryRun(tripping);
    expect(second.body.steps[0].attempts[0]).toMatchObject({ httpStatus: 503, errorType: 'transient' });
    expect(flakyCalls.get('breaker')).toBe(2);
  });

  it('is for Editors: the read-only token gets 403 and no request reaches the target', async () => {
    const before = target.total();
    const { status, body } = await dryRun(loginThenCall(), { token: TEST_READONLY_TOKEN });
    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
    expect((await dryRun(loginThenCall(), { token: null })).status).toBe(401);
    expect(target.total()).toBe(before);
  });

  it('obeys TARGET_DENYLIST: a step to a denied address fails before connecting, naming the list', async () => {
    const { status, body } = await dryRun({ name: 'Denied', retry: { maxAttempts: 1 }, steps: [{ name: 'metadata', request: { url: 'http://127.0.0.2:9/' } }] });
    expect(status).toBe(200);
    expect(body.status).toBe('failed');
    expect(body.steps[0].attempts[0].errorMessage).toMatch(/refused by TARGET_DENYLIST \(127\.0\.0\.2\/32\)/);
  });

  it('ends a dry run at the workflow\'s timeout', async () => {
    const { status, body } = await dryRun({ name: 'Hangs', timeout: '300ms', retry: { maxAttempts: 1 }, steps: [{ name: 'wait', request: { url: `${target.url}/hang/timeout`, timeout: '60s' } }] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'failed', errorType: 'timeout' });
    releaseHung();
  });

  it(`holds at most DRY_RUN_CONCURRENCY (${DRY_RUN_CONCURRENCY}) in flight: one more is 429 with Retry-After, and a slot is free again once one ends`, async () => {
    const hangs = (key: string) => ({ name: `Hang ${key}`, retry: { maxAttempts: 1 }, steps: [{ name: 'wait', request: { url: `${target.url}/hang/${key}`, timeout: '120s' } }], timeout: '150s' });
    const held = Array.from({ length: DRY_RUN_CONCURRENCY }, (_, i) => dryRun(hangs(`held-${i}`)));
    await eventually(() => hung.length === DRY_RUN_CONCURRENCY);
    const refused = await dryRun(hangs('one-more'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.error).toMatchObject({ code: 'too_many_dry_runs', details: { inFlight: DRY_RUN_CONCURRENCY, limit: DRY_RUN_CONCURRENCY } });
    expect(target.hits.get('/hang/one-more')).toBeUndefined();
    releaseHung();
    const answers = await Promise.all(held);
    expect(answers.map((a) => [a.status, a.body.status])).toEqual(Array.from({ length: DRY_RUN_CONCURRENCY }, () => [200, 'success']));
    expect((await dryRun(loginThenCall())).status).toBe(200);
  });

  it('ends the dry run of a caller that goes away, giving its slot back and abandoning its request to the target', async () => {
    const callers = Array.from({ length: DRY_RUN_CONCURRENCY }, () => new AbortController());
    const before = hung.length;
    const pending = callers.map((caller, i) =>
      sidecar
        .api('/api/v1/dry-runs', { method: 'POST', signal: caller.signal, json: { name: `Gone ${i}`, retry: { maxAttempts: 1 }, timeout: '150s', steps: [{ name: 'wait', request: { url: `${target.url}/hang/gone-${i}`, timeout: '120s' } }] } })
        .catch((error: Error) => error.name)
    );
    await eventually(() => hung.length === before + DRY_RUN_CONCURRENCY);
    expect((await dryRun(loginThenCall())).status).toBe(429);
    callers.forEach((caller) => caller.abort());
    expect(await Promise.all(pending)).toEqual(callers.map(() => 'AbortError'));
    await eventually(async () => (await dryRun(loginThenCall())).status === 200);
    await eventually(() => hung.slice(before).every((res) => res.destroyed));
  });

  it('answers in the shape GET /api/v1/executions/{id} shows for the same workflow run and stored, without id, runId and workerId', async () => {
    const definition = loginThenCall({ id: 'shape-check', schedule: { every: '1h' } });
    const dry = await dryRun(definition);
    expect((await sidecar.api('/api/v1/workflows', { method: 'POST', json: definition })).status).toBe(201);
    expect((await sidecar.api('/api/v1/workflows/shape-check/run', { method: 'POST' })).status).toBe(202);
    const stored = await eventually(async () => {
      const page = (await (await sidecar.api('/api/v1/workflows/shape-check/executions')).json()) as { executions: Array<{ id: number }> };
      return page.executions[0] ? ((await (await sidecar.api(`/api/v1/executions/${page.executions[0].id}`)).json()) as any) : undefined;
    });
    const shape = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(shape) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])) : typeof value;
    const { id: _id, runId: _runId, workerId: _workerId, ...storedRest } = stored;
    expect(shape({ ...dry.body, startedAt: 0, finishedAt: 0, durationMs: 0 })).toEqual(shape({ ...storedRest, startedAt: 0, finishedAt: 0, durationMs: 0 }));
    expect(dry.body.steps.map((s: any) => [s.name, s.status, s.extracted, s.assertions])).toEqual(stored.steps.map((s: any) => [s.name, s.status, s.extracted, s.assertions]));
  });
});

describe('POST /api/v1/dry-runs on shutdown', () => {
  it('ends a dry run in flight when the sidecar stops, answering 503 shutting_down', async () => {
    const own = await startTestSidecar({ features: FEATURES, env: { SHUTDOWN_TIMEOUT: '30s' } });
    const before = hung.length;
    const pending = own
      .api('/api/v1/dry-runs', { method: 'POST', json: { name: 'Hangs', steps: [{ name: 'wait', request: { url: `${target.url}/hang/shutdown`, timeout: '120s' } }], timeout: '150s' } })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    await eventually(() => hung.length > before);
    await own.stop();
    const answered = await pending;
    expect(answered.status).toBe(503);
    expect(answered.body.error.code).toBe('shutting_down');
    releaseHung();
  });
});
