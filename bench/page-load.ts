/**
 * Time from navigation to the workflow detail page's graphs drawn, in headless Chromium: the built
 * plugin in the browser harness, a real sidecar process on a database of N executions (bench/metrics-api's
 * generator: 30 days, 200 workflows), the page opened for one workflow over the last 24 hours.
 * "Drawn" = the success-rate and duration TimeSeries have their canvases and legends, the step bars
 * and the status timeline are on the page. Each run opens a fresh page (host bundle, plugin chunks
 * and every request included).
 * Usage (repository root, after `npm run build`): npx tsx bench/page-load.ts [--rows 10000000] [--repeat 20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { listening, spawnSidecar, urlOf } from '../backend-sidecar/test/support/sidecarProcess';
import { CHROMIUM } from '../tests/browser/browserSession';
import { buildHost } from '../tests/browser/harness/buildHost';
import { APP_ID, startHarnessServer } from '../tests/browser/harness/server';
import { arg, percentile, startBenchDatabase } from './support/benchDatabase';
import { generateExecutions } from './support/generateExecutions';

const ROWS = arg('rows', 10_000_000);
const REPEAT = arg('repeat', 20);
const WORKFLOWS = 200;
const TOKEN = 'bench-token-0123456789abcdef';
const tid = (id: string) => `[data-testid="${id}"]`;

async function main(): Promise<void> {
  if (!CHROMIUM) {
    throw new Error('Chromium not found (apt-get install -y chromium, or CHROMIUM_PATH)');
  }
  const db = await startBenchDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-bench-page-'));
  let sidecar: ReturnType<typeof spawnSidecar> | undefined;
  try {
    const seconds = await generateExecutions(db.pool, ROWS, WORKFLOWS);
    // Steps for the newest executions of the workflow on the page: the step breakdown reads at most the
    // newest 2,000 of the range, so these are all it ever touches.
    await db.pool.query(
      `INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms)
       SELECT e.id, p.position, p.name, 'passed', e.started_at, greatest(1, e.duration_ms / 3)
         FROM (SELECT id, started_at, duration_ms FROM executions WHERE workflow_id = 'w1' ORDER BY started_at DESC LIMIT 5000) e
        CROSS JOIN (VALUES (0, 'login'), (1, 'cart'), (2, 'pay')) AS p(position, name)`
    );
    await db.pool.query('VACUUM ANALYZE execution_steps');
    console.log(`generated ${ROWS} executions over 30 days across ${WORKFLOWS} workflows in ${seconds.toFixed(0)} s`);
    sidecar = spawnSidecar({ DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: '0', DEMO: 'off', SCHEDULER: 'false', SIDECAR_API_TOKEN: TOKEN, LOG_LEVEL: 'info' });
    const sidecarUrl = urlOf(await sidecar.waitFor(listening, 300_000));
    const harness = await startHarnessServer({ hostBundle: await buildHost(), sidecarUrl, apiToken: TOKEN });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const samples: number[] = [];
      for (let i = 0; i <= REPEAT; i += 1) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        page.setDefaultTimeout(120_000);
        const started = performance.now();
        await page.goto(`${harness.url}/a/${APP_ID}/workflows/w1?from=now-24h&to=now`);
        await Promise.all([
          page.locator(`${tid('data-testid workflow-detail-graph-successRate')} canvas`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-duration')} [data-testid^="data-testid VizLegend series "]`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-steps')} [title]`).first().waitFor(),
          page.locator('[data-testid^="data-testid workflow-detail-timeline-"]').first().waitFor(),
        ]);
        const elapsed = performance.now() - started;
        // The first run warms PostgreSQL's and Chromium's caches; it is not counted.
        if (i > 0) {
          samples.push(elapsed);
        }
        await page.close();
      }
      console.log(`\nworkflow detail, last 24 h, ${REPEAT} runs after one warm-up: navigation → graphs drawn p50 ${percentile(samples, 50).toFixed(0)} ms, p95 ${percentile(samples, 95).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms`);
    } finally {
      await browser.close();
      await harness.close();
    }
  } finally {
    if (sidecar) {
      sidecar.child.kill('SIGTERM');
      await sidecar.exited;
    }
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
