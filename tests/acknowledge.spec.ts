import { expect, test } from './fixtures';
import { ROUTES } from '../src/constants';
import { testIds } from '../src/components/testIds';

const SIDECAR_URL = process.env.SIDECAR_URL ?? 'http://localhost:8080';
const TOKEN = process.env.SIDECAR_API_TOKEN ?? '';

async function sidecar(path: string, method = 'GET', json?: unknown) {
  const response = await fetch(`${SIDECAR_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

test('an operator acknowledges an alert in Grafana and the sidecar records who and why', async ({ gotoPage, page }) => {
  test.skip(!TOKEN, 'set SIDECAR_API_TOKEN (and SIDECAR_URL) to the stack\'s values');
  const id = `e2e-${Date.now()}`;
  await sidecar('/api/v1/workflows', 'POST', { id, name: id, schedule: { push: { expected: '1h' } } });
  await sidecar('/api/v1/rules', 'POST', { id: `${id}-down`, name: `${id} down`, severity: 'error', scope: { workflowIds: [id] }, condition: { type: 'consecutive_failures', count: 1 } });
  await sidecar('/api/v1/executions', 'POST', { workflowId: id, status: 'failed', durationMs: 10 });
  await expect.poll(async () => (await sidecar(`/api/v1/alerts?workflowId=${id}`)).body.alerts.length).toBe(1);
  const alertId = (await sidecar(`/api/v1/alerts?workflowId=${id}`)).body.alerts[0].id as number;

  await gotoPage(`/${ROUTES.Alerts}`);
  await page.getByTestId(testIds.alerts.action('acknowledge', alertId)).click();
  await page.getByTestId(testIds.alerts.comment).fill('e2e acknowledgement');
  await page.getByTestId(testIds.alerts.confirm).click();
  await expect.poll(async () => (await sidecar(`/api/v1/alerts/${alertId}`)).body.state).toBe('acknowledged');
  const alert = (await sidecar(`/api/v1/alerts/${alertId}`)).body;
  expect(alert.acknowledgedBy).toBe('admin');
  expect(alert.events.some((e: { comment: string }) => e.comment === 'e2e acknowledgement')).toBe(true);
});
