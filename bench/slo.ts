/**
 * SLOs and anomaly rules on rollups vs naive SQL over raw rows, same database.
 *
 * 1. GET /api/v1/slos (sloStatuses: SLI and budget over each workflow's window, six burn rates) for
 *    200 workflows with SLOs over 30 days of N executions (bench/metrics-api.ts's generator), vs one
 *    GROUP BY over the raw executions with a FILTER per window.
 * 2. One anomaly-rule pass (p95 duration against the same hour of the week over 4 weeks) for 1,000
 *    workflows that ran every minute, vs percentile_cont over the raw rows of the same hours.
 *
 * Usage (repository root): npx tsx bench/slo.ts [--rows 10000000] [--repeat 20] [--naive-repeat 2]
 *   [--warmup 10] [--anomaly-workflows 1000] [--anomaly-minute M] [--skip-slos 1] [--skip-anomaly 1]
 *
 * --anomaly-minute M judges the anomaly pass at the last instant before now at minute M of the hour (its
 * partial hour is read to the minute: the most minute rows at M = 29, the fewest at 59) instead of at each
 * call's clock.
 */
import { judgeAnomaly, type AnomalySpec } from '../backend-sidecar/src/alerts/anomaly';
import { evaluateCondition } from '../backend-sidecar/src/alerts/evaluateCondition';
import { attachRollupFacts } from '../backend-sidecar/src/alerts/ruleFacts';
import { ruleInputSchema, type Condition } from '../backend-sidecar/src/alerts/ruleSchema';
import type { WorkflowFacts } from '../backend-sidecar/src/alerts/workflowFacts';
import { BUCKET_COUNT, bucketIndex } from '../backend-sidecar/src/rollups/histogram';
import { sloStatuses, windowEnd } from '../backend-sidecar/src/slo/sloStore';
import { arg, percentile, startBenchDatabase } from './support/benchDatabase';
import { generateExecutionHistory } from './support/executionHistory';

const ROWS = arg('rows', 10_000_000);
const REPEAT = arg('repeat', 20);
const NAIVE_REPEAT = arg('naive-repeat', 2);
// A running sidecar is warm: its first calls compile the code paths and fill the connections' caches.
const WARMUP = arg('warmup', 10);
const ANOMALY_WORKFLOWS = arg('anomaly-workflows', 1000);
const ANOMALY_MINUTE = arg('anomaly-minute', -1);
if (ANOMALY_MINUTE !== -1 && !(Number.isInteger(ANOMALY_MINUTE) && ANOMALY_MINUTE >= 0 && ANOMALY_MINUTE <= 59)) {
  throw new Error(`--anomaly-minute must be a whole minute from 0 to 59, got ${process.argv[process.argv.indexOf('--anomaly-minute') + 1]}`);
}
const SKIP_SLOS = arg('skip-slos', 0) === 1;
const SKIP_ANOMALY = arg('skip-anomaly', 0) === 1;
const WORKFLOWS = 200;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const WEEK = 7 * 86_400_000;

async function time(fn: () => Promise<unknown>, repeat = REPEAT, warmup = WARMUP): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmup; i += 1) {
    await fn();
  }
  const samples: number[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const line = (name: string, ours: { p50: number; p95: number }, naive: { p50: number; p95: number }) =>
  console.log(`  ${name.padEnd(44)} ours ${ours.p50.toFixed(1)} / ${ours.p95.toFixed(1)}   naive ${naive.p50.toFixed(1)} / ${naive.p95.toFixed(1)}   ratio naive/ours (p95) ${(naive.p95 / ours.p95).toFixed(1)}x`);

async function benchSlos(db: Awaited<ReturnType<typeof startBenchDatabase>>): Promise<void> {
  const started = performance.now();
  // Windows as operators would pick them: mostly 30d, some 7d and 36h.
  const window = (n: number) => (n % 10 === 0 ? '36h' : n % 4 === 0 ? '7d' : '30d');
  await generateExecutionHistory(db.pool, { rows: ROWS, workflows: WORKFLOWS, definition: (n) => ({ slo: { objective: 99.5, window: window(n) } }) });
  // A two-hour outage of 1-minute slots for every tenth workflow, three days ago.
  await db.pool.query(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, state, missed_slots, missed_until, finished_at)
     SELECT 'w' || g, now() - interval '3 days', 'missed', 120, now() - interval '3 days' + interval '2 hours', now()
       FROM generate_series(10, $1, 10) g`,
    [WORKFLOWS]
  );
  console.log(`generated ${ROWS} executions over 30 days across ${WORKFLOWS} workflows with SLOs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  // Write the generator's gigabytes of dirty pages out now: a running sidecar is not flushing a month of
  // history in the background while it answers.
  await db.pool.query('CHECKPOINT');
  console.log(`\n${REPEAT} runs of ours, ${NAIVE_REPEAT} of the naive query, after ${WARMUP} warm-up runs of ours and one of the naive query; milliseconds (p50 / p95):`);
  const from = new Date();
  const ours = await time(() => sloStatuses(db.pool));
  // The window starts are read to the minute: the further the minute of the hour from :00, the more minute
  // rows (worst at :30), and the further the hour from midnight UTC, the more hour rows (worst at 12:00).
  console.log(`  ours measured ${from.toISOString().slice(11, 16)}–${new Date().toISOString().slice(11, 16)} UTC`);
  const windows = ['5 minutes', '30 minutes', '1 hour', '6 hours', '24 hours', '72 hours'];
  const naive = await time(async () => {
    const end = new Date(windowEnd(Date.now()));
    await Promise.all([
      db.pool.query(
        `WITH w AS (
           SELECT id, (definition->'slo'->>'objective')::float8 AS objective,
                  CASE WHEN definition->'slo'->>'window' LIKE '%d' THEN make_interval(days => rtrim(definition->'slo'->>'window', 'd')::int)
                       ELSE make_interval(hours => rtrim(definition->'slo'->>'window', 'h')::int) END AS span
             FROM workflows WHERE deleted_at IS NULL AND definition ? 'slo')
         SELECT w.id,
                count(*) FILTER (WHERE e.started_at >= $1::timestamptz - w.span AND e.status <> 'failed') AS good,
                count(*) FILTER (WHERE e.started_at >= $1::timestamptz - w.span AND e.status = 'failed') AS bad,
                ${windows.map((span) => `count(*) FILTER (WHERE e.started_at >= $1::timestamptz - interval '${span}'), count(*) FILTER (WHERE e.started_at >= $1::timestamptz - interval '${span}' AND e.status = 'failed')`).join(',\n                ')}
           FROM w JOIN executions e ON e.workflow_id = w.id AND e.started_at >= $1::timestamptz - w.span AND e.started_at < $1
          GROUP BY w.id`,
        [end]
      ),
      db.pool.query(`SELECT workflow_id, sum(missed_slots) FROM scheduled_runs WHERE state = 'missed' AND slot_at >= $1::timestamptz - interval '30 days' GROUP BY 1`, [end]),
    ]);
  }, NAIVE_REPEAT, 1);
  line('GET /api/v1/slos, 200 workflows, 30 days', ours, naive);
  console.log(`  goal p95 <= 50 ms: ${ours.p95 <= 50 ? 'met' : 'NOT met'}`);
}

async function benchAnomaly(db: Awaited<ReturnType<typeof startBenchDatabase>>): Promise<void> {
  const n = ANOMALY_WORKFLOWS;
  await db.pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, push_expected_ms, push_grace_ms)
     SELECT 'a' || g, 'Anomaly ' || g, 'api', '{}', 'push', 3600000, 60000 FROM generate_series(1, $1) g`,
    [n]
  );
  // At minute M: half a minute into the latest such minute that has begun.
  const atMinute = ANOMALY_MINUTE >= 0 ? Math.floor((Date.now() - ANOMALY_MINUTE * MINUTE) / HOUR) * HOUR + ANOMALY_MINUTE * MINUTE + MINUTE / 2 : null;
  const now = atMinute ?? Date.now();
  const end = windowEnd(now);
  const hourOfWeek = Math.floor((end - 30 * MINUTE) / HOUR) * HOUR;
  const started = performance.now();
  // A run a minute: over the last 150 minutes, and over the three hours around this hour of the week
  // in each of the previous 8 weeks; every fifth workflow is three times slower now.
  const spans = [[end - 150 * MINUTE, end], ...Array.from({ length: 8 }, (_, k) => [hourOfWeek - (k + 1) * WEEK - HOUR, hourOfWeek - (k + 1) * WEEK + 2 * HOUR])];
  for (const [i, [from, to]] of spans.entries()) {
    const current = i === 0;
    await db.pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms)
       SELECT 'a' || g, 'push', CASE WHEN random() < 0.02 THEN 'failed' ELSE 'success' END, t, t,
              ((150 + random() * 100) * CASE WHEN $3 AND g % 5 = 0 THEN 3 ELSE 1 END)::int
         FROM generate_series($2::timestamptz, $4::timestamptz - interval '1 minute', interval '1 minute') t, generate_series(1, $1) g
        ORDER BY t`,
      [n, new Date(from!), current, new Date(to!)]
    );
  }
  // The other hours of five weeks as hour rollup rows, so the table is the size it would be.
  await db.pool.query(
    `INSERT INTO execution_rollups_hour (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries, duration_sum, duration_min, duration_max, duration_buckets)
     SELECT 'a' || g, b, 60, 59, 0, 1, 60, 0, 12000, 150, 250, ARRAY[0,0,0,0,60,0,0,0,0,0,0,0,0]
       FROM generate_series(date_trunc('hour', now()) - interval '35 days', date_trunc('hour', now()) - interval '2 hours', interval '1 hour') b, generate_series(1, $1) g
     ON CONFLICT DO NOTHING`,
    [n]
  );
  for (const table of ['executions', 'execution_rollups_hour', 'execution_rollups_minute']) {
    await db.pool.query(`VACUUM ANALYZE ${table}`);
  }
  await db.pool.query('CHECKPOINT');
  console.log(`\ngenerated anomaly history for ${n} workflows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const condition = ruleInputSchema.shape.condition.parse({ type: 'anomaly', metric: 'duration_p95' }) as Condition & AnomalySpec;
  const { rows: workflows } = await db.pool.query<{ id: string }>(`SELECT id FROM workflows WHERE id LIKE 'a%'`);
  let firing = 0;
  const from = new Date();
  const ours = await time(async () => {
    const facts = new Map<string, WorkflowFacts>(workflows.map((w) => [w.id, { workflow: { id: w.id, name: w.id, critical: false, labels: {} }, windows: new Map(), recent: [] }]));
    await attachRollupFacts(db.pool, facts, 'all', [condition], atMinute ?? Date.now());
    firing = 0;
    for (const f of facts.values()) {
      if (evaluateCondition(condition, f, 'timer').state === 'firing') {
        firing += 1;
      }
    }
  });
  // The current window's partial hour is read to the minute: judged at minute 29 it reads the most minute rows, at 59 the fewest.
  console.log(`  ours measured ${from.toISOString().slice(11, 16)}–${new Date().toISOString().slice(11, 16)} UTC, judged as at ${new Date(now).toISOString().slice(11, 19)} UTC`);
  const start = end - HOUR;
  const baselineHours = Array.from({ length: 4 }, (_, k) => new Date(hourOfWeek - (k + 1) * WEEK));
  const naive = await time(async () => {
    const { rows } = await db.pool.query<{ workflow_id: string; k: number; n: number; p95: number }>(
      `SELECT workflow_id, k, count(*)::int AS n, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM (SELECT workflow_id, duration_ms,
                      CASE WHEN started_at >= $1 THEN 0 ELSE 1 + array_position($2::timestamptz[], date_trunc('hour', started_at, 'UTC')) END AS k
                 FROM executions
                WHERE workflow_id LIKE 'a%' AND (started_at >= $1 AND started_at < $3 OR date_trunc('hour', started_at, 'UTC') = ANY($2::timestamptz[]))) x
        GROUP BY 1, 2`,
      [new Date(start), baselineHours, new Date(end)]
    );
    const byWorkflow = new Map<string, { current?: number; baseline: number[] }>();
    for (const row of rows) {
      const entry = byWorkflow.get(row.workflow_id) ?? { baseline: [] };
      if (row.k === 0) {
        entry.current = row.p95;
      } else {
        entry.baseline.push(row.p95);
      }
      byWorkflow.set(row.workflow_id, entry);
    }
    // The same judgement on exact percentiles: one bucket per value stands in for the histogram.
    for (const entry of byWorkflow.values()) {
      const span = (p95: number) => {
        const buckets = Array.from({ length: BUCKET_COUNT }, () => 0);
        buckets[bucketIndex(p95)] = 100;
        return { executions: 100, failures: 0, durationMin: p95, durationMax: p95, durationBuckets: buckets };
      };
      judgeAnomaly(condition, { current: span(entry.current ?? 0), baseline: entry.baseline.map(span) });
    }
  }, NAIVE_REPEAT, 1);
  line(`anomaly pass, ${n} workflows (p95 vs 4 weeks)`, ours, naive);
  console.log(`  firing: ${firing} of ${n} (every fifth workflow is 3x slower now)`);
  console.log(`  goal <= 100 ms per pass: ${ours.p95 <= 100 ? 'met' : 'NOT met'}`);
}

async function main(): Promise<void> {
  const db = await startBenchDatabase({ poolMax: 13 });
  try {
    if (!SKIP_SLOS) {
      await benchSlos(db);
    }
    if (!SKIP_ANOMALY) {
      await benchAnomaly(db);
    }
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
