import path from 'node:path';
import type { Page } from 'playwright-core';
import { startReceiver, type ReceiverServer } from '../../backend-sidecar/test/support/receiverServer';
import { startBrowserSession, type BrowserSession } from './browserSession';
import { APP_ID } from './harness/server';

/**
 * Probe locations in headless Chromium: the built plugin against a real sidecar started with LOCATION=eu
 * and a workflow that lists eu and us. The Locations page shows eu with its live replica and us with none;
 * the workflow's page shows its newest run per location. `npm run build` first.
 */
let session: BrowserSession;
let target: ReceiverServer;
const WORKFLOW = 'geo-checkout';
const RUNS = 3;
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

beforeAll(async () => {
  target = await startReceiver();
  session = await startBrowserSession({ env: { LOCATION: 'eu' } });
  const created = await session.api('/api/v1/workflows', {
    method: 'POST',
    json: { id: WORKFLOW, name: 'Checkout (eu, us)', schedule: { every: '1h' }, locations: ['eu', 'us'], steps: [{ name: 'home', request: { url: `${target.url}/` }, assert: ['status == 200'] }] },
  });
  expect(created.status).toBe(201);
  // Runs are started by hand, in eu only: no replica of us exists to pick up its runs.
  for (let run = 1; run <= RUNS; run += 1) {
    expect((await session.api(`/api/v1/workflows/${WORKFLOW}/run?location=eu`, { method: 'POST' })).status).toBe(202);
    await until(async () => ((await session.api(`/api/v1/workflows/${WORKFLOW}/executions?location=eu`)).body.executions?.length >= run ? true : undefined), 180_000);
  }
}, 600_000);

afterAll(async () => {
  await session?.close();
  await target?.close();
});

describe('probe locations in a browser, against a real sidecar in location eu', () => {
  it('lists eu with its live replica and us, which a workflow lists, as having none', async () => {
    const { body: listed } = await session.api('/api/v1/locations');
    expect(listed.location).toBe('eu');
    const page = await session.open(`/a/${APP_ID}/locations?from=now-1h&to=now`);
    const eu = page.locator(tid('data-testid location-eu'));
    await eu.waitFor();
    expect(await eu.innerText()).toContain('1 live');
    const replica = page.locator(tid(`data-testid replica-${listed.replicaId}`));
    await replica.waitFor();
    expect(await replica.innerText()).toContain(listed.replicaId);
    const us = page.locator(tid('data-testid location-us'));
    expect(await us.innerText()).toContain('no live replica');
    // Both list the workflow; only eu has run it.
    expect((await eu.locator('td').nth(3).innerText()).trim()).toBe('1');
    expect((await us.locator('td').nth(3).innerText()).trim()).toBe('1');
    await until(async () => (Number((await eu.locator('td').last().innerText()).trim()) > 0 ? true : undefined));
    expect(Number((await us.locator('td').last().innerText()).trim())).toBe(0);
    const graph = page.locator(tid('data-testid locations-runs-graph'));
    await until(async () => (Number(await graph.getAttribute('data-points')) > 0 ? true : undefined));
    await graph.locator('[data-testid="data-testid VizLegend series eu"]').waitFor();
    await graph.locator('canvas').first().waitFor();
    await screenshot(page, 'locations');
    await page.close();
  });

  it("shows the workflow's newest run in eu and none yet in us on its page, with graphs split by location", async () => {
    const page = await session.open(`/a/${APP_ID}/workflows/${WORKFLOW}?from=now-1h&to=now`);
    const eu = page.locator(tid('data-testid workflow-location-latest-eu'));
    await until(async () => ((await eu.innerText()).includes('success') ? true : undefined));
    expect(await page.locator(tid('data-testid workflow-location-latest-us')).innerText()).toContain('not run here yet');
    const successRate = page.locator(tid('data-testid workflow-locations-graph-successRate'));
    await until(async () => (Number(await successRate.getAttribute('data-points')) > 0 ? true : undefined));
    expect(await successRate.getAttribute('data-series')).toBe('1');
    await successRate.locator('[data-testid="data-testid VizLegend series eu"]').waitFor();
    // The page's own graphs are drawn beside the location section.
    await page.locator(tid('data-testid workflow-detail-graph-successRate')).locator('canvas').first().waitFor();
    expect(session.consoleErrors).toEqual([]);
    await page.close();
  });
});
