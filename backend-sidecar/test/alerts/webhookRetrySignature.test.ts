import crypto from 'node:crypto';
import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startReceiver, type ReceivedRequest, type ReceiverServer } from '../support/receiverServer';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/**
 * docs/alerting.md tells webhook receivers to refuse a timestamp more than 5 minutes away from their
 * clock and to drop a repeated idempotency key. That only works if every attempt, retries included,
 * is signed afresh at send time while the key stays the same — what this pins.
 */
const SECRET = 'receiver-shared-secret-42';
let sidecar: TestSidecar;
let receiver: ReceiverServer;
/** Every request to /hook, refused ones included (the receiver only keeps the accepted). */
const hookCalls: ReceivedRequest[] = [];

beforeAll(async () => {
  receiver = await startReceiver({
    answer: (req) => {
      if (req.path !== '/hook') {
        return undefined;
      }
      hookCalls.push(req);
      return hookCalls.length <= 2 ? { status: 503, body: 'busy' } : undefined;
    },
  });
  sidecar = await startTestSidecar({
    features: [workflowsFeature, alertsFeature],
    env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '2s', NOTIFY_RETRY_MAX: '10s' },
  });
  const create = async (path: string, json: unknown) => expect((await sidecar.api(path, { method: 'POST', json })).status).toBe(201);
  await create('/api/v1/channels', { id: 'hook', name: 'Hook', type: 'webhook', config: { url: `${receiver.url}/hook`, secret: SECRET } });
  await create('/api/v1/workflows', { id: 'signed', name: 'Signed', schedule: { push: { expected: '1h' } } });
  await create('/api/v1/rules', { id: 'signed-down', name: 'Signed down', severity: 'error', scope: { workflowIds: ['signed'] }, condition: { type: 'consecutive_failures', count: 1 }, channels: ['hook'] });
  await create('/api/v1/executions', { workflowId: 'signed', status: 'failed', durationMs: 10, errorType: 'transient', errorMessage: 'HTTP 503' });
});

afterAll(async () => {
  await sidecar?.stop();
  await receiver?.close();
});

describe('a retried webhook delivery', () => {
  it('is signed afresh at each attempt (timestamp within a second or two of arrival) and keeps one idempotency key, inside the signed body', async () => {
    await eventually(() => receiver.on('/hook').length >= 1, 60_000);
    const firing = hookCalls.filter((a) => a.json?.kind === 'firing');
    expect(firing).toHaveLength(3);
    // Backoff 2 s then 4 s (±20 %): the third attempt leaves at least 4.8 s after the first.
    expect(firing[2]!.at - firing[0]!.at).toBeGreaterThanOrEqual(4_000);
    for (const attempt of firing) {
      const timestamp = String(attempt.headers['x-workflow-monitor-timestamp']);
      expect(timestamp).toMatch(/^\d{10}$/);
      // Signed when sent, not when queued: a receiver's 5-minute window never refuses a retry.
      expect(Math.abs(attempt.at / 1000 - Number(timestamp))).toBeLessThan(2);
      const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(`${timestamp}.${attempt.body}`).digest('hex')}`;
      expect(attempt.headers['x-workflow-monitor-signature']).toBe(expected);
      expect(attempt.headers['idempotency-key']).toBe(attempt.json.idempotencyKey);
    }
    expect(new Set(firing.map((a) => a.json.idempotencyKey))).toEqual(new Set([firing[0]!.json.idempotencyKey]));
    expect(firing[0]!.json.idempotencyKey).toMatch(/^alert:\d+:tier:0:hook$/);
  });
});
