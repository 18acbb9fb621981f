import pg from 'pg';
import { metricsApiFeature } from '../../src/app/features/metricsApi';
import { periodWindow, type Period } from '../../src/metricsApi/periods';
import { DURATION_BOUNDS_MS, bucketIndex } from '../../src/rollups/histogram';
import { applyRetention } from '../../src/rollups/retention';
import { rebuildRollups } from '../../src/rollups/rebuild';
import { recordExecution, recordExecutionBatch } from '../../src/store/recordExecution';
import type { ExecutionResult } from '../../src/model/execution';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

jest.setTimeout(180_000);

let sidecar: TestSidecar;
const HOUR = 3_600_000;
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
                    VALUES ('alpha', 'Alpha', 'api', '{}', 'scheduled', 60000, '{"team":"a"}'),
                           ('beta', 'Beta', 'api', '{}', 'scheduled', 60000, '{"team":"b"}'),
                           ('gamma', 'Gamma', 'api', '{}', 'scheduled', 60000, '{"team":"a"}')`);
  // 40 days of executions, inserted in multi-row statements (the trigger rolls each statement up).
  const random = lcg(42);
  const rows: unknown[][] = [];
  for (let i = 0; i < 6000; i += 1) {
    const workflow = ['alpha', 'beta', 'gamma'][i % 3]!;
    const started = now - Math.floor(random() * 40 * 24 * HOUR);
    const roll = random();
    const status = roll < 0.7 ? 'success' : roll < 0.85 ? 'degraded' : 'failed';
    const duration = Math.floor(random() ** 3 * 20_000) + 1;
    const attempts = status === 'success' ? 1 : 1 + Math.floor(random() * 3);
    rows.push([workflow, status, new Date(started), duration, attempts, attempts - 1]);
  }
  // A few in the last hour for the 1h period.
  for (let i = 0; i < 60; i += 1) {
    rows.push([['alpha', 'beta'][i % 2]!, i % 5 === 0 ? 'failed' : 'success', new Date(now - i * 50_000 - 1000), 100 + i * 13, 1, 0]);
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
       SELECT w, 'schedule', s, t, t + make_interval(secs => d / 1000.0), d, a, r
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::int[], $6::int[]) AS x(w, s, t, d, a, r)`,
      [0, 1, 2, 3, 4, 5].map((k) => chunk.map((row) => row[k]))
    );
  }
});

afterAll(async () => {
  await sidecar?.stop();
});

const query = (body: unknown) => sidecar.api('/api/v1/query', { method: 'POST', json: body });

async function metrics(period: string, details = 'true') {
  const response = await sidecar.api(`/api/monitoring/metrics?period=${period}&details=${details}`);
  return { status: response.status, body: (await response.json()) as any };
}

describe('/api/monitoring/metrics', () => {
  it.each(['1h', '24h', '7d', '30d'] as Period[])('every figure for %s equals a plain SQL computation over the raw rows', async (period) => {
    const { status, body } = await metrics(period);
    expect(status).toBe(200);
    const { from } = periodWindow(period, Date.now());
    const windowFrom = new Date(body.data.from);
    expect(Math.abs(windowFrom.getTime() - from.getTime())).toBeLessThanOrEqual(60_000);
    const { rows } = await sidecar.db.pool.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status <> 'failed')::int AS ok, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              round(avg(duration_ms)::numeric, 2)::float AS avg,
              round((count(*) FILTER (WHERE status <> 'failed'))::numeric * 100 / nullif(count(*), 0), 2)::float AS rate
         FROM executions WHERE started_at >= $1`,
      [windowFrom]
    );
    const raw = rows[0];
    expect(body.data.summary).toEqual({ totalExecutions: raw.total, successCount: raw.ok, failureCount: raw.failed, successRate: raw.rate, averageDuration: raw.avg, activeWorkflows: 3 });
    const { rows: perWorkflow } = await sidecar.db.pool.query(
      `SELECT workflow_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed, min(duration_ms) AS min, max(duration_ms) AS max,
              round(avg(duration_ms)::numeric, 2)::float AS avg
         FROM executions WHERE started_at >= $1 GROUP BY 1 ORDER BY 1`,
      [windowFrom]
    );
    expect(body.data.workflows.map((w: any) => [w.workflowId, w.executions, w.failures, w.minDuration, w.maxDuration, w.averageDuration])).toEqual(
      perWorkflow.map((r) => [r.workflow_id, r.n, r.failed, r.min, r.max, r.avg])
    );
    const { rows: hours } = await sidecar.db.pool.query(`SELECT extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h, count(*)::int AS n FROM executions WHERE started_at >= $1 GROUP BY 1`, [windowFrom]);
    const pattern = Array.from({ length: 24 }, () => 0);
    hours.forEach((h) => (pattern[h.h] = h.n));
    expect(body.data.trends.hourlyPattern).toEqual(pattern);
    expect(body.data.system).toMatchObject({ health: 'healthy', activeAlerts: 0, criticalAlerts: 0 });
    expect(body.data.alerts).toEqual({ total: 0, bySeverity: { info: 0, warning: 0, error: 0, critical: 0 }, active: 0, recent: [] });
  });

  it('leaves the per-workflow breakdown out unless details=true', async () => {
    const { body } = await metrics('24h', 'false');
    expect(body.data.workflows).toBeUndefined();
  });

  it('rejects bad parameters with 400 and the allowed values', async () => {
    for (const [query, text] of [
      ['period=2d', '1h, 24h, 7d, 30d'],
      ['details=maybe', 'true, false'],
      ['colour=blue', 'colour'],
    ]) {
      const response = await sidecar.api(`/api/monitoring/metrics?${query}`);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(text);
    }
  });
});

describe('trends', () => {
  async function trendFor(spec: { prevMs: number; curMs: number; prevFail: number; curFail: number }) {
    const other = await startTestSidecar({ features: [metricsApiFeature] });
    try {
      const rows: unknown[][] = [];
      for (let i = 0; i < 100; i += 1) {
        rows.push(['t', i < spec.prevFail ? 'failed' : 'success', new Date(now - 30 * HOUR - i * 60_000), spec.prevMs]);
        rows.push(['t', i < spec.curFail ? 'failed' : 'success', new Date(now - 3 * HOUR - i * 60_000), spec.curMs]);
      }
      await other.db.pool.query(
        `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms)
         SELECT w, 'schedule', s, t, t, d FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS x(w, s, t, d)`,
        [0, 1, 2, 3].map((k) => rows.map((r) => r[k]))
      );
      const body = (await (await other.api('/api/monitoring/metrics?period=24h')).json()) as any;
      return body.data.trends;
    } finally {
      await other.stop();
    }
  }

  it('says improving, stable and degrading for the three data sets', async () => {
    expect(await trendFor({ prevMs: 2000, curMs: 1000, prevFail: 30, curFail: 5 })).toMatchObject({ successRateTrend: 'improving', performanceTrend: 'improving', executionTrend: 'stable' });
    expect(await trendFor({ prevMs: 1000, curMs: 1010, prevFail: 10, curFail: 10 })).toMatchObject({ successRateTrend: 'stable', performanceTrend: 'stable', executionTrend: 'stable' });
    expect(await trendFor({ prevMs: 1000, curMs: 3000, prevFail: 5, curFail: 40 })).toMatchObject({ successRateTrend: 'degrading', performanceTrend: 'degrading' });
  });
});

describe('/api/v1/query', () => {
  it('aligns buckets to the step, respects maxDataPoints and gives one series per workflow with its labels', async () => {
    const to = now;
    const from = now - 30 * 24 * HOUR;
    const response = await query({ from, to, intervalMs: 60_000, maxDataPoints: 100, targets: [{ refId: 'A', metric: 'executions', groupBy: 'workflow' }] });
    expect(response.status).toBe(200);
    const frame = ((await response.json()) as any).results.A.frames[0];
    const [time, ...series] = frame.schema.fields;
    expect(time).toMatchObject({ name: 'time', type: 'time' });
    const step = frame.schema.meta.custom.stepMs;
    expect(step % HOUR).toBe(0);
    const times: number[] = frame.data.values[0];
    expect(times.length).toBeLessThanOrEqual(101);
    expect(times.every((t) => t % step === 0)).toBe(true);
    expect(series.map((s: any) => s.labels)).toEqual([{ workflow: 'alpha', team: 'a' }, { workflow: 'beta', team: 'b' }, { workflow: 'gamma', team: 'a' }]);
    const total = frame.data.values.slice(1).flat().reduce((a: number, b: number) => a + b, 0);
    const { rows } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM executions WHERE started_at >= $1 AND started_at <= $2`, [new Date(times[0]!), new Date(to)]);
    expect(total).toBe(rows[0].n);
  });

  it('reads whole-day steps from the day rollups, aligned to UTC midnight, with the raw rows\' counts', async () => {
    const response = await query({ from: now - 30 * 24 * HOUR, to: now, intervalMs: 24 * HOUR, maxDataPoints: 100, targets: [{ refId: 'A', metric: 'failures', groupBy: 'workflow' }] });
    const frame = ((await response.json()) as any).results.A.frames[0];
    expect(frame.schema.meta.custom).toEqual({ stepMs: 24 * HOUR, source: 'execution_rollups_day' });
    const times: number[] = frame.data.values[0];
    expect(times.every((t) => new Date(t).toISOString().endsWith('T00:00:00.000Z'))).toBe(true);
    const { rows } = await sidecar.db.pool.query(
      `SELECT workflow_id, (extract(epoch FROM date_trunc('day', started_at, 'UTC')) * 1000)::bigint AS t, count(*)::int AS n
         FROM executions WHERE status = 'failed' AND started_at >= $1 AND started_at <= $2 GROUP BY 1, 2`,
      [new Date(times[0]!), new Date(now)]
    );
    const expected = new Map(rows.map((r) => [`${r.workflow_id} ${r.t}`, r.n]));
    frame.schema.fields.slice(1).forEach((field: any, i: number) => {
      times.forEach((t, k) => expect([field.labels.workflow, t, frame.data.values[i + 1][k]]).toEqual([field.labels.workflow, t, expected.get(`${field.labels.workflow} ${t}`) ?? 0]));
    });
  });

  it('merges percentiles within one histogram bucket of percentile_cont on the raw rows', async () => {
    const response = await query({ from: now - 30 * 24 * HOUR, to: now, intervalMs: 30 * 24 * HOUR, maxDataPoints: 10, targets: ['duration_p50', 'duration_p95', 'duration_p99'].map((metric, i) => ({ refId: String(i), metric })) });
    const body = (await response.json()) as any;
    for (const [i, q] of [0.5, 0.95, 0.99].entries()) {
      const frame = body.results[String(i)].frames[0];
      const times: number[] = frame.data.values[0];
      const values: Array<number | null> = frame.data.values[1];
      for (const [k, t] of times.entries()) {
        const { rows } = await sidecar.db.pool.query(
          `SELECT percentile_cont($1) WITHIN GROUP (ORDER BY duration_ms) AS p FROM executions WHERE started_at >= $2 AND started_at < $3`,
          [q, new Date(t), new Date(t + frame.schema.meta.custom.stepMs)]
        );
        if (rows[0].p === null) {
          continue;
        }
        const exact = Number(rows[0].p);
        const estimate = values[k]!;
        const bucket = bucketIndex(exact);
        const lower = bucket === 0 ? 0 : DURATION_BOUNDS_MS[bucket - 1]!;
        const upper = DURATION_BOUNDS_MS[bucket] ?? Infinity;
        // Within the bucket holding the exact value, or an adjacent one.
        expect(estimate).toBeGreaterThanOrEqual((DURATION_BOUNDS_MS[bucket - 2] ?? 0) - 1);
        expect(estimate).toBeLessThanOrEqual((DURATION_BOUNDS_MS[bucket + 1] ?? upper * 2) + 1);
        expect(lower).toBeLessThanOrEqual(upper);
      }
    }
  });

  it('rejects an unknown metric, an inverted range and a range over the limit, naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ from: now - HOUR, to: now, targets: [{ refId: 'A', metric: 'cpu' }] }, 'metric must be one of executions'],
      [{ from: now, to: now - HOUR, targets: [{ refId: 'A', metric: 'executions' }] }, 'from must not be after to'],
      [{ from: now - 500 * 24 * HOUR, to: now, targets: [{ refId: 'A', metric: 'executions' }] }, 'at most 400 days'],
      [{ from: now - HOUR, to: now, maxDataPoints: 0, targets: [{ refId: 'A', metric: 'executions' }] }, 'maxDataPoints'],
    ];
    for (const [body, text] of cases) {
      const response = await query(body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(text);
    }
  });

  it('serves template variables filtered by label and (without alerts yet) an empty annotation list', async () => {
    const vars = (await (await sidecar.api('/api/v1/variables/workflows?label=team=a')).json()) as any;
    expect(vars.workflows.map((w: any) => w.id)).toEqual(['alpha', 'gamma']);
    const annotations = await sidecar.api(`/api/v1/annotations?from=${now - HOUR}&to=${now}`);
    expect(annotations.status).toBe(200);
  });

  it('counts active_alerts per point exactly as a count per point over the alerts would, boundaries included', async () => {
    const { pool } = sidecar.db;
    const minute = Math.floor(now / 60_000) * 60_000;
    // Opened and resolved on step boundaries, a microsecond either side, mid-step, never resolved,
    // resolved before the range, opened after it, resolved before opened: each edge of the rule.
    const spans: Array<[string, string, string | null]> = [];
    const at = (ms: number, micros = 0) => `${new Date(ms).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
    const random = lcg(7);
    for (let i = 0; i < 120; i += 1) {
      const workflow = ['alpha', 'beta', 'gamma'][i % 3]!;
      const opened = minute - Math.floor(random() * 80 * 60) * 60_000 + [0, 0, 30_000, 59_999][i % 4]!;
      const micros = [0, 1, 999][i % 3]!;
      const resolved = i % 5 === 0 ? null : i % 7 === 0 ? at(opened - 60_000) : at(opened + Math.floor(random() * 40) * 60_000 + [0, 1][i % 2]!, [0, 999][i % 2]!);
      spans.push([workflow, at(opened, micros), resolved]);
    }
    spans.push(['alpha', at(minute - 200 * 60_000), at(minute - 190 * 60_000)], ['beta', at(minute + 120 * 60_000), null], ['beta', at(minute - 500 * 60_000), null]);
    await pool.query(
      `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message, opened_at, resolved_at)
       SELECT 'count-' || n, 'count', w, 'warning', CASE WHEN r IS NULL THEN 'active' ELSE 'resolved' END, 't', 'm', o, r
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS x(w, o, r, n)`,
      [spans.map((s) => s[0]), spans.map((s) => s[1]), spans.map((s) => s[2])]
    );
    try {
      // The count per point the query answered with before (one correlated count per point).
      const perPoint = async (times: number[], stepMs: number, workflowIds: string[] | null) => {
        const { rows } = await pool.query(
          `SELECT (SELECT count(*)::int FROM alerts a WHERE a.opened_at < g + make_interval(secs => $3 / 1000.0)
                     AND (a.resolved_at IS NULL OR a.resolved_at >= g) AND ($4::text[] IS NULL OR a.workflow_id = ANY($4))) AS n
             FROM generate_series(to_timestamp($1 / 1000.0), to_timestamp($2 / 1000.0), make_interval(secs => $3 / 1000.0)) g ORDER BY g`,
          [times[0], times[times.length - 1], stepMs, workflowIds]
        );
        return rows.map((r) => r.n as number);
      };
      const requests: Array<{ from: number; to: number; intervalMs: number; targets: Array<{ refId: string; metric: string; workflowIds?: string[]; groupBy?: string }> }> = [
        { from: now - 3 * HOUR, to: now, intervalMs: 60_000, targets: [{ refId: 'A', metric: 'active_alerts' }] },
        { from: now - 3 * HOUR, to: now, intervalMs: 60_000, targets: [{ refId: 'A', metric: 'active_alerts', workflowIds: ['beta', 'gamma'] }] },
        { from: now - 3 * HOUR, to: now, intervalMs: 60_000, targets: [{ refId: 'A', metric: 'active_alerts', groupBy: 'workflow' }] },
        { from: now - 12 * HOUR, to: now, intervalMs: HOUR, targets: [{ refId: 'A', metric: 'active_alerts', groupBy: 'workflow' }] },
      ];
      for (const request of requests) {
        const response = await query(request);
        expect(response.status).toBe(200);
        const frame = ((await response.json()) as any).results.A.frames[0];
        const times: number[] = frame.data.values[0];
        const stepMs: number = frame.schema.meta.custom.stepMs;
        const fields = frame.schema.fields.slice(1);
        expect(fields.length).toBeGreaterThan(0);
        for (const [i, field] of fields.entries()) {
          const workflowIds = field.labels?.workflow ? [field.labels.workflow] : (request.targets[0]!.workflowIds ?? null);
          const expected = await perPoint(times, stepMs, workflowIds);
          expect({ request, workflowIds, values: frame.data.values[i + 1] }).toEqual({ request, workflowIds, values: expected });
        }
        expect(frame.data.values.slice(1).flat().some((n: number) => n > 0)).toBe(true);
      }
    } finally {
      await pool.query(`DELETE FROM alerts WHERE rule_id = 'count'`);
    }
  });
});

describe('rollup maintenance', () => {
  it('costs the writer one statement per execution: the rollups come from the trigger, not another round trip', async () => {
    const client = new pg.Client({ connectionString: sidecar.db.url });
    await client.connect();
    const statements: string[] = [];
    const original = client.query.bind(client);
    (client as any).query = (...args: any[]) => {
      statements.push(String(args[0]?.text ?? args[0]));
      return (original as any)(...args);
    };
    const before = await sidecar.db.pool.query(`SELECT coalesce(sum(executions), 0)::int AS n FROM execution_rollups_minute WHERE workflow_id = 'count-me'`);
    const started = new Date();
    await recordExecution(client as any, {
      workflowId: 'count-me', status: 'success', trigger: 'manual', startedAt: started, finishedAt: started, durationMs: 42,
      steps: [{ position: 0, name: 's', status: 'passed', startedAt: started, durationMs: 42, httpStatus: 200, assertions: [], extracted: {}, attempts: [{ number: 1, startedAt: started, durationMs: 42, delayMs: 0, httpStatus: 200 }] }],
    });
    await client.end();
    expect(statements).toHaveLength(1);
    const after = await sidecar.db.pool.query(`SELECT sum(executions)::int AS n FROM execution_rollups_minute WHERE workflow_id = 'count-me'`);
    expect(after.rows[0].n).toBe(before.rows[0].n + 1);
  });

  it('counts failed attempts and retries by error type in every rollup; the query splits them by error type', async () => {
    const { pool } = sidecar.db;
    const at = new Date(now - 2 * HOUR);
    const attempt = (number: number, errorType?: 'transient' | 'rate_limit' | 'timeout') => ({ number, startedAt: at, durationMs: 10, delayMs: 0, ...(errorType ? { errorType, errorMessage: errorType } : { httpStatus: 200 }) });
    const result: ExecutionResult = {
      workflowId: 'typed', status: 'failed', trigger: 'schedule', startedAt: at, finishedAt: at, durationMs: 900, errorType: 'timeout', errorMessage: 'timeout',
      steps: [
        // Two transient failures retried, then a pass.
        { position: 0, name: 'a', status: 'passed', startedAt: at, durationMs: 30, httpStatus: 200, assertions: [], extracted: {}, attempts: [attempt(1, 'transient'), attempt(2, 'transient'), attempt(3)] },
        // A rate limit retried, then a timeout that ends the run.
        { position: 1, name: 'b', status: 'failed', startedAt: at, durationMs: 20, errorType: 'timeout', assertions: [], extracted: {}, attempts: [attempt(1, 'rate_limit'), attempt(2, 'timeout')] },
      ],
    };
    await recordExecution(pool, result);
    await recordExecutionBatch(pool, [{ result, runId: 987_654_321, workerId: null }]);
    const { rows: stored } = await pool.query(`SELECT errors_by_type, retries_by_type FROM executions WHERE workflow_id = 'typed'`);
    // ERROR_TYPES order: transient, permanent, rate_limit, timeout, network, unknown, circuit_open, assertion.
    expect(stored).toEqual(Array(2).fill({ errors_by_type: [2, 0, 1, 1, 0, 0, 0, 0], retries_by_type: [2, 0, 1, 0, 0, 0, 0, 0] }));
    for (const table of ['execution_rollups_minute', 'execution_rollups_hour', 'execution_rollups_day']) {
      const { rows } = await pool.query(`SELECT errors_by_type, retries_by_type FROM ${table} WHERE workflow_id = 'typed'`);
      expect([table, rows]).toEqual([table, [{ errors_by_type: [4, 0, 2, 2, 0, 0, 0, 0], retries_by_type: [4, 0, 2, 0, 0, 0, 0, 0] }]]);
    }
    const response = await query({
      from: now - 3 * HOUR, to: now, intervalMs: HOUR, maxDataPoints: 10,
      targets: [
        { refId: 'R', metric: 'retries', workflowIds: ['typed'], groupBy: 'error_type' },
        { refId: 'F', metric: 'attempts', workflowIds: ['typed'], groupBy: 'error_type', alias: '{{error_type}} failures' },
      ],
    });
    const body = (await response.json()) as any;
    const totals = (frame: any) => frame.schema.fields.slice(1).map((f: any, i: number) => [f.labels.error_type, f.config.displayNameFromDS, frame.data.values[i + 1].reduce((a: number, b: number) => a + b, 0)]);
    expect(totals(body.results.R.frames[0])).toEqual([['rate_limit', 'rate_limit', 2], ['transient', 'transient', 4]]);
    expect(totals(body.results.F.frames[0])).toEqual([['rate_limit', 'rate_limit failures', 2], ['timeout', 'timeout failures', 2], ['transient', 'transient failures', 4]]);
    const bad = await query({ from: now - HOUR, to: now, targets: [{ refId: 'A', metric: 'success_rate', groupBy: 'error_type' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('groupBy error_type applies to the metrics attempts (failed attempts) and retries only');
  });

  it('keeps day rollups equal to the raw rows per UTC day, executions per hour of day included', async () => {
    const { rows: days } = await sidecar.db.pool.query(
      `SELECT workflow_id, bucket, executions, failures, duration_sum::bigint::text AS duration_sum, duration_min, duration_max, hour_executions FROM execution_rollups_day ORDER BY 1, 2`
    );
    const { rows: raw } = await sidecar.db.pool.query(
      `WITH h AS (SELECT workflow_id, date_trunc('day', started_at, 'UTC') AS bucket, extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS hour,
                         count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                         sum(duration_ms)::bigint AS duration_sum, min(duration_ms) AS duration_min, max(duration_ms) AS duration_max
                    FROM executions GROUP BY 1, 2, 3)
       SELECT workflow_id, bucket, sum(n)::int AS executions, sum(failed)::int AS failures, sum(duration_sum)::bigint::text AS duration_sum,
              min(duration_min) AS duration_min, max(duration_max) AS duration_max,
              (SELECT array_agg(coalesce((SELECT sum(n)::int FROM h h2 WHERE h2.workflow_id = h.workflow_id AND h2.bucket = h.bucket AND h2.hour = g), 0) ORDER BY g)
                 FROM generate_series(0, 23) g) AS hour_executions
         FROM h GROUP BY 1, 2 ORDER BY 1, 2`
    );
    expect(days.length).toBeGreaterThan(100);
    expect(days).toEqual(raw);
  });

  it('deletes raw rows past retention in batches and keeps the hour rollups; rebuild reproduces the rollups', async () => {
    const snapshotOf = async () => ({
      hour: (await sidecar.db.pool.query(`SELECT workflow_id, bucket, executions, duration_sum, duration_buckets FROM execution_rollups_hour ORDER BY 1, 2`)).rows,
      day: (await sidecar.db.pool.query(`SELECT * FROM execution_rollups_day ORDER BY 1, 2`)).rows,
    });
    const snapshot = await snapshotOf();
    // A few hours in the middle of a day: that day is recomputed whole, the others untouched.
    await rebuildRollups(sidecar.db.pool, { from: new Date(now - 50 * HOUR), to: new Date(now - 45 * HOUR) });
    expect(await snapshotOf()).toEqual(snapshot);
    await sidecar.db.pool.query('TRUNCATE execution_rollups_minute, execution_rollups_hour, execution_rollups_day');
    await rebuildRollups(sidecar.db.pool);
    expect(await snapshotOf()).toEqual(snapshot);
    const { rows: old } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM executions WHERE started_at < now() - interval '30 days'`);
    expect(old[0].n).toBeGreaterThan(1000);
    const deleted = await applyRetention(sidecar.db.pool, { rawMs: 30 * 24 * HOUR, rollupsMs: 400 * 24 * HOUR, batchSize: 500 });
    expect(deleted.executions).toBe(old[0].n);
    const { rows: hourAfter } = await sidecar.db.pool.query(`SELECT count(*)::int AS n FROM execution_rollups_hour WHERE bucket < now() - interval '30 days'`);
    expect(hourAfter[0].n).toBeGreaterThan(0);
  });
});
