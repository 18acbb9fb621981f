import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { startReceiver, type ReceiverServer } from '../../backend-sidecar/test/support/receiverServer';
import { listening, spawnSidecar, urlOf, type SidecarProcess } from '../../backend-sidecar/test/support/sidecarProcess';
import { API_TOKEN, startBrowserSession, type BrowserSession } from './browserSession';
import { APP_ID } from './harness/server';

/**
 * The app pages' graphs, time range, refresh and data source picker in headless Chromium: the built
 * plugin against two real sidecars — the demo one (data source "Workflow Monitor") and a second one
 * with other workflows ("Workflow Monitor staging"). `npm run build` first.
 */
let session: BrowserSession;
let staging: SidecarProcess;
let stagingDir: string;
let partner: ReceiverServer;
const STAGING_TOKEN = 'staging-token-0123456789abcdef';
const STAGING_UID = 'wm-staging';
const HOUR = 3_600_000;
const tid = (id: string) => `[data-testid="${id}"]`;

/** Polls until `check` gives a value; the deadline only bounds a hang (a loaded machine is slow). */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function call(baseUrl: string, token: string, pathAndQuery: string, json?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A push workflow and `count` executions of it spread over the last `hours`, with steps and error
 * types, so graphs over hours have something to draw.
 */
async function pushHistory(baseUrl: string, token: string, id: string, count: number, hours: number): Promise<void> {
  const created = await call(baseUrl, token, '/api/v1/workflows', { id, name: `${id} (pushed)`, schedule: { push: { expected: '1h' } }, labels: { env: 'history' } });
  expect([201, 200]).toContain(created.status);
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    // Ten minutes short of `hours`, so every run stays inside a range of `hours` opened minutes later.
    const startedAt = new Date(now - 60_000 - Math.floor(((i + 0.5) / count) * (hours * HOUR - 10 * 60_000)));
    const roll = (i * 7) % 10;
    const status = roll < 7 ? 'success' : roll < 9 ? 'degraded' : 'failed';
    const dump = 200 + ((i * 37) % 400);
    const upload = 300 + ((i * 53) % 900) + (status === 'failed' ? 2000 : 0);
    const pushed = await call(baseUrl, token, '/api/v1/executions', {
      workflowId: id,
      status,
      startedAt: startedAt.toISOString(),
      durationMs: dump + upload + 50,
      ...(status === 'failed' ? { errorType: 'timeout', errorMessage: 'upload timed out' } : {}),
      steps: [
        { name: 'dump', status: 'passed', durationMs: dump },
        { name: 'compress', status: 'passed', durationMs: 50 },
        { name: 'upload', status: status === 'failed' ? 'failed' : 'passed', durationMs: upload, ...(status === 'failed' ? { errorType: 'timeout', errorMessage: 'upload timed out' } : {}) },
      ],
    });
    expect(pushed.status).toBeLessThan(300);
  }
}

/** Every POST api/v1/query body and executions-list query the page sends, from now on. */
function recordRequests(page: Page) {
  const queries: Array<{ from: number; to: number; targets: Array<{ refId: string }> }> = [];
  const lists: URL[] = [];
  const onRequest = (request: Request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.pathname.endsWith('/api/v1/query')) {
      queries.push(JSON.parse(request.postData() ?? '{}'));
    }
    if (request.method() === 'GET' && /\/api\/v1\/workflows\/[^/]+\/executions$/.test(url.pathname)) {
      lists.push(url);
    }
  };
  page.on('request', onRequest);
  return { queries, lists, stop: () => page.off('request', onRequest) };
}

/**
 * A graph container's counts (what it was given) and what it rendered: legend entries and canvases
 * of a TimeSeries (waited for when it has points), bars of a BarGauge list.
 */
async function graphOf(page: Page, testId: string) {
  const graph = page.locator(tid(testId));
  await graph.waitFor();
  if (Number(await graph.getAttribute('data-points')) > 0 && (await graph.getAttribute('data-series')) !== null) {
    await graph.locator('[data-testid^="data-testid VizLegend series "]').first().waitFor();
  }
  return {
    series: Number(await graph.getAttribute('data-series')),
    points: Number(await graph.getAttribute('data-points')),
    bars: Number(await graph.getAttribute('data-bars')),
    legend: await graph.locator('[data-testid^="data-testid VizLegend series "]').allInnerTexts(),
    canvases: await graph.locator('canvas').count(),
  };
}

/** `npm run screenshots` sets SCREENSHOTS=1: the README's images come from these pages. */
async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  if (process.env.SCREENSHOTS) {
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.resolve(__dirname, '../../docs/img', `${name}.png`), fullPage });
  }
}

beforeAll(async () => {
  stagingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-browser-staging-'));
  staging = spawnSidecar({ DATA_DIR: stagingDir, PORT: '0', DEMO: 'off', SIDECAR_API_TOKEN: STAGING_TOKEN, LOG_LEVEL: 'info' });
  // A first start runs initdb: on a loaded machine that alone can take minutes.
  const stagingUrl = urlOf(await staging.waitFor(listening, 300_000));
  await pushHistory(stagingUrl, STAGING_TOKEN, 'staging-payments', 30, 2);
  session = await startBrowserSession({ moreDatasources: [{ uid: STAGING_UID, name: 'Workflow Monitor staging', sidecarUrl: stagingUrl, apiToken: STAGING_TOKEN }] });
  await pushHistory(session.sidecarUrl, API_TOKEN, 'nightly-export', 240, 6);
  // A partner API that answers 503 to every other call: each run of partner-sync retries once (transient).
  // Runs are started by hand: on a loaded machine the demo's own schedule is too slow to wait for.
  let calls = 0;
  partner = await startReceiver({ answer: () => ((calls += 1) % 2 === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{"ok":true}' }) });
  const created = await session.api('/api/v1/workflows', {
    method: 'POST',
    json: { id: 'partner-sync', name: 'Partner sync', schedule: { every: '1h' }, retry: { strategy: 'fast' }, steps: [{ name: 'sync', request: { url: `${partner.url}/sync` }, assert: ['status == 200'] }] },
  });
  expect(created.status).toBe(201);
  for (let run = 1; run <= 3; run += 1) {
    expect((await session.api('/api/v1/workflows/partner-sync/run', { method: 'POST' })).status).toBe(202);
    await until(async () => ((await session.api('/api/v1/workflows/partner-sync/executions')).body.executions?.length >= run ? true : undefined), 180_000);
  }
}, 900_000);

afterAll(async () => {
  await session?.close();
  await partner?.close();
  if (staging) {
    staging.child.kill('SIGTERM');
    await staging.exited;
  }
  if (stagingDir) {
    fs.rmSync(stagingDir, { recursive: true, force: true });
  }
});

describe('graphs, time range and data source on the app pages', () => {
  it('the overview draws success rate, p95, executions by status, failed attempts by error type and the hourly pattern, with data', async () => {
    const page = await session.open(`/a/${APP_ID}/overview?from=now-6h&to=now`);
    const successRate = await graphOf(page, 'data-testid overview-graph-successRate');
    expect(successRate.points).toBeGreaterThan(5);
    expect(successRate.legend).toEqual(['success rate']);
    expect(successRate.canvases).toBeGreaterThan(0);
    const p95 = await graphOf(page, 'data-testid overview-graph-durationP95');
    expect(p95.legend).toEqual(['p95']);
    expect(p95.points).toBeGreaterThan(5);
    const status = await graphOf(page, 'data-testid overview-graph-status');
    expect(status.legend).toEqual(['success', 'degraded', 'failed']);
    expect(status.points).toBeGreaterThan(10);
    const byType = await graphOf(page, 'data-testid overview-graph-attemptsByErrorType');
    expect(byType.legend.length).toBeGreaterThanOrEqual(1);
    // Pushed runs failed with timeouts; partner-sync's first calls were 503s.
    expect(byType.legend).toEqual(expect.arrayContaining(['timeout', 'transient']));
    expect(byType.canvases).toBeGreaterThan(0);
    const hourly = page.locator(tid('data-testid overview-graph-hourly'));
    expect(Number(await hourly.getAttribute('data-bars'))).toBe(24);
    // Six hours of history fall into six or seven hours of the day: those bars are not empty.
    await hourly.locator('[title]').first().waitFor();
    const titles = await hourly.locator('[title]').evaluateAll((bars) => bars.map((bar) => bar.getAttribute('title') ?? ''));
    expect(titles).toHaveLength(24);
    expect(titles.filter((title) => /: [1-9]/.test(title)).length).toBeGreaterThanOrEqual(6);
    const figures = await page.locator(tid('data-testid overview-summary')).innerText();
    expect(figures).toMatch(/Success rate\s*\n?\s*\d+(\.\d)? %/);
    expect(figures).toMatch(/p95 duration\s*\n?\s*\d+/);
    await screenshot(page, 'overview');
    await page.close();
  });

  it('the workflow page shows uptime and p50/p95/p99 for the range, its graphs, error types and step durations', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows/nightly-export?from=now-6h&to=now`);
    const uptime = page.locator(tid('data-testid workflow-detail-figure-uptime'));
    await uptime.waitFor();
    // 240 pushed runs, 9 in 10 successful or degraded.
    const { body } = await session.api('/api/v1/query', { method: 'POST', json: { from: Date.now() - 6 * HOUR, to: Date.now(), targets: [{ refId: 'U', metric: 'success_rate', workflowIds: ['nightly-export'], instant: true }] } });
    const expected = body.results.U.frames[0].data.values[1][0] as number;
    await until(async () => ((await uptime.innerText()).includes(`${expected.toFixed(expected % 1 === 0 ? 0 : 1)} %`) ? true : undefined));
    for (const name of ['p50', 'p95', 'p99']) {
      expect(await page.locator(tid(`data-testid workflow-detail-figure-${name}`)).innerText()).toMatch(/\d+(\.\d)? (ms|s)/);
    }
    const rate = await graphOf(page, 'data-testid workflow-detail-graph-successRate');
    expect(rate.points).toBeGreaterThan(20);
    await page.locator(`${tid('data-testid workflow-detail-graph-duration')} [data-testid^="data-testid VizLegend series "]`).first().waitFor();
    expect((await graphOf(page, 'data-testid workflow-detail-graph-duration')).legend).toEqual(['p50', 'p95', 'p99']);
    const steps = await graphOf(page, 'data-testid workflow-detail-graph-steps');
    expect(steps.bars).toBe(3);
    expect(await page.locator(`${tid('data-testid workflow-detail-graph-steps')}`).innerText()).toMatch(/upload \(p50 \d+ ms\)/);
    const timeline = await graphOf(page, 'data-testid workflow-detail-graph-timeline');
    expect(timeline.points).toBe(240);
    // The graphs and the timeline; the executions table below them runs long.
    await screenshot(page, 'workflow-detail', false);
    await page.close();
    // partner-sync: a failed attempt and a retry per run, both transient; one step.
    const partnerPage = await session.open(`/a/${APP_ID}/workflows/partner-sync?from=now-1h&to=now`);
    await partnerPage.locator(`${tid('data-testid workflow-detail-graph-retriesByErrorType')}[data-bars]`).waitFor();
    await until(async () => (Number(await partnerPage.locator(tid('data-testid workflow-detail-graph-retriesByErrorType')).getAttribute('data-bars')) >= 1 ? true : undefined));
    expect(await partnerPage.locator(tid('data-testid workflow-detail-graph-retriesByErrorType')).innerText()).toContain('transient');
    expect(Number(await partnerPage.locator(tid('data-testid workflow-detail-graph-attemptsByErrorType')).getAttribute('data-bars'))).toBeGreaterThanOrEqual(1);
    expect(await partnerPage.locator(tid('data-testid workflow-detail-graph-retriesByErrorType')).innerText()).toMatch(/transient[\s\S]*3/);
    expect(Number(await partnerPage.locator(tid('data-testid workflow-detail-graph-steps')).getAttribute('data-bars'))).toBe(1);
    await partnerPage.close();
  });

  it('clicking an execution on the status timeline opens that execution, and the link keeps it open', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows/nightly-export?from=now-6h&to=now`);
    const items = page.locator('[data-testid^="data-testid workflow-detail-timeline-"]');
    await items.first().waitFor();
    const failed = page.locator('[data-testid^="data-testid workflow-detail-timeline-"][aria-label*=" failed "]').first();
    const testId = (await failed.getAttribute('data-testid'))!;
    const id = Number(testId.replace('data-testid workflow-detail-timeline-', ''));
    await failed.click({ force: true });
    const opened = page.locator(tid('data-testid workflow-detail-selected-execution'));
    await until(async () => ((await opened.innerText()).includes(`Execution #${id}`) ? true : undefined));
    expect(await opened.innerText()).toContain('upload timed out');
    expect(await opened.locator('tr').count()).toBeGreaterThan(3);
    expect(new URL(page.url()).searchParams.get('execution')).toBe(String(id));
    const shared = await session.open(new URL(page.url()).pathname + new URL(page.url()).search);
    await until(async () => ((await shared.locator(tid('data-testid workflow-detail-selected-execution')).innerText().catch(() => '')).includes(`Execution #${id}`) ? true : undefined));
    await shared.close();
    await page.close();
  });

  it('the time picker changes the range of every graph and the URL; a relative range stays relative', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows/nightly-export?from=now-1h&to=now`);
    await page.locator(tid('data-testid workflow-detail-graph-successRate')).waitFor();
    const seen = recordRequests(page);
    await page.locator(`${tid('data-testid page-controls-time-range')} [data-testid="data-testid TimePicker Open Button"]`).first().click();
    await page.getByText('Last 6 hours', { exact: true }).click();
    await until(async () => (new URL(page.url()).searchParams.get('from') === 'now-6h' ? true : undefined));
    expect(new URL(page.url()).searchParams.get('to')).toBe('now');
    await until(async () => (seen.queries.length >= 1 && seen.lists.length >= 2 ? true : undefined));
    seen.stop();
    // Every graph reads the query API or the executions list: each request now spans six hours.
    for (const query of seen.queries) {
      expect(Math.round((query.to - query.from) / 60_000)).toBe(360);
    }
    expect(seen.queries.flatMap((q) => q.targets.map((t) => t.refId))).toEqual(expect.arrayContaining(['uptime', 'successRate', 'p95Series', 'attemptsByType', 'stepP95']));
    for (const list of seen.lists) {
      expect(Date.parse(list.searchParams.get('to')!) - Date.parse(list.searchParams.get('from')!)).toBe(6 * HOUR);
    }
    // The timeline went from the last hour's runs to all 240 of the six hours.
    await until(async () => (Number(await page.locator(tid('data-testid workflow-detail-graph-timeline')).getAttribute('data-points')) === 240 ? true : undefined));
    // The overview follows the same picker: its queries and figures change with the URL.
    const overview = await session.open(`/a/${APP_ID}/overview?from=now-1h&to=now`);
    await overview.locator(tid('data-testid overview-graph-status')).waitFor();
    const overviewSeen = recordRequests(overview);
    await overview.locator(`${tid('data-testid page-controls-time-range')} [data-testid="data-testid TimePicker Open Button"]`).first().click();
    await overview.getByText('Last 24 hours', { exact: true }).click();
    await until(async () => (overviewSeen.queries.length >= 2 ? true : undefined));
    overviewSeen.stop();
    expect(new URL(overview.url()).searchParams.get('from')).toBe('now-24h');
    for (const query of overviewSeen.queries) {
      expect(Math.round((query.to - query.from) / 60_000)).toBe(24 * 60);
    }
    await overview.close();
    await page.close();
  });

  it('auto-refresh from the URL reloads the graphs every N seconds with the range moved to now', async () => {
    const page = await session.open(`/a/${APP_ID}/overview?from=now-1h&to=now&refresh=5s`);
    await page.locator(tid('data-testid overview-graph-status')).waitFor();
    const seen = recordRequests(page);
    await until(async () => (seen.queries.length >= 4 ? true : undefined), 60_000);
    seen.stop();
    expect(seen.queries[seen.queries.length - 1]!.to).toBeGreaterThan(seen.queries[0]!.to);
    expect(new URL(page.url()).searchParams.get('refresh')).toBe('5s');
    expect(await page.locator(tid('data-testid page-controls-refresh')).innerText()).toContain('5s');
    await page.close();
  });

  it('the data source picker switches every page between the two sidecars, and a shared link opens the picked one', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows?from=now-6h&to=now`);
    await page.locator(tid('data-testid workflow-row-checkout')).waitFor();
    await page.locator('#wm-datasource-picker').click();
    await page.getByText('Workflow Monitor staging', { exact: true }).click();
    await page.locator(tid('data-testid workflow-row-staging-payments')).waitFor();
    expect(await page.locator(tid('data-testid workflow-row-checkout')).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('var-datasource')).toBe(STAGING_UID);
    // The row's sparkline comes from the one success-rate query of the page, grouped by workflow.
    await until(async () => (Number(await page.locator(tid('data-testid workflow-sparkline-staging-payments')).getAttribute('data-points')) > 0 ? true : undefined));
    expect(await page.locator(`${tid('data-testid workflow-sparkline-staging-payments')} canvas`).count()).toBeGreaterThan(0);
    // The link to the workflow keeps the range and the data source.
    await page.getByRole('link', { name: 'staging-payments (pushed)' }).click();
    await page.locator(tid('data-testid workflow-detail-figure-uptime')).waitFor();
    const detailUrl = new URL(page.url());
    expect(detailUrl.pathname).toBe(`/a/${APP_ID}/workflows/staging-payments`);
    expect(detailUrl.searchParams.get('var-datasource')).toBe(STAGING_UID);
    expect(detailUrl.searchParams.get('from')).toBe('now-6h');
    await until(async () => (Number(await page.locator(tid('data-testid workflow-detail-graph-timeline')).getAttribute('data-points')) === 30 ? true : undefined));
    await page.close();
    const shared = await session.open(`/a/${APP_ID}/overview?from=now-6h&to=now&var-datasource=${STAGING_UID}`);
    await until(async () => ((await shared.locator(tid('data-testid overview-figure-executions')).innerText().catch(() => '')).includes('30') ? true : undefined));
    expect(await shared.locator(tid('data-testid page-controls-datasource')).innerText()).toContain('Workflow Monitor staging');
    await shared.close();
  });

  it('the workflows list loads every row with one query for the range, whatever the number of rows', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows?from=now-6h&to=now`);
    const seen = recordRequests(page);
    await page.locator(tid('data-testid workflow-row-nightly-export')).waitFor();
    await until(async () => (Number(await page.locator(tid('data-testid workflow-sparkline-nightly-export')).getAttribute('data-points')) > 5 ? true : undefined));
    seen.stop();
    expect(seen.queries.length).toBeLessThanOrEqual(1);
    const rows = await page.locator('[data-testid^="data-testid workflow-row-"]').count();
    expect(rows).toBeGreaterThanOrEqual(6);
    expect(await page.locator('[data-testid^="data-testid workflow-sparkline-"] canvas').count()).toBeGreaterThanOrEqual(5);
    await page.close();
  });

  it('nothing logged an error in the browser console', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
