/**
 * Time from navigation to the workflow detail page's graphs drawn, in headless Chromium: the built
 * plugin in the browser harness, a real sidecar process on a database of N executions (bench/metrics-api's
 * generator: 30 days, 200 workflows), the page opened for one workflow over the last 24 hours.
 * "Drawn" = the success-rate and duration TimeSeries have their canvases and legends, the step bars
 * and the status timeline are on the page. Measured twice: a fresh page per run (the harness's host
 * bundle, i.e. what Grafana itself would have loaded already, plugin chunks and every request included),
 * and in-app navigation from the overview in one loaded page (what a Grafana user sees).
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
import { generateExecutionHistory } from './support/executionHistory';

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
    const generating = performance.now();
    await generateExecutionHistory(db.pool, { rows: ROWS, workflows: WORKFLOWS });
    const seconds = (performance.now() - generating) / 1000;
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
      const loaded: number[] = [];
      const figures: number[] = [];
      for (let i = 0; i <= REPEAT; i += 1) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        page.setDefaultTimeout(120_000);
        const started = performance.now();
        await page.goto(`${harness.url}/a/${APP_ID}/workflows/w1?from=now-24h&to=now`);
        const pageLoaded = performance.now() - started;
        await page.locator(tid('data-testid workflow-detail-figure-uptime')).waitFor();
        const figuresShown = performance.now() - started;
        await Promise.all([
          page.locator(`${tid('data-testid workflow-detail-graph-successRate')} canvas`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-duration')} [data-testid^="data-testid VizLegend series "]`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-steps')} [title]`).first().waitFor(),
          page.locator('[data-testid^="data-testid workflow-detail-timeline-"]').first().waitFor(),
        ]);
        const elapsed = performance.now() - started;
        // The first run warms PostgreSQL's and Chromium's caches; it is not counted. Each run is a fresh
        // page: the harness's host bundle (every @grafana/* package) is fetched and parsed every time.
        if (i > 0) {
          samples.push(elapsed);
          loaded.push(pageLoaded);
          figures.push(figuresShown);
        }
        await page.close();
      }
      const line = (name: string, values: number[]) => `  ${name.padEnd(34)} p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms`;
      console.log(`\nworkflow detail, last 24 h, ${REPEAT} runs after one warm-up, from navigation:`);
      console.log(line('page loaded (host bundle, plugin)', loaded));
      console.log(line('figures shown (query answered)', figures));
      console.log(line('graphs drawn', samples));
      // In Grafana the host (Grafana itself, @grafana/* included) is loaded once and the app navigates in
      // place: from the overview to the workflow page, then back, REPEAT times in one page.
      const inApp: number[] = [];
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(120_000);
      await page.goto(`${harness.url}/a/${APP_ID}/overview?from=now-24h&to=now`);
      await page.locator(tid('data-testid overview-summary')).waitFor();
      const go = (to: string) =>
        page.evaluate((url) => {
          window.history.pushState({}, '', url);
          window.dispatchEvent(new PopStateEvent('popstate'));
        }, to);
      for (let i = 0; i <= REPEAT; i += 1) {
        const started = performance.now();
        await go(`/a/${APP_ID}/workflows/w1?from=now-24h&to=now`);
        await Promise.all([
          page.locator(`${tid('data-testid workflow-detail-graph-successRate')} canvas`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-duration')} [data-testid^="data-testid VizLegend series "]`).first().waitFor(),
          page.locator(`${tid('data-testid workflow-detail-graph-steps')} [title]`).first().waitFor(),
          page.locator('[data-testid^="data-testid workflow-detail-timeline-"]').first().waitFor(),
        ]);
        if (i > 0) {
          inApp.push(performance.now() - started);
        }
        await go(`/a/${APP_ID}/overview?from=now-24h&to=now`);
        await page.locator(tid('data-testid overview-summary')).waitFor();
      }
      await page.close();
      console.log(line('in-app navigation → graphs drawn', inApp));
      // The page's own requests, timed from here against the same sidecar (no browser).
      const apiSamples: number[] = [];
      const to = Date.now();
      const from = to - 86_400_000;
      for (let i = 0; i < REPEAT; i += 1) {
        const t = performance.now();
        await Promise.all([
          fetch(`${sidecarUrl}/api/v1/query`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ from, to, intervalMs: 432_000, maxDataPoints: 200, targets: [
              { refId: 'u', metric: 'success_rate', workflowIds: ['w1'], instant: true },
              { refId: 'p', metric: 'duration_p95', workflowIds: ['w1'], instant: true },
              { refId: 's', metric: 'success_rate', workflowIds: ['w1'] },
              { refId: 'd', metric: 'duration_p95', workflowIds: ['w1'] },
              { refId: 'e', metric: 'attempts', workflowIds: ['w1'], groupBy: 'error_type', instant: true },
              { refId: 'x', metric: 'step_duration_p95', workflowIds: ['w1'], groupBy: 'step', instant: true },
            ] }),
          }).then((r) => r.arrayBuffer()),
          fetch(`${sidecarUrl}/api/v1/workflows/w1/executions?limit=500&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.arrayBuffer()),
        ]);
        apiSamples.push(performance.now() - t);
      }
      console.log(line('the query + timeline requests alone', apiSamples));
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
