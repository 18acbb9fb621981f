import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startBrowserSession, type BrowserSession } from './browserSession';
import { pct } from '../../src/utils/format';
import { APP_ID } from './harness/server';

/**
 * The SLOs page and the SLA report download in headless Chromium: the built plugin against a real
 * sidecar where two pushed workflows declare SLOs and have history, one within its budget and one
 * burning it. `npm run build` first.
 */
let session: BrowserSession;
/** 2 failed runs of 20 against 99 %: SLI 90 %, the budget overspent. */
const BURNING = 'slo-payments';
/** 1 failed run of 60 against 95 %: SLI 98.3 %, two thirds of the budget left. */
const HEALTHY = 'slo-search';
const tid = (id: string) => `[data-testid="${id}"]`;

/** `npm run screenshots` sets SCREENSHOTS=1: the README's images come from these pages. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) {
    await page.screenshot({ path: path.resolve(__dirname, '../../docs/img', `${name}.png`), fullPage: true });
  }
}

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

/** A push workflow with an SLO and `runs` executions every few minutes up to now, `failedEvery`-th of them failed. */
async function pushWithSlo(id: string, name: string, objective: number, runs: number, failedEvery: number): Promise<void> {
  const created = await session.api('/api/v1/workflows', {
    method: 'POST',
    json: { id, name, schedule: { push: { expected: '1h' } }, slo: { objective, window: '1d' } },
  });
  expect(created.status).toBe(201);
  const now = Date.now();
  // Spread over the last three hours, the newest two minutes ago.
  const spacing = Math.floor((3 * 3_600_000) / runs);
  for (let i = 0; i < runs; i += 1) {
    const status = i % failedEvery === 3 ? 'failed' : 'success';
    const pushed = await session.api('/api/v1/executions', {
      method: 'POST',
      json: {
        workflowId: id,
        status,
        startedAt: new Date(now - 120_000 - i * spacing).toISOString(),
        durationMs: 200 + i * 10,
        ...(status === 'failed' ? { errorType: 'permanent', errorMessage: 'upstream answered 503' } : {}),
      },
    });
    expect(pushed.status).toBeLessThan(300);
  }
}

beforeAll(async () => {
  session = await startBrowserSession();
  await pushWithSlo(BURNING, 'Payments (pushed)', 99, 20, 10);
  await pushWithSlo(HEALTHY, 'Search (pushed)', 95, 60, 60);
  for (const id of [BURNING, HEALTHY]) {
    await until(async () => {
      const { body } = await session.api(`/api/v1/workflows/${id}/slo`);
      return typeof body?.sli === 'number' ? true : undefined;
    });
  }
}, 240_000);

afterAll(async () => {
  await session?.close();
});

describe('the SLOs page in a browser, against a real sidecar', () => {
  it('lists the SLOs worst budget first with names, and queries and draws the graphs of the expanded row only', async () => {
    const page = await session.open(`/a/${APP_ID}/slos?from=now-6h&to=now`);
    const queries: Array<{ targets: Array<{ metric: string; workflowIds?: string[] }> }> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/query')) {
        queries.push(request.postDataJSON());
      }
    });
    const names = { [BURNING]: 'Payments (pushed)', [HEALTHY]: 'Search (pushed)' };
    const remaining: Record<string, number> = {};
    for (const [id, objective] of [[BURNING, '99 %'], [HEALTHY, '95 %']] as const) {
      const { body: slo } = await session.api(`/api/v1/workflows/${id}/slo`);
      const row = page.locator(tid(`data-testid slo-${id}`));
      await row.waitFor();
      expect(await row.innerText()).toContain(`${objective} over 1d`);
      expect(await page.locator(tid(`data-testid slo-sli-${id}`)).innerText()).toContain(pct(slo.sli));
      const link = page.locator(tid(`data-testid slo-name-${id}`)).getByRole('link');
      await until(async () => ((await link.innerText()) === names[id] ? true : undefined));
      expect(await link.getAttribute('href')).toBe(`/a/${APP_ID}/workflows/${id}?from=now-6h&to=now`);
      expect(await page.locator(tid(`data-testid slo-name-${id}`)).innerText()).toContain(id);
      remaining[id] = Number(await page.locator(tid(`data-testid slo-budget-bar-${id}`)).getAttribute('data-value'));
      expect(remaining[id]).toBeCloseTo(slo.errorBudgetRemaining, 6);
    }
    expect(remaining[HEALTHY]).toBeGreaterThan(50);
    expect(remaining[BURNING]).toBeLessThan(0);
    // Worst budget first: the overspent workflow leads.
    const order = await page.locator('tbody tr[data-testid^="data-testid slo-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(order.indexOf(`data-testid slo-${BURNING}`)).toBeLessThan(order.indexOf(`data-testid slo-${HEALTHY}`));
    expect(await page.locator(tid(`data-testid slo-sli-${HEALTHY}`)).innerText()).toContain('meets the objective');
    expect(await page.locator(tid(`data-testid slo-sli-${BURNING}`)).innerText()).toContain('below the objective');
    expect(await page.locator(tid(`data-testid slo-exhaustion-${BURNING}`)).innerText()).toContain('exhausted');
    expect(await page.locator(tid(`data-testid slo-budget-bar-${BURNING}`)).innerText()).toContain('overspent');
    expect(queries).toEqual([]);

    await page.locator(tid(`data-testid slo-expand-${BURNING}`)).click();
    const gauge = page.locator(tid(`data-testid slo-budget-${BURNING}`));
    // @grafana/ui's BarGauge drew its value; an overspent budget says how much was used.
    await gauge.locator('[data-testid="data-testid Bar gauge value"]').waitFor();
    const used = await page.locator(tid(`data-testid slo-budget-used-${BURNING}`)).innerText();
    expect(used).toBe(`overspent: ${pct(Math.round((100 - remaining[BURNING]!) * 10) / 10)} of the budget used`);
    const tiles = [];
    for (const graph of [`data-testid slo-burn-graph-${BURNING}`, `data-testid slo-budget-graph-${BURNING}`]) {
      const container = page.locator(tid(graph));
      await until(async () => (Number(await container.getAttribute('data-points')) > 0 ? true : undefined));
      await container.locator('canvas').first().waitFor();
      tiles.push((await container.boundingBox())!);
    }
    // The two graphs share one row and fill the detail's width (no empty third column).
    const detail = (await page.locator(tid(`data-testid slo-detail-${BURNING}`)).locator('td').first().boundingBox())!;
    expect(Math.abs(tiles[0]!.y - tiles[1]!.y)).toBeLessThan(2);
    expect(tiles[1]!.x + tiles[1]!.width).toBeGreaterThan(detail.x + detail.width - 40);
    expect(tiles[0]!.width + tiles[1]!.width).toBeGreaterThan(detail.width * 0.9);
    expect(queries.map((q) => q.targets.map((t) => [t.metric, t.workflowIds]))).toEqual([
      [
        ['burn_rate', [BURNING]],
        ['error_budget_remaining', [BURNING]],
      ],
    ]);
    expect(await page.locator(tid(`data-testid slo-detail-${HEALTHY}`)).count()).toBe(0);
    await screenshot(page, 'slos');

    await page.locator(tid('data-testid slos-filter')).fill('search (');
    await until(async () => ((await page.locator(tid(`data-testid slo-${BURNING}`)).count()) === 0 ? true : undefined));
    expect(await page.locator(tid(`data-testid slo-${HEALTHY}`)).count()).toBe(1);
    await page.close();
  });

  it('downloads the SLA report as a CSV naming the workflow and as a PDF', async () => {
    const page = await session.open(`/a/${APP_ID}/slos?from=now-6h&to=now`);
    await page.locator(tid('data-testid report-download-csv')).waitFor();

    const [csvDownload, csvResponse] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForResponse((r) => r.url().includes('/api/v1/reports/sla') && r.url().includes('format=csv')),
      page.locator(tid('data-testid report-download-csv')).click(),
    ]);
    expect(csvResponse.headers()['content-type']).toMatch(/^text\/csv/);
    expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
    const csv = fs.readFileSync((await csvDownload.path())!, 'utf8');
    const rows = csv.trim().split(/\r?\n/);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.slice(1).some((row) => row.includes(BURNING))).toBe(true);
    expect(rows.slice(1).some((row) => row.includes(HEALTHY))).toBe(true);

    const [pdfDownload, pdfResponse] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForResponse((r) => r.url().includes('/api/v1/reports/sla') && r.url().includes('format=pdf')),
      page.locator(tid('data-testid report-download-pdf')).click(),
    ]);
    expect(pdfResponse.headers()['content-type']).toMatch(/^application\/pdf/);
    expect(pdfDownload.suggestedFilename()).toMatch(/\.pdf$/);
    const pdf = fs.readFileSync((await pdfDownload.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(session.consoleErrors).toEqual([]);
    await page.close();
  });
});
