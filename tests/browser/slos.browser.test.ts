import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startBrowserSession, type BrowserSession } from './browserSession';
import { APP_ID } from './harness/server';

/**
 * The SLOs page and the SLA report download in headless Chromium: the built plugin against a real
 * sidecar where a pushed workflow declares an SLO and has history. `npm run build` first.
 */
let session: BrowserSession;
const WORKFLOW = 'slo-payments';
const tid = (id: string) => `[data-testid="${id}"]`;

async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) {
    await page.waitForTimeout(500);
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

beforeAll(async () => {
  session = await startBrowserSession();
  const created = await session.api('/api/v1/workflows', {
    method: 'POST',
    json: { id: WORKFLOW, name: 'Payments (pushed)', schedule: { push: { expected: '1h' } }, slo: { objective: 99, window: '1d' } },
  });
  expect(created.status).toBe(201);
  // 18 good and 2 failed runs over the last three hours: SLI 90 %, the budget overspent.
  const now = Date.now();
  for (let i = 0; i < 20; i += 1) {
    const status = i % 10 === 3 ? 'failed' : 'success';
    const pushed = await session.api('/api/v1/executions', {
      method: 'POST',
      json: {
        workflowId: WORKFLOW,
        status,
        startedAt: new Date(now - 120_000 - i * 9 * 60_000).toISOString(),
        durationMs: 200 + i * 10,
        ...(status === 'failed' ? { errorType: 'permanent', errorMessage: 'payment API answered 503' } : {}),
      },
    });
    expect(pushed.status).toBeLessThan(300);
  }
  await until(async () => {
    const { body } = await session.api(`/api/v1/workflows/${WORKFLOW}/slo`);
    return typeof body?.sli === 'number' ? true : undefined;
  });
}, 240_000);

afterAll(async () => {
  await session?.close();
});

describe('the SLOs page in a browser, against a real sidecar', () => {
  it('shows the SLI, the budget gauge and the graphs of a workflow that declares an SLO', async () => {
    const { body: slo } = await session.api(`/api/v1/workflows/${WORKFLOW}/slo`);
    const page = await session.open(`/a/${APP_ID}/slos?from=now-6h&to=now`);
    const card = page.locator(tid(`data-testid slo-${WORKFLOW}`));
    await card.waitFor();
    expect(await card.innerText()).toContain('99 %');
    const sli = await page.locator(tid(`data-testid slo-sli-${WORKFLOW}`)).innerText();
    expect(sli).toContain(`${slo.sli.toFixed(1)}`);
    const gauge = page.locator(tid(`data-testid slo-budget-${WORKFLOW}`));
    expect(Number(await gauge.getAttribute('data-value'))).toBeCloseTo(slo.errorBudgetRemaining, 6);
    // @grafana/ui's BarGauge drew its value.
    await gauge.locator('[data-testid="data-testid Bar gauge value"]').waitFor();
    const budgetGraph = page.locator(tid(`data-testid slo-budget-graph-${WORKFLOW}`));
    await until(async () => (Number(await budgetGraph.getAttribute('data-points')) > 0 ? true : undefined));
    await budgetGraph.locator('canvas').first().waitFor();
    await screenshot(page, 'slos');
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
    expect(rows.slice(1).some((row) => row.includes(WORKFLOW))).toBe(true);

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
