import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { FEATURES } from '../../src/app/features/index';
import { freePort, spawnSidecar, waitUntilReady, type SidecarProcess } from '../support/sidecarProcess';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/**
 * Every time the HTTP API accepts is a real instant between 2000-01-01 and 2100-01-01 (what already
 * happened: at most now + 1 day), refused with a 400 naming the field and the value otherwise; the
 * query API sizes its answer before building it. TIME_FUZZ_RUNS cases per field (100 by default).
 */
const RUNS = Number(process.env.TIME_FUZZ_RUNS ?? 100);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
jest.setTimeout(300_000);

const HOSTILE_QUERY = { from: 1e21, to: 1e21, intervalMs: 60_000, maxDataPoints: 100, targets: [{ refId: 'A', metric: 'executions' }] };

describe('the hostile query of issue 15, against a real sidecar process', () => {
  const TOKEN = 'time-inputs-token-0123456789';
  const READONLY_TOKEN = 'time-inputs-readonly-0123456789';
  let db: TestDatabase;
  let dir: string;
  let sidecar: SidecarProcess;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-time-'));
    const port = await freePort();
    sidecar = spawnSidecar({
      DATABASE_URL: db.url,
      PORT: String(port),
      DEMO: 'off',
      LOG_LEVEL: 'warn',
      SIDECAR_API_TOKEN: TOKEN,
      SIDECAR_READONLY_TOKEN: READONLY_TOKEN,
      WORKFLOWS_DIR: dir,
    });
    url = `http://127.0.0.1:${port}`;
    await waitUntilReady(sidecar, url);
  });

  afterAll(async () => {
    if (sidecar && sidecar.child.exitCode === null) {
      sidecar.child.kill('SIGTERM');
      // A process whose event loop is stuck cannot run its SIGTERM handler.
      const stopped = await Promise.race([sidecar.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000).unref())]);
      if (!stopped) {
        sidecar.child.kill('SIGKILL');
        await sidecar.exited;
      }
    }
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A bounded wait: without the fix the process spins and this fails instead of hanging the run.
  const call = (pathAndQuery: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${url}${pathAndQuery}`, {
      ...init,
      headers: { Authorization: `Bearer ${init.token ?? TOKEN}`, 'Content-Type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });

  async function expectHealthy() {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('healthy');
    expect(sidecar.child.exitCode).toBeNull();
  }

  it.each([
    ['the full token', TOKEN],
    ['the read-only token (a Grafana Viewer through the proxy)', READONLY_TOKEN],
  ])('POST /api/v1/query with from = to = 1e21 from %s: a 400 naming from, in under a second; /health stays healthy', async (_who, token) => {
    await expectHealthy();
    const started = performance.now();
    const response = await call('/api/v1/query', { method: 'POST', body: JSON.stringify(HOSTILE_QUERY), token });
    const body = (await response.json()) as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toEqual(expect.arrayContaining([{ path: 'from', message: expect.stringContaining('1e+21 is outside the accepted range') }]));
    expect(elapsedMs).toBeLessThan(1000);
    await expectHealthy();
  });

  it('GET /api/v1/workflows/{id}/executions?from=100000000000000000000 is a 400 naming query.from and the value (was a 500)', async () => {
    const created = await call('/api/v1/workflows', { method: 'POST', body: JSON.stringify({ id: 'hostile-range', name: 'h', schedule: { every: '1h' }, steps: [{ name: 's', request: { url: 'http://127.0.0.1:9/' } }] }) });
    expect(created.status).toBe(201);
    const response = await call('/api/v1/workflows/hostile-range/executions?from=100000000000000000000');
    const body = (await response.json()) as { error: { message: string; details: Array<{ path: string; message: string }> } };
    expect(response.status).toBe(400);
    expect(body.error.details[0]).toEqual({ path: 'query.from', message: expect.stringContaining('"100000000000000000000" is outside the accepted range') });
    await expectHealthy();
  });
});

/** Where a time field lives and what a request around it looks like when every other field is fine. */
interface TimeField {
  method: 'GET' | 'POST';
  route: string;
  where: 'query' | 'body';
  field: string;
  horizon: 'past' | 'planned';
  /** The path to call (with ids filled in) and the other fields, all valid. */
  path: string;
  base: () => Record<string, unknown>;
  /** A time this route accepts in the field (ms). */
  accepted: () => number;
  /** For planned fields: a time further ahead than a day that is accepted. */
  acceptedAhead?: () => number;
}

const PUSH_WORKFLOW = 'time-push';

const TIME_FIELDS: TimeField[] = [
  ...(['from', 'to'] as const).map((field): TimeField => ({
    method: 'GET', route: '/api/v1/workflows/{id}/executions', where: 'query', field, horizon: 'past',
    path: `/api/v1/workflows/${PUSH_WORKFLOW}/executions`, base: () => ({}), accepted: () => Date.now() - HOUR,
  })),
  ...(['startedAt', 'finishedAt'] as const).map((field): TimeField => ({
    method: 'POST', route: '/api/v1/executions', where: 'body', field, horizon: 'past',
    path: '/api/v1/executions', base: () => ({ workflowId: PUSH_WORKFLOW, status: 'success', durationMs: 10 }), accepted: () => Date.now() - HOUR,
  })),
  ...(['from', 'to'] as const).map((field): TimeField => ({
    method: 'GET', route: '/api/v1/alerts', where: 'query', field, horizon: 'past',
    path: '/api/v1/alerts', base: () => ({}), accepted: () => Date.now() - HOUR,
  })),
  {
    method: 'POST', route: '/api/v1/silences', where: 'body', field: 'startsAt', horizon: 'planned',
    path: '/api/v1/silences', base: () => ({ matchers: { workflowIds: [PUSH_WORKFLOW] }, duration: '1h', createdBy: 'fuzz' }),
    accepted: () => Date.now() - HOUR, acceptedAhead: () => Date.UTC(2099, 11, 31),
  },
  {
    method: 'POST', route: '/api/v1/silences', where: 'body', field: 'endsAt', horizon: 'planned',
    path: '/api/v1/silences', base: () => ({ matchers: { workflowIds: [PUSH_WORKFLOW] }, createdBy: 'fuzz' }),
    accepted: () => Date.now() + HOUR, acceptedAhead: () => Date.now() + 300 * DAY,
  },
  ...(['from', 'to'] as const).map((field): TimeField => ({
    method: 'POST', route: '/api/v1/query', where: 'body', field, horizon: 'past',
    path: '/api/v1/query', base: () => ({ from: Date.now() - 2 * HOUR, to: Date.now(), targets: [{ refId: 'A', metric: 'executions' }] }), accepted: () => Date.now() - HOUR,
  })),
  ...(['from', 'to'] as const).map((field): TimeField => ({
    method: 'GET', route: '/api/v1/annotations', where: 'query', field, horizon: 'past',
    path: '/api/v1/annotations', base: () => ({ from: Date.now() - 2 * HOUR, to: Date.now() }), accepted: () => Date.now() - HOUR,
  })),
  ...(['from', 'to'] as const).map((field): TimeField => ({
    method: 'GET', route: '/api/v1/reports/sla', where: 'query', field, horizon: 'past',
    path: '/api/v1/reports/sla', base: () => ({ from: Date.now() - 2 * HOUR, to: Date.now() }), accepted: () => Date.now() - HOUR,
  })),
];

const label = (f: TimeField) => `${f.method} ${f.route} ${f.where}.${f.field}`;

/** Refused in every time field, body or query. */
const REFUSED_EVERYWHERE: unknown[] = [
  1e21, -1e21, 8.64e15 + 1, 8.64e15, 0, -1, 946_684_799_999, 4_102_444_800_001,
  'NaN', 'Infinity', '-Infinity', 'undefined', 'null', '', ' ', 'tomorrow', '1 Jan 2024', '1', '-5',
  '1999-12-31', '1999-12-31T23:59:59.999Z', '2100-01-02', '2100-01-01T00:00:00.001Z', '+275760-09-13T00:00:00Z',
  '100000000000000000000', '9'.repeat(400), '1e21', '0x1F', '2024-02-30', '2023-02-29', '2024-13-01', '2024-01-01T24:00:00Z',
  '2024-01-01T12:60:00Z', '2024-01-01T00:00:00+99:99', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00 +01:00',
];
/** JSON values that are no time at all. */
const REFUSED_IN_BODIES: unknown[] = [[], [Date.now()], {}, { $date: Date.now() }, true, false, null];

let sidecar: TestSidecar;

function request(f: TimeField, value: unknown, omit = false) {
  const fields = { ...f.base(), ...(omit ? {} : { [f.field]: value }) };
  if (f.where === 'body') {
    return sidecar.api(f.path, { method: f.method, json: fields });
  }
  const search = new URLSearchParams();
  for (const [key, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      search.append(key, String(item));
    }
  }
  return sidecar.api(`${f.path}?${search.toString()}`, { method: f.method });
}

/** The forms one instant can be written in: ISO with Z, epoch ms, another offset, no offset (UTC). */
function formsOf(ms: number, where: TimeField['where']): unknown[] {
  const iso = new Date(ms).toISOString();
  const shifted = new Date(ms + 5.5 * HOUR).toISOString().replace('Z', '+05:30');
  return [iso, where === 'body' ? ms : String(ms), shifted, iso.slice(0, -1), iso.replace('Z', '+00:00')];
}

async function expectHealthy() {
  const health = await sidecar.api('/health', { token: null });
  expect(health.status).toBe(200);
  expect(((await health.json()) as { status: string }).status).toBe('healthy');
}

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES });
  const created = await sidecar.api('/api/v1/workflows', { method: 'POST', json: { id: PUSH_WORKFLOW, name: 'Pushed', schedule: { push: { expected: '1h' } } } });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('every time field of the API', () => {
  it('is in the table below: the OpenAPI document lists no other date-time input', async () => {
    const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as any;
    const found = new Set<string>();
    const walk = (node: any, where: string, depth = 0): void => {
      if (!node || typeof node !== 'object' || depth > 20) {
        return;
      }
      const schema = node.$ref ? doc.components.schemas[node.$ref.split('/').pop()] : node;
      if (schema.format === 'date-time') {
        found.add(where);
      }
      for (const [name, property] of Object.entries<any>(schema.properties ?? {})) {
        walk(property, `${where}.${name}`, depth + 1);
      }
      for (const child of [schema.items, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
        walk(child, where, depth + 1);
      }
    };
    for (const [route, methods] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        for (const parameter of op.parameters ?? []) {
          walk(parameter.schema, `${method.toUpperCase()} ${route} ${parameter.in}.${parameter.name}`);
        }
        walk(op.requestBody?.content?.['application/json']?.schema, `${method.toUpperCase()} ${route} body`);
      }
    }
    expect([...found].sort()).toEqual(TIME_FIELDS.map(label).sort());
  });

  it.each(TIME_FIELDS.map((f) => [label(f), f] as const))('%s: accepts one instant in every form, refuses extremes with a 400 naming the field and the value', async (_name, f) => {
    for (const value of formsOf(f.accepted(), f.where)) {
      const response = await request(f, value);
      expect({ value, status: response.status, body: response.status >= 300 ? await response.text() : '' }).toEqual({ value, status: f.method === 'POST' && f.route !== '/api/v1/query' ? 201 : 200, body: '' });
    }
    const refused = [...REFUSED_EVERYWHERE, ...(f.where === 'body' ? REFUSED_IN_BODIES : [['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z']])];
    if (f.horizon === 'past') {
      refused.push(...formsOf(Date.now() + 2 * DAY, f.where), '2099-12-31T00:00:00Z');
    }
    for (const value of refused) {
      const response = await request(f, value);
      const body = (await response.json()) as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };
      const fieldPath = f.where === 'query' ? `query.${f.field}` : f.field;
      // The message repeats the value (strings and long values as their first characters).
      const shown = typeof value === 'string' ? value.slice(0, 60) : Array.isArray(value) && f.where === 'query' ? String(value[0]) : f.where === 'query' || typeof value === 'number' ? String(value) : JSON.stringify(value).slice(0, 60);
      expect({ value, status: response.status, code: body.error.code }).toEqual({ value, status: 400, code: 'validation_failed' });
      expect(body.error.message).toContain(fieldPath);
      expect({ value, detail: body.error.details.find((d) => d.path === fieldPath) }).toEqual({ value, detail: { path: fieldPath, message: expect.stringContaining(shown) } });
    }
  });

  it.each(TIME_FIELDS.filter((f) => f.acceptedAhead).map((f) => [label(f), f] as const))('%s may lie further ahead than a day (silences, maintenance windows)', async (_name, f) => {
    const response = await request(f, new Date(f.acceptedAhead!()).toISOString());
    expect({ status: response.status, body: response.status >= 300 ? await response.text() : '' }).toEqual({ status: 201, body: '' });
  });
});

// Times as a hostile client writes them: extremes, near misses of the range, ISO look-alikes with
// impossible parts and odd offsets, huge numeric strings, and any JSON at all in bodies.
const extremeNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.double({ min: 9e11, max: 4.2e12 }),
  fc.constantFrom(1e21, -1e21, 8.64e15, 8.64e15 + 1, -8.64e15 - 1, Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 53, 2 ** 53 + 2, 946_684_800_000, 4_102_444_800_000)
);
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const isoLike = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
    two(99),
    two(99),
    fc.option(fc.tuple(two(99), two(99), fc.option(two(99)), fc.option(fc.stringMatching(/^\d{1,12}$/)))),
    fc.oneof(fc.constant(''), fc.constantFrom('Z', 'z', '+14:00', '-12:00', '+23:59', '-00:00', '+05:45'), fc.tuple(fc.constantFrom('+', '-'), two(99), two(99)).map(([s, h, m]) => `${s}${h}:${m}`))
  )
  .map(([y, mo, d, time, zone]) => (time ? `${y}-${mo}-${d}T${time[0]}:${time[1]}${time[2] !== null ? `:${time[2]}` : ''}${time[3] !== null ? `.${time[3]}` : ''}${zone}` : `${y}-${mo}-${d}`));
const extremeString = fc.oneof(
  fc.string(),
  fc.constantFrom(...REFUSED_EVERYWHERE.filter((v): v is string => typeof v === 'string')),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.stringMatching(/^-?\d{1,400}(\.\d{1,20})?$/),
  isoLike,
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString())
);
const bodyValue = fc.oneof(extremeNumber, extremeString, fc.jsonValue({ maxDepth: 2 }), fc.array(extremeNumber, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), extremeNumber, { maxKeys: 2 }));
const queryValue = fc.oneof(extremeString, extremeNumber.map(String), fc.array(extremeString, { minLength: 2, maxLength: 3 }));

describe('fuzzing every time field (fast-check)', () => {
  it.each(TIME_FIELDS.map((f) => [label(f), f] as const))(`%s: ${RUNS} hostile values → 2xx or 4xx only, never a 5xx; the sidecar stays healthy`, async (_name, f) => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(f.where === 'body' ? bodyValue : queryValue, async (value) => {
        const response = await request(f, value);
        const text = await response.text();
        if (response.status >= 500 || response.status < 200 || (response.status >= 300 && response.status < 400)) {
          failures.push(`${response.status} for ${JSON.stringify(value)?.slice(0, 200)}: ${text.slice(0, 300)}`);
          return false;
        }
        if (response.status === 400) {
          const error = JSON.parse(text).error;
          return typeof error.code === 'string' && typeof error.message === 'string' && Array.isArray(error.details) && !text.includes('    at ');
        }
        return true;
      }),
      { numRuns: RUNS }
    );
    expect(failures).toEqual([]);
    await expectHealthy();
  });
});

describe('POST /api/v1/query sizes its answer before building it', () => {
  const query = (body: Record<string, unknown>) => sidecar.api('/api/v1/query', { method: 'POST', json: { targets: [{ refId: 'A', metric: 'executions' }], ...body } });

  it.each([20, 0.5, 0, 59_999])('raises intervalMs %s (Grafana sends sub-second ones for short ranges) to the minute rollup step', async (intervalMs) => {
    const to = Date.now();
    const response = await query({ from: to - 10 * 60_000, to, intervalMs, maxDataPoints: 100_000 });
    expect(response.status).toBe(200);
    const frame = ((await response.json()) as any).results.A.frames[0];
    expect(frame.schema.meta.custom).toEqual({ stepMs: 60_000, source: 'execution_rollups_minute' });
    const times: number[] = frame.data.values[0];
    expect(times.length).toBeGreaterThanOrEqual(10);
    expect(times.length).toBeLessThanOrEqual(11);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(Array(times.length - 1).fill(60_000));
  });

  it('refuses a query of more than 11,000 points at the smallest step with a 400 naming maxDataPoints, and answers 11,000', async () => {
    const to = Date.now();
    const tooMany = await query({ from: to - 30 * DAY, to, intervalMs: 1, maxDataPoints: 50_000 });
    expect(tooMany.status).toBe(400);
    const body = (await tooMany.json()) as any;
    expect(body.error.details).toEqual([{ path: 'maxDataPoints', message: expect.stringMatching(/asks for 4320[01] points at a 1m step; a query returns at most 11000/) }]);
    const aligned = Math.floor(to / 60_000) * 60_000;
    const atLimit = await query({ from: aligned - 10_999 * 60_000, to: aligned, intervalMs: 1, maxDataPoints: 50_000 });
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as any).results.A.frames[0].data.values[0]).toHaveLength(11_000);
    const oneMore = await query({ from: aligned - 11_000 * 60_000, to: aligned, intervalMs: 1, maxDataPoints: 50_000 });
    expect(oneMore.status).toBe(400);
  });

  it('refuses an answer of more than 1,000,000 values (series × points) with a 400 naming the target; a filtered one answers', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
    await sidecar.db.pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms)
       SELECT w, 'push', 'success', now() - interval '1 hour', now() - interval '1 hour', 5 FROM unnest($1::text[]) AS w`,
      [ids]
    );
    const aligned = Math.floor(Date.now() / 60_000) * 60_000;
    const range = { from: aligned - 10_999 * 60_000, to: aligned, intervalMs: 1, maxDataPoints: 11_000 };
    const tooMany = await query({ ...range, targets: [{ refId: 'A', metric: 'executions', groupBy: 'workflow' }] });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as any).error.details).toEqual([{ path: 'targets[0]', message: expect.stringMatching(/^1\d\d series × 11000 points/) }]);
    const filtered = await query({ ...range, targets: [{ refId: 'A', metric: 'executions', groupBy: 'workflow', workflowIds: ids.slice(0, 10) }] });
    expect(filtered.status).toBe(200);
    expect(((await filtered.json()) as any).results.A.frames[0].schema.fields).toHaveLength(11);
  });

  it('refuses from after to, a range over 400 days, and out-of-bounds intervalMs and maxDataPoints, naming each field', async () => {
    const to = Date.now();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ from: to, to: to - HOUR }, 'from', 'from must not be after to'],
      [{ from: to - 401 * DAY, to }, 'to', 'at most 400 days'],
      [{ from: to - HOUR, to, intervalMs: -1 }, 'intervalMs', 'must not be negative'],
      [{ from: to - HOUR, to, intervalMs: 1e21 }, 'intervalMs', 'at most'],
      [{ from: to - HOUR, to, intervalMs: '60000' }, 'intervalMs', ''],
      [{ from: to - HOUR, to, maxDataPoints: 0 }, 'maxDataPoints', 'between 1 and'],
      [{ from: to - HOUR, to, maxDataPoints: 1e21 }, 'maxDataPoints', 'between 1 and'],
      [{ from: to - HOUR, to, maxDataPoints: 1.5 }, 'maxDataPoints', 'whole number'],
    ];
    for (const [fields, field, text] of cases) {
      const response = await query(fields);
      const body = (await response.json()) as any;
      expect({ fields, status: response.status }).toEqual({ fields, status: 400 });
      expect({ fields, detail: body.error.details.find((d: any) => d.path === field) }).toEqual({ fields, detail: { path: field, message: expect.stringContaining(text) } });
    }
  });
});
