import { startReceiver, type ReceiverServer } from '../../backend-sidecar/test/support/receiverServer';
import { startBrowserSession, type BrowserSession } from './browserSession';
import { APP_ID } from './harness/server';

/**
 * The link a notification carries opens that alert in the app: a real sidecar with GRAFANA_URL set
 * delivers a real webhook, and the path of its `alertUrl` is opened in Chromium against the built
 * plugin. `npm run build` first.
 */
const GRAFANA_URL = 'https://grafana.example.test/ops';
let session: BrowserSession;
let receiver: ReceiverServer;
let alertId: number;
let alertPath: string;
const tid = (id: string) => `[data-testid="${id}"]`;

/** Polls until `check` gives a value; the deadline only bounds a hang (a loaded machine is slow). */
async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
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
  receiver = await startReceiver();
  session = await startBrowserSession({ env: { GRAFANA_URL, NOTIFY_POLL_INTERVAL: '200ms' } });
  const created = await Promise.all([
    session.api('/api/v1/channels', { method: 'POST', json: { id: 'link-hook', name: 'Link hook', type: 'webhook', config: { url: `${receiver.url}/hook` } } }),
    session.api('/api/v1/workflows', { method: 'POST', json: { id: 'link-push', name: 'Linked push job', schedule: { push: { expected: '1h' } } } }),
  ]);
  expect(created.map((r) => r.status)).toEqual([201, 201]);
  const rule = await session.api('/api/v1/rules', {
    method: 'POST',
    json: { id: 'link-down', name: 'Linked job down', severity: 'error', scope: { workflowIds: ['link-push'] }, condition: { type: 'consecutive_failures', count: 1 }, channels: ['link-hook'] },
  });
  expect(rule.status).toBe(201);
  expect((await session.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'link-push', status: 'failed', durationMs: 20, errorMessage: 'exit code 3' } })).status).toBe(201);
  const [hook] = await until(() => (receiver.on('/hook', (j) => j?.kind === 'firing').length > 0 ? receiver.on('/hook', (j) => j?.kind === 'firing') : undefined));
  alertId = hook!.json.alert.id;
  const alertUrl: string = hook!.json.alertUrl;
  expect(alertUrl).toBe(`${GRAFANA_URL}/a/${APP_ID}/alerts/${alertId}`);
  // What follows GRAFANA_URL is the app's own path: the harness plays Grafana at its root.
  alertPath = alertUrl.slice(GRAFANA_URL.length);
}, 240_000);

afterAll(async () => {
  await session?.close();
  await receiver?.close();
});

describe('a notification\'s link opens its alert in the app', () => {
  it('the alertUrl of a delivered webhook opens that open alert: title, state, workflow and its history', async () => {
    const page = await session.open(alertPath);
    await page.locator(tid('data-testid alert-detail-title')).waitFor({ timeout: 60_000 });
    expect(await page.locator(tid('data-testid alert-detail-title')).innerText()).toContain('Linked job down');
    const text = await page.locator(tid('data-testid alert-detail')).innerText();
    expect(text).toContain('exit code 3');
    expect(text).toContain('active');
    expect(await page.locator(tid('data-testid alert-detail-workflow')).getAttribute('href')).toBe(`/a/${APP_ID}/workflows/link-push`);
    // The notification row is written with the alert, so the webhook that carried the link is in its history.
    expect(await page.locator(tid('data-testid alert-timeline')).innerText()).toContain('notification firing → link-hook');
    await page.close();
  });

  it('a Viewer sees it read-only', async () => {
    session.harness.setRole('Viewer');
    try {
      const page = await session.open(alertPath);
      await page.locator(tid('data-testid alert-detail-title')).waitFor({ timeout: 60_000 });
      expect(await page.locator('[data-testid^="data-testid alert-detail-acknowledge"], [data-testid^="data-testid alert-detail-resolve"]').count()).toBe(0);
      await page.close();
    } finally {
      session.harness.setRole('Editor');
    }
  });

  it('an Editor acknowledges it there with a comment, and the sidecar records who', async () => {
    const page = await session.open(alertPath);
    await page.locator(tid('data-testid alert-detail-acknowledge')).click({ timeout: 60_000 });
    await page.locator(tid('data-testid alert-detail-comment')).fill('on it, from the link in the webhook');
    await page.locator(tid('data-testid alert-detail-confirm')).click();
    await page.locator(tid('toast-alert-success')).waitFor({ timeout: 60_000 });
    await page.locator(tid('data-testid alert-detail-unacknowledge')).waitFor({ timeout: 60_000 });
    const { body } = await session.api(`/api/v1/alerts/${alertId}`);
    expect(body.state).toBe('acknowledged');
    expect(body.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'acknowledged', comment: 'on it, from the link in the webhook' })]));
    await page.close();
  });

  it('the Alerts list links each alert to its page', async () => {
    const page = await session.open(`/a/${APP_ID}/alerts`);
    const link = page.locator(tid(`data-testid alert-open-${alertId}`));
    await link.click({ timeout: 60_000 });
    await page.locator(tid('data-testid alert-detail-title')).waitFor({ timeout: 60_000 });
    expect(new URL(page.url()).pathname).toBe(`/a/${APP_ID}/alerts/${alertId}`);
    await page.close();
  });

  it('an id the sidecar does not hold shows "not found", and nothing else went wrong in any page', async () => {
    const missing = alertId + 100_000;
    const page = await session.open(`/a/${APP_ID}/alerts/${missing}`);
    await page.locator(tid('data-testid alert-detail-not-found')).waitFor({ timeout: 60_000 });
    expect(await page.locator(tid('data-testid alert-detail-not-found')).innerText()).toContain(`Alert "${missing}" not found`);
    await page.close();
    // The sidecar's 404 for that id is the one expected failed request.
    expect(session.consoleErrors.filter((e) => !e.includes(`/api/v1/alerts/${missing}`))).toEqual([]);
  });
});
