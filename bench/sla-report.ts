/**
 * GET /api/v1/reports/sla for 30 days on rollups vs the naive per-workflow GROUP BY with
 * percentile_cont over raw rows (plus the same missed-slot and alert reads), same database; then
 * the PDF for 200 workflows (report + daily chart + rendering). Generates N executions over 30 days
 * across 200 workflows first (bench/support/executionHistory.ts, as bench/metrics-api.ts does).
 * Usage (repository root): npx tsx bench/sla-report.ts [--rows 10000000] [--repeat 20] [--naive-repeat 2] [--pdf-repeat 10]
 */
import { renderReport } from '../backend-sidecar/src/reports/renderReport';
import { buildSlaReport } from '../backend-sidecar/src/reports/slaReport';
import { arg, percentile, startBenchDatabase } from './support/benchDatabase';
import { generateExecutionHistory } from './support/executionHistory';

const ROWS = arg('rows', 10_000_000);
const REPEAT = arg('repeat', 20);
const NAIVE_REPEAT = arg('naive-repeat', 2);
const PDF_REPEAT = arg('pdf-repeat', 10);
const WORKFLOWS = 200;
const DAY = 86_400_000;

async function time(fn: () => Promise<unknown>, repeat: number): Promise<{ p50: number; p95: number }> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i += 1) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const ms = (t: { p50: number; p95: number }) => `${t.p50.toFixed(1)} / ${t.p95.toFixed(1)}`;

async function main(): Promise<void> {
  const db = await startBenchDatabase();
  try {
    const started = performance.now();
    // Half the workflows declare an SLO, so objectives and budgets are computed as well.
    await generateExecutionHistory(db.pool, { rows: ROWS, workflows: WORKFLOWS, definition: (n) => (n % 2 === 0 ? { slo: { objective: 99.5, window: '30d' } } : {}) });
    // Some history the report also reads: 2,000 alerts (a tenth still open) and 1,000 missed-slot records.
    await db.pool.query(
      `INSERT INTO alerts (fingerprint, rule_id, workflow_id, severity, state, title, message, opened_at, last_seen_at, resolved_at)
       SELECT 'f' || g, 'r', 'w' || (1 + g % $1), 'error', CASE WHEN g % 10 = 0 THEN 'active' ELSE 'resolved' END, 't', 'm', o, o,
              CASE WHEN g % 10 = 0 THEN NULL ELSE o + make_interval(mins => 5 + g % 120) END
         FROM generate_series(1, 2000) g, LATERAL (SELECT now() - make_interval(secs => random() * 31 * 86400)) x(o)`,
      [WORKFLOWS]
    );
    await db.pool.query(
      `INSERT INTO scheduled_runs (workflow_id, slot_at, state, missed_slots, finished_at)
       SELECT 'w' || (1 + g % $1), now() - make_interval(secs => g * 2591), 'missed', 1 + g % 5, now() FROM generate_series(1, 1000) g`,
      [WORKFLOWS]
    );
    await db.pool.query('VACUUM ANALYZE alerts');
    await db.pool.query('VACUUM ANALYZE scheduled_runs');
    console.log(`generated ${ROWS} executions over 30 days across ${WORKFLOWS} workflows in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const to = Date.now();
    const from = to - 30 * DAY;
    const ours = await time(() => buildSlaReport(db.pool, { from, to }).then((r) => JSON.stringify(r)), REPEAT);
    const naive = await time(
      () =>
        Promise.all([
          db.pool.query(
            `SELECT workflow_id, count(*), count(*) FILTER (WHERE status <> 'failed'), count(*) FILTER (WHERE status = 'failed'),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
               FROM executions WHERE started_at >= $1 AND started_at < $2 GROUP BY workflow_id`,
            [new Date(from), new Date(to)]
          ),
          db.pool.query(`SELECT workflow_id, sum(missed_slots) FROM scheduled_runs WHERE state = 'missed' AND slot_at >= $1 AND slot_at < $2 GROUP BY 1`, [new Date(from), new Date(to)]),
          db.pool.query(`SELECT workflow_id, opened_at, resolved_at FROM alerts WHERE opened_at < $2 AND (resolved_at IS NULL OR resolved_at > $1)`, [new Date(from), new Date(to)]),
        ]),
      NAIVE_REPEAT
    );
    console.log(`\n${REPEAT} runs of ours, ${NAIVE_REPEAT} of the naive query, after one warm-up each; milliseconds (p50 / p95):`);
    console.log(`  SLA report JSON, 30 days, ${WORKFLOWS} workflows: ours ${ms(ours)}   naive ${ms(naive)}   ratio naive/ours (p95) ${(naive.p95 / ours.p95).toFixed(1)}x`);

    let bytes = 0;
    let pages = 0;
    const pdf = await time(async () => {
      const report = await buildSlaReport(db.pool, { from, to });
      const file = await renderReport(db.pool, report, 'pdf');
      bytes = file.content.length;
      pages = (file.content.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    }, PDF_REPEAT);
    console.log(`  SLA report PDF, 30 days, ${WORKFLOWS} workflows (report, daily chart, rendering; ${pages} pages, ${(bytes / 1024).toFixed(0)} KiB): ${ms(pdf)}`);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
