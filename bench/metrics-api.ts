/**
 * /api/monitoring/metrics and /api/v1/query on rollups vs the naive GROUP BY + percentile_cont over
 * raw rows, same database. Generates N executions over 30 days across 200 workflows first.
 * Usage (repository root): npx tsx bench/metrics-api.ts [--rows 10000000] [--repeat 20] [--naive-repeat 20] [--only-query 1]
 */
import { HealthReporter } from '../backend-sidecar/src/http/health';
import { monitoringMetrics } from '../backend-sidecar/src/metricsApi/monitoringMetrics';
import { runQuery } from '../backend-sidecar/src/metricsApi/queryApi';
import { arg, percentile, startBenchDatabase } from './support/benchDatabase';
import { generateExecutionHistory } from './support/executionHistory';

const ROWS = arg('rows', 10_000_000);
const REPEAT = arg('repeat', 20);
// The naive queries take seconds each at 10 M rows; fewer of them still give a fair p50/p95.
const NAIVE_REPEAT = arg('naive-repeat', REPEAT);
// --only-query 1 skips the summary periods (the naive 30-day summary takes over a minute per run at 10 M rows).
const ONLY_QUERY = arg('only-query', 0) === 1;
const WORKFLOWS = 200;
const DAY = 86_400_000;

async function time(fn: () => Promise<unknown>, repeat = REPEAT): Promise<{ p50: number; p95: number }> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function main(): Promise<void> {
  // 12 naive panel queries run at once: room for all of them (a queued one would wait out the connect timeout).
  const db = await startBenchDatabase({ poolMax: 13 });
  try {
    const generateStarted = performance.now();
    await generateExecutionHistory(db.pool, { rows: ROWS, workflows: WORKFLOWS });
    console.log(`generated ${ROWS} executions over 30 days across ${WORKFLOWS} workflows in ${((performance.now() - generateStarted) / 1000).toFixed(0)} s`);
    const health = new HealthReporter(db.pool);
    const now = Date.now();
    console.log(`\n${REPEAT} runs of ours, ${NAIVE_REPEAT} of the naive query, after one warm-up each; milliseconds (p50 / p95):`);
    for (const period of ONLY_QUERY ? [] : (['1h', '24h', '7d', '30d'] as const)) {
      const ours = await time(() => monitoringMetrics(db.pool, health, { period, details: true }));
      const ms = { '1h': 3_600_000, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY }[period];
      const naive = await time(() =>
        db.pool.query(
          `SELECT workflow_id, count(*), count(*) FILTER (WHERE status <> 'failed'), avg(duration_ms), min(duration_ms), max(duration_ms),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
             FROM executions WHERE started_at >= $1 GROUP BY workflow_id`,
          [new Date(now - ms)]
        ),
        NAIVE_REPEAT
      );
      console.log(`  /api/monitoring/metrics ${period.padEnd(4)} ours ${ours.p50.toFixed(1)} / ${ours.p95.toFixed(1)}   naive ${naive.p50.toFixed(1)} / ${naive.p95.toFixed(1)}   ratio naive/ours (p95) ${(naive.p95 / ours.p95).toFixed(1)}x`);
    }
    const from = now - 30 * DAY;
    const targets = Array.from({ length: 12 }, (_, i) => ({ refId: `Q${i}`, metric: i % 2 ? 'duration_p95' : 'success_rate', workflowIds: [`w${i + 1}`], groupBy: 'none' as const }));
    const ours = await time(() => runQuery(db.pool, { from, to: now, intervalMs: 60_000, maxDataPoints: 1000, targets } as never));
    const naive = await time(() =>
      Promise.all(
        targets.map((t) =>
          db.pool.query(
            `SELECT date_trunc('hour', started_at) AS t, count(*) FILTER (WHERE status <> 'failed') * 100.0 / count(*),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
               FROM executions WHERE workflow_id = $1 AND started_at >= $2 GROUP BY 1 ORDER BY 1`,
            [t.workflowIds[0], new Date(from)]
          )
        )
      ),
      NAIVE_REPEAT
    );
    console.log(`  /api/v1/query 30d, 12 series ours ${ours.p50.toFixed(1)} / ${ours.p95.toFixed(1)}   naive ${naive.p50.toFixed(1)} / ${naive.p95.toFixed(1)}   ratio naive/ours (p95) ${(naive.p95 / ours.p95).toFixed(1)}x`);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
