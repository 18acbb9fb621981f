import path from 'node:path';
import type { Page } from 'playwright-core';
import { startBrowserSession, type BrowserSession } from './browserSession';
import { APP_ID } from './harness/server';
import { startReceiver } from '../../backend-sidecar/test/support/receiverServer';

/**
 * The built plugin (dist/) in headless Chromium, loaded the way Grafana loads it, against a real
 * sidecar with the demo workflows and the flaky demo service. `npm run build` first.
 */
let session: BrowserSession;
const tid = (id: string) => `[data-testid="${id}"]`;

/** Polls until `check` gives a value; the deadline only bounds a hang (a loaded machine is slow). */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
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

/** `npm run screenshots` sets SCREENSHOTS=1: the README's images come from these pages. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) {
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.resolve(__dirname, '../../docs/img', `${name}.png`), fullPage: true });
  }
}

beforeAll(async () => {
  session = await startBrowserSession();
  // Let the demo workflows produce some executions.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await session.api('/api/monitoring/metrics?period=1h');
    if (body?.data?.summary?.totalExecutions >= 3 || Date.now() > deadline) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}, 180_000);

afterAll(async () => {
  await session?.close();
});

describe('the plugin in a browser, against a real sidecar', () => {
  it('the overview shows the figures the sidecar reports', async () => {
    const { body } = await session.api('/api/monitoring/metrics?period=24h&details=false');
    const page = await session.open(`/a/${APP_ID}/overview`);
    const summary = page.locator(tid('data-testid overview-summary'));
    await summary.waitFor({ timeout: 60_000 });
    const text = await summary.innerText();
    expect(text).toContain('Executions');
    expect(text).toContain(String(body.data.summary.activeWorkflows));
    expect(text).toMatch(/healthy|degraded/);
    await page.close();
  });

  it('the workflows page lists the demo workflows', async () => {
    const page = await session.open(`/a/${APP_ID}/workflows`);
    for (const id of ['checkout', 'inventory', 'search', 'flaky-api', 'health']) {
      await page.locator(tid(`data-testid workflow-row-${id}`)).waitFor({ timeout: 60_000 });
    }
    await screenshot(page, 'workflows');
    await page.close();
  });

  it("the detail page drills into an execution's attempts", async () => {
    // The page reads executions once when it opens: wait until the demo workflow has one (slow on a loaded machine).
    await until(async () => ((await session.api('/api/v1/workflows/inventory/executions')).body.executions?.length > 0 ? true : undefined), 120_000);
    const page = await session.open(`/a/${APP_ID}/workflows/inventory`);
    const first = page.locator('[data-testid^="data-testid execution-"]').first();
    await first.waitFor({ timeout: 60_000 });
    await first.locator('button').first().click();
    const attempts = page.locator(tid('data-testid execution-attempts'));
    await attempts.waitFor({ timeout: 60_000 });
    expect(await attempts.innerText()).toMatch(/Attempt[\s\S]*Waited before/);
    await page.close();
  });

  it('on the alerts page a user acknowledges an alert with a comment, and the sidecar then shows it acknowledged by that user', async () => {
    expect((await session.api('/api/v1/workflows', { method: 'POST', json: { id: 'browser-push', name: 'Browser push', schedule: { push: { expected: '1h' } } } })).status).toBe(201);
    expect((await session.api('/api/v1/rules', { method: 'POST', json: { id: 'browser-down', name: 'Browser workflow down', severity: 'critical', scope: { workflowIds: ['browser-push'] }, condition: { type: 'consecutive_failures', count: 1 } } })).status).toBe(201);
    expect((await session.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'browser-push', status: 'failed', durationMs: 20, errorMessage: 'HTTP 503' } })).status).toBe(201);
    let alertId: number | undefined;
    for (const deadline = Date.now() + 60_000; alertId === undefined && Date.now() < deadline; ) {
      const { body } = await session.api('/api/v1/alerts?workflowId=browser-push&state=active');
      alertId = body.alerts[0]?.id;
      if (alertId === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    expect(alertId).toBeDefined();
    const page = await session.open(`/a/${APP_ID}/alerts`);
    await page.locator(tid(`data-testid alert-acknowledge-${alertId}`)).click({ timeout: 60_000 });
    await page.locator(tid('data-testid alert-comment')).fill('checking the upstream from the browser');
    await page.locator(tid('data-testid alert-confirm')).click();
    await page.locator(tid('toast-alert-success')).waitFor({ timeout: 60_000 });
    const { body: alert } = await session.api(`/api/v1/alerts/${alertId}`);
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ops-alice' });
    expect(alert.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'acknowledged', user: 'ops-alice', comment: 'checking the upstream from the browser' })]));
    // The list refreshed: the alert now offers unacknowledge instead.
    await page.locator(tid(`data-testid alert-unacknowledge-${alertId}`)).waitFor({ timeout: 60_000 });
    await page.getByText('Browser workflow down: Browser push').first().click();
    await page.locator(tid('data-testid alert-timeline')).waitFor({ timeout: 60_000 });
    await screenshot(page, 'alerts');
    await page.close();
  });

  it('a Viewer sees the alerts page without action buttons', async () => {
    session.harness.setRole('Viewer');
    try {
      const page = await session.open(`/a/${APP_ID}/alerts?`);
      await page.locator('[data-testid^="data-testid alert-row-"]').first().waitFor({ timeout: 60_000 });
      expect(await page.locator('[data-testid^="data-testid alert-acknowledge-"]').count()).toBe(0);
      await page.close();
    } finally {
      session.harness.setRole('Editor');
    }
  });

  it('the trend panel renders a value and a direction from a real query', async () => {
    const targets = encodeURIComponent(JSON.stringify([{ refId: 'A', metric: 'executions' }]));
    const options = encodeURIComponent(JSON.stringify({ higherIsBetter: true, stablePercent: 2, reducer: 'mean', showSparkline: true }));
    const page = await session.open(`/harness/panel?panel=trend&targets=${targets}&options=${options}&rangeMs=600000`);
    const direction = page.locator(tid('data-testid trend-direction'));
    await direction.waitFor({ timeout: 60_000 });
    expect(await direction.innerText()).toMatch(/improving|stable|degrading/);
    expect(await page.locator(tid('data-testid trend-value')).innerText()).toMatch(/\d/);
    await screenshot(page, 'trend-panel');
    await page.close();
  });

  it('the query editor loads the workflows from the variables endpoint', async () => {
    const page = await session.open('/harness/query-editor');
    await page.locator(tid('data-testid qe-labels')).fill('team=payments');
    await page.locator(tid('data-testid qe-labels')).blur();
    await page.waitForFunction(() => document.querySelector('[data-testid="query-json"]')?.textContent?.includes('payments'), undefined, { timeout: 60_000 });
    await page.close();
  });

  it('a user writes a two-step workflow in the editor, tests it, saves it, and its detail page shows the schedule and its first scheduled execution', async () => {
    // The workflow's target: a loopback server answering 200 to every path (loopback is not in TARGET_DENYLIST).
    const target = await startReceiver();
    try {
      const page = await session.open(`/a/${APP_ID}/workflows/new`);
      await page.locator(tid('data-testid wfe-name')).fill('Browser two steps');
      await page.locator(tid('data-testid wfe-id')).fill('browser-two-steps');
      await page.locator(tid('data-testid wfe-every')).fill('10s');
      // A new draft starts with one GET step asserting `status == 200`; "Add step" adds another like it.
      await page.locator(tid('data-testid wfe-step-0-name')).fill('login');
      await page.locator(tid('data-testid wfe-step-0-url')).fill(`${target.url}/login`);
      await page.locator(tid('data-testid wfe-add-step')).click();
      await page.locator(tid('data-testid wfe-step-1-name')).fill('health');
      await page.locator(tid('data-testid wfe-step-1-url')).fill(`${target.url}/health`);

      await page.locator(tid('data-testid wfe-test')).click();
      const attempts = page.locator(tid('data-testid wfe-test-attempts'));
      await attempts.waitFor();
      const shown = await page.locator(tid('data-testid wfe-test-result')).innerText();
      expect(shown).toMatch(/success/);
      expect(shown).toContain('nothing was stored');
      const table = await attempts.innerText();
      expect(table).toMatch(/login[\s\S]*health/);
      expect(table).toMatch(/Attempt[\s\S]*Waited before/);
      // The dry run reached the target once per step; nothing was saved.
      expect(target.on('/login')).toHaveLength(1);
      expect(target.on('/health')).toHaveLength(1);
      await screenshot(page, 'workflow-editor');

      await page.locator(tid('data-testid wfe-save')).click();
      // Saving opens the detail page, which names the schedule.
      await page.waitForFunction(
        () => /every 10s/.test(document.querySelector('[data-testid="data-testid workflow-detail-summary"]')?.textContent ?? ''),
        undefined,
        { timeout: 60_000 }
      );
      expect(page.url()).toContain(`/a/${APP_ID}/workflows/browser-two-steps`);
      const { body: stored } = await session.api('/api/v1/workflows/browser-two-steps');
      expect(stored).toMatchObject({ source: 'api', enabled: true, schedule: { every: '10s' } });
      expect(stored.definition.steps.map((step: { name: string }) => step.name)).toEqual(['login', 'health']);
      expect(stored.nextRunAt).toEqual(expect.any(String));

      // The scheduler runs it: wait for the first stored execution, then the page shows it after a refresh.
      let executionId: number | undefined;
      const deadline = Date.now() + 90_000;
      while (executionId === undefined && Date.now() < deadline) {
        const { body } = await session.api('/api/v1/workflows/browser-two-steps/executions');
        executionId = body.executions?.[0]?.id;
        if (executionId === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      expect(executionId).toBeDefined();
      await page.locator(tid('data-testid workflow-detail-refresh')).click();
      const row = page.locator(tid(`data-testid execution-${executionId}`));
      await row.waitFor();
      expect(await row.innerText()).toMatch(/schedule/);
      await page.close();
    } finally {
      await target.close();
    }
  });

  it('a user creates a webhook channel on the channels page and Send test shows the loopback receiver answered, which got the request', async () => {
    const receiver = await startReceiver();
    try {
      const page = await session.open(`/a/${APP_ID}/channels`);
      await page.locator(tid('data-testid channel-create')).click();
      const form = page.locator(tid('data-testid channel-form'));
      await form.getByRole('radio', { name: 'Webhook', exact: true }).check();
      await page.locator(tid('data-testid channel-field-id')).fill('browser-hook');
      await page.locator(tid('data-testid channel-field-name')).fill('Browser webhook');
      await page.locator(tid('data-testid channel-field-url')).fill(`${receiver.url}/hooks/browser`);
      await page.locator(tid('data-testid channel-save')).click();
      await page.locator(tid('data-testid channel-row-browser-hook')).waitFor();
      expect((await session.api('/api/v1/channels/browser-hook')).body).toMatchObject({ type: 'webhook', config: { url: `${receiver.url}/hooks/browser` } });

      await page.locator(tid('data-testid channel-test-browser-hook')).click();
      const result = page.locator(tid('data-testid channel-test-result-browser-hook'));
      await page.waitForFunction(
        () => /Delivered/.test(document.querySelector('[data-testid="data-testid channel-test-result-browser-hook"]')?.textContent ?? ''),
        undefined,
        { timeout: 60_000 }
      );
      expect(await result.innerText()).toMatch(/HTTP 200/);
      expect(receiver.on('/hooks/browser')).toHaveLength(1);
      await screenshot(page, 'channels');
      await page.close();
    } finally {
      await receiver.close();
    }
  });

  it('a user creates a silence on the silences page, its preview lists the open alert, and the sidecar then holds that alert suppressed', async () => {
    expect((await session.api('/api/v1/workflows', { method: 'POST', json: { id: 'browser-silenced', name: 'Browser silenced', schedule: { push: { expected: '1h' } } } })).status).toBe(201);
    // Severity info: the silence made below (matching info) then touches no demo alert.
    expect((await session.api('/api/v1/rules', { method: 'POST', json: { id: 'browser-silenced-down', name: 'Browser silenced down', severity: 'info', scope: { workflowIds: ['browser-silenced'] }, condition: { type: 'consecutive_failures', count: 1 } } })).status).toBe(201);
    expect((await session.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'browser-silenced', status: 'failed', durationMs: 20, errorMessage: 'HTTP 503' } })).status).toBe(201);
    const alertId = await until(async () => (await session.api('/api/v1/alerts?workflowId=browser-silenced&state=active')).body.alerts[0]?.id as number | undefined);

    const page = await session.open(`/a/${APP_ID}/silences`);
    await page.locator(tid('data-testid silence-create')).click();
    await page.locator(tid('data-testid silence-form')).waitFor();
    // @grafana/ui's Checkbox puts the test id on its visually hidden input; a user clicks the label around it.
    const infoBox = page.locator(tid('data-testid silence-severity-info'));
    await page.locator('label', { has: infoBox }).click();
    if (!(await infoBox.isChecked())) {
      await infoBox.dispatchEvent('click');
    }
    expect(await infoBox.isChecked()).toBe(true);
    await page.getByLabel('Comment').fill('maintenance from the browser');
    // The preview shows what the silence would hold now: our alert among the open ones.
    await page.locator(tid(`data-testid silence-preview-alert-${alertId}`)).waitFor();
    await page.locator(tid('data-testid silence-save')).click();

    const silence = await until(async () => ((await session.api('/api/v1/silences')).body.silences as Array<{ id: number; comment: string; createdBy: string; matchers: { severities?: string[] } }>).find((x) => x.comment === 'maintenance from the browser'));
    expect(silence).toMatchObject({ createdBy: 'ops-alice', matchers: { severities: ['info'] } });
    await page.locator(tid(`data-testid silence-row-${silence.id}`)).waitFor();
    const state = await until(async () => {
      const { body } = await session.api(`/api/v1/alerts/${alertId}`);
      return body.state === 'suppressed' ? body.state : undefined;
    });
    expect(state).toBe('suppressed');
    await page.close();
  });

  it('nothing logged an error in the browser console', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
