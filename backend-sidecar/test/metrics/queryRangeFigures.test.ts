import { metricsApiFeature } from '../../src/app/features/metricsApi';
import { exactRangeParts } from '../../src/metricsApi/rollupParts';
import { STEP_SAMPLE_EXECUTIONS } from '../../src/metricsApi/queryApi';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

jest.setTimeout(180_000);

let sidecar: TestSidecar;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const now = Date.now();

/** A deterministic pseudo-random generator, so every run builds the same data set. */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: [metricsApiFeature] });
  const { pool } = sidecar.db;
  await pool.query(`INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels)
                    VALUES ('alpha', 'Alpha', 'api', '{}', 'scheduled', 60000, '{"env":"prod"}'),
                           ('beta', 'Beta', 'api', '{}', 'scheduled', 60000, '{"env":"staging"}')`);
  // Four days of executions; alpha has more than STEP_SAMPLE_EXECUTIONS, each with three steps.
  const random = lcg(7);
  const executions: unknown[][] = [];
  for (let i = 0; i < 3000; i += 1) {
    const workflow = i % 6 === 0 ? 'beta' : 'alpha';
    const roll = random();
    const status = roll < 0.75 ? 'success' : roll < 0.88 ? 'degraded' : 'failed';
    executions.push([workflow, status, new Date(now - Math.floor(random() * 4 * DAY)), Math.floor(random() ** 2 * 8000) + 1]);
  }
  for (let i = 0; i < executions.length; i += 500) {
    const chunk = executions.slice(i, i + 500);
    await pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries, step_count)
       SELECT w, 'schedule', s, t, t + make_interval(secs => d / 1000.0), d, 1, 0, 3
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS x(w, s, t, d)`,
      [0, 1, 2, 3].map((k) => chunk.map((row) => row[k]))
    );
  }
  // Steps: login, cart, pay; pay is skipped after a failure (a skipped step did not run).
  await pool.query(
    `INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms)
     SELECT e.id, p.position, p.name,
            CASE WHEN p.name = 'pay' AND e.status = 'failed' THEN 'skipped' ELSE 'passed' END,
            e.started_at, ((e.id * 7919 + p.position * 104729) % (200 * (p.position + 1)))::int + 1
       FROM executions e CROSS JOIN (VALUES (0, 'login'), (1, 'cart'), (2, 'pay')) AS p(position, name)`
  );
});

afterAll(async () => {
  await sidecar?.stop();
});

async function query(body: unknown): Promise<{ status: number; body: any }> {
  const response = await sidecar.api('/api/v1/query', { method: 'POST', json: body });
  return { status: response.status, body: await response.json() };
}

/** Field name → the values of one frame (the label or display name for value fields). */
function fieldsOf(frame: any): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  frame.schema.fields.forEach((f: any, i: number) => {
    out[i === 0 ? 'time' : (f.labels?.workflow ?? f.labels?.step ?? f.labels?.error_type ?? f.config.displayNameFromDS)] = frame.data.values[i];
  });
  return out;
}

describe('exactRangeParts', () => {
  it('covers every minute of the range exactly once, with the coarsest rollup each stretch allows', () => {
    const from = new Date(Date.UTC(2024, 2, 1, 22, 17, 30));
    const to = new Date(Date.UTC(2024, 2, 4, 1, 42, 10));
    const parts = exactRangeParts(from, to);
    expect(parts.map((p) => [p.table, p.from.toISOString(), p.to.toISOString()]).sort()).toEqual(
      [
        ['execution_rollups_minute', '2024-03-01T22:17:00.000Z', '2024-03-01T23:00:00.000Z'],
        ['execution_rollups_hour', '2024-03-01T23:00:00.000Z', '2024-03-02T00:00:00.000Z'],
        ['execution_rollups_day', '2024-03-02T00:00:00.000Z', '2024-03-04T00:00:00.000Z'],
        ['execution_rollups_hour', '2024-03-04T00:00:00.000Z', '2024-03-04T01:00:00.000Z'],
        ['execution_rollups_minute', '2024-03-04T01:00:00.000Z', '2024-03-04T01:43:00.000Z'],
      ].sort()
    );
    expect(exactRangeParts(new Date(Date.UTC(2024, 2, 1, 10, 5)), new Date(Date.UTC(2024, 2, 1, 10, 55)))).toEqual([
      { table: 'execution_rollups_minute', from: new Date(Date.UTC(2024, 2, 1, 10, 5)), to: new Date(Date.UTC(2024, 2, 1, 10, 56)) },
    ]);
  });
});

describe('instant targets: one figure for the range', () => {
  const ranges: Array<[string, number, number]> = [
    ['90 minutes', now - 90 * MINUTE, now],
    ['a ragged 7 hours', now - 7 * HOUR - 13 * MINUTE, now - 2 * MINUTE],
    ['three and a half days ending an hour ago', now - 3.5 * DAY, now - HOUR - 11 * MINUTE],
  ];
  it.each(ranges)('over %s equal the raw rows of every minute in the range, per workflow', async (_name, from, to) => {
    const { status, body } = await query({
      from,
      to,
      targets: [
        { refId: 'N', metric: 'executions', groupBy: 'workflow', instant: true },
        { refId: 'U', metric: 'success_rate', groupBy: 'workflow', instant: true },
        { refId: 'D', metric: 'degraded', instant: true },
        { refId: 'A', metric: 'duration_avg', workflowIds: ['beta'], instant: true },
      ],
    });
    expect(status).toBe(200);
    const { rows } = await sidecar.db.pool.query(
      `SELECT workflow_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'degraded')::int AS degraded,
              (count(*) FILTER (WHERE status <> 'failed'))::float8 * 100 / count(*) AS uptime, avg(duration_ms)::float8 AS avg
         FROM executions
        WHERE started_at >= date_trunc('minute', $1::timestamptz, 'UTC') AND started_at < date_trunc('minute', $2::timestamptz, 'UTC') + interval '1 minute'
        GROUP BY 1 ORDER BY 1`,
      [new Date(from), new Date(to)]
    );
    const n = fieldsOf(body.results.N.frames[0]);
    const u = fieldsOf(body.results.U.frames[0]);
    expect(n.time).toEqual([to]);
    expect(Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'time'))).toEqual(Object.fromEntries(rows.map((r) => [r.workflow_id, [r.n]])));
    for (const r of rows) {
      expect(u[r.workflow_id]![0]).toBeCloseTo(r.uptime, 9);
    }
    expect(fieldsOf(body.results.D.frames[0]).degraded).toEqual([rows.reduce((sum, r) => sum + r.degraded, 0)]);
    expect(fieldsOf(body.results.A.frames[0]).duration_avg![0]).toBeCloseTo(rows.find((r) => r.workflow_id === 'beta')!.avg, 6);
    expect(body.results.N.frames[0].schema.meta.custom).toEqual({ stepMs: null, source: 'rollups' });
  });

  it('splits failed attempts and retries by error type over the range', async () => {
    const { pool } = sidecar.db;
    await pool.query(`INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels) VALUES ('typed', 'Typed', 'api', '{}', 'scheduled', 60000, '{}')`);
    // ERROR_TYPES order: transient, permanent, rate_limit, timeout, network, unknown, circuit_open, assertion.
    await pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries, errors_by_type, retries_by_type)
       VALUES ('typed', 'schedule', 'degraded', $1, $1, 10, 3, 2, '{2,0,0,0,0,0,0,0}', '{2,0,0,0,0,0,0,0}'),
              ('typed', 'schedule', 'failed', $2, $2, 10, 2, 1, '{1,0,0,1,0,0,0,0}', '{1,0,0,0,0,0,0,0}')`,
      [new Date(now - 26 * HOUR), new Date(now - 5 * MINUTE)]
    );
    const { body } = await query({
      from: now - 2 * DAY,
      to: now,
      targets: [
        { refId: 'F', metric: 'attempts', workflowIds: ['typed'], groupBy: 'error_type', instant: true },
        { refId: 'R', metric: 'retries', workflowIds: ['typed'], groupBy: 'error_type', instant: true },
      ],
    });
    expect(fieldsOf(body.results.F.frames[0])).toEqual({ time: [now], timeout: [1], transient: [3] });
    expect(fieldsOf(body.results.R.frames[0])).toEqual({ time: [now], transient: [3] });
  });

  it('filters by labels like a series target does', async () => {
    const { body } = await query({ from: now - DAY, to: now, targets: [{ refId: 'N', metric: 'executions', labels: { env: 'staging' }, instant: true }] });
    const { rows } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM executions WHERE workflow_id = 'beta' AND started_at >= date_trunc('minute', $1::timestamptz, 'UTC')`, [new Date(now - DAY)]);
    expect(fieldsOf(body.results.N.frames[0]).executions).toEqual([rows[0].n]);
  });
});

describe('per-step durations (bounded to the newest executions)', () => {
  it('gives each step\'s p95 and average over the newest executions of the range, skipped steps left out', async () => {
    const from = now - 2 * DAY;
    const { status, body } = await query({
      from,
      to: now,
      targets: [
        { refId: 'P', metric: 'step_duration_p95', workflowIds: ['beta'], groupBy: 'step', instant: true },
        { refId: 'M', metric: 'step_duration_avg', workflowIds: ['beta'], groupBy: 'step', instant: true, alias: '{{step}} avg' },
      ],
    });
    expect(status).toBe(200);
    const { rows } = await sidecar.db.pool.query(
      `SELECT s.name, percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ms) AS p95, avg(s.duration_ms)::float8 AS avg, count(DISTINCT e.id)::int AS executions
         FROM executions e JOIN execution_steps s ON s.execution_id = e.id
        WHERE e.workflow_id = 'beta' AND e.started_at >= $1 AND s.status <> 'skipped'
        GROUP BY 1 ORDER BY 1`,
      [new Date(from)]
    );
    expect(rows.length).toBe(3);
    const p95 = fieldsOf(body.results.P.frames[0]);
    const avg = fieldsOf(body.results.M.frames[0]);
    for (const r of rows) {
      expect([r.name, p95[r.name]![0]]).toEqual([r.name, r.p95]);
      expect(avg[r.name]![0]).toBeCloseTo(r.avg, 6);
    }
    const { rows: sampled } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM executions WHERE workflow_id = 'beta' AND started_at >= $1`, [new Date(from)]);
    expect(body.results.P.frames[0].schema.meta.custom).toEqual({ stepMs: null, source: 'executions', sampledExecutions: sampled[0].n, sampleLimit: STEP_SAMPLE_EXECUTIONS });
    expect(body.results.P.frames[0].schema.fields[1].labels).toEqual({ step: 'cart' });
    expect(body.results.M.frames[0].schema.fields.slice(1).map((f: any) => f.config.displayNameFromDS)).toEqual(['cart avg', 'login avg', 'pay avg']);
  });

  it(`reads at most ${STEP_SAMPLE_EXECUTIONS} executions, the newest, and says so`, async () => {
    const from = now - 5 * DAY;
    const { rows: all } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM executions WHERE workflow_id = 'alpha'`);
    expect(all[0].n).toBeGreaterThan(STEP_SAMPLE_EXECUTIONS);
    const { body } = await query({ from, to: now, targets: [{ refId: 'P', metric: 'step_duration_p50', workflowIds: ['alpha'], instant: true }] });
    const { rows } = await sidecar.db.pool.query(
      `WITH newest AS (SELECT id FROM executions WHERE workflow_id = 'alpha' ORDER BY started_at DESC LIMIT $1)
       SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.duration_ms) AS p50
         FROM newest JOIN execution_steps s ON s.execution_id = newest.id WHERE s.status <> 'skipped'`,
      [STEP_SAMPLE_EXECUTIONS]
    );
    expect(fieldsOf(body.results.P.frames[0]).step_duration_p50).toEqual([rows[0].p50]);
    expect(body.results.P.frames[0].schema.meta.custom.sampledExecutions).toBe(STEP_SAMPLE_EXECUTIONS);
  });

  it('draws a step series over time at the query step', async () => {
    const { body } = await query({ from: now - DAY, to: now, intervalMs: HOUR, maxDataPoints: 100, targets: [{ refId: 'S', metric: 'step_duration_avg', workflowIds: ['beta'], groupBy: 'step' }] });
    const frame = body.results.S.frames[0];
    const fields = fieldsOf(frame);
    expect(Object.keys(fields).sort()).toEqual(['cart', 'login', 'pay', 'time']);
    expect(fields.time!.length).toBeGreaterThanOrEqual(24);
    const { rows } = await sidecar.db.pool.query(
      `SELECT (floor(extract(epoch FROM e.started_at) * 1000 / $2) * $2)::bigint AS t, avg(s.duration_ms)::float8 AS avg
         FROM executions e JOIN execution_steps s ON s.execution_id = e.id
        WHERE e.workflow_id = 'beta' AND e.started_at >= $1 AND e.started_at <= $3 AND s.name = 'login' GROUP BY 1`,
      [new Date(now - DAY), HOUR, new Date(now)]
    );
    const byTime = new Map(rows.map((r) => [Number(r.t), r.avg]));
    (fields.time as number[]).forEach((t, i) => {
      const expected = byTime.get(t);
      if (expected === undefined) {
        expect(fields.login![i]).toBeNull();
      } else {
        expect(fields.login![i]).toBeCloseTo(expected, 6);
      }
    });
    expect(byTime.size).toBeGreaterThan(5);
  });

  it('refuses groupBy step for a rollup metric and a step metric grouped by workflow, naming the target', async () => {
    for (const [target, text] of [
      [{ refId: 'A', metric: 'executions', groupBy: 'step' }, 'groupBy step applies to the metrics step_duration_avg'],
      [{ refId: 'A', metric: 'step_duration_p95', groupBy: 'workflow' }, 'step_duration_p95 may be grouped by step or none only'],
    ] as const) {
      const { status, body } = await query({ from: now - HOUR, to: now, targets: [target] });
      expect(status).toBe(400);
      expect(JSON.stringify(body)).toContain(text);
      expect(JSON.stringify(body)).toContain('targets[0].groupBy');
    }
  });
});
