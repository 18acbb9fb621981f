import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { metricValue, scrapeMetrics } from '../support/prometheusText';
import { startReceiver, type ReceiverServer } from '../support/receiverServer';
import { freePort, spawnSidecar, waitUntilReady, type SidecarProcess } from '../support/sidecarProcess';
import { startTestSidecar, TEST_TOKEN, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/** How long the receiver refuses connections; 120 for the full-length run (docs/RELIABILITY.md). */
const OUTAGE_SECONDS = Number(process.env.RECEIVER_OUTAGE_SECONDS ?? 3);
const ALERTS = 8;

jest.setTimeout(120_000 + OUTAGE_SECONDS * 2000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Api = (path: string, init?: { method?: string; json?: unknown }) => Promise<Response>;

/** ALERTS workflows, each with a rule paging the webhook channel, each failing once. */
async function raiseAlerts(api: Api, receiverPort: number, prefix: string): Promise<void> {
  const post = async (path: string, json: unknown) => {
    const response = await api(path, { method: 'POST', json });
    expect({ path, status: response.status }).toEqual({ path, status: 201 });
  };
  await post('/api/v1/channels', { id: 'hook', name: 'Hook', type: 'webhook', config: { url: `http://127.0.0.1:${receiverPort}/hook`, secret: 'outbox-secret' } });
  for (let i = 0; i < ALERTS; i += 1) {
    const id = `${prefix}-${i}`;
    await post('/api/v1/workflows', { id, name: id, schedule: { push: { expected: '1h' } } });
    await post('/api/v1/rules', { id: `${id}-down`, name: `${id} down`, severity: 'error', scope: { workflowIds: [id] }, condition: { type: 'consecutive_failures', count: 1 }, channels: ['hook'] });
    await post('/api/v1/executions', { workflowId: id, status: 'failed', durationMs: 10, errorMessage: 'HTTP 503' });
  }
}

function checkDelivered(receiver: ReceiverServer, prefix: string): void {
  const ours = receiver.on('/hook', (j) => String(j?.alert?.workflowId).startsWith(`${prefix}-`));
  const keys = ours.map((r) => String(r.headers['idempotency-key']));
  expect(new Set(keys).size).toBe(ALERTS);
  // Once per idempotency key: nothing was delivered twice.
  expect(keys).toHaveLength(ALERTS);
  expect(new Set(ours.map((r) => r.json.alert.workflowId)).size).toBe(ALERTS);
}

const fastNotify = { ALERT_TICK_INTERVAL: '100ms', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '200ms', NOTIFY_RETRY_MAX: '1s' };

describe('durable outbox', () => {
  let sidecar: TestSidecar | undefined;
  let receiver: ReceiverServer | undefined;

  afterEach(async () => {
    await sidecar?.stop();
    await receiver?.close();
    sidecar = undefined;
    receiver = undefined;
  });

  it(`a receiver refusing connections for ${OUTAGE_SECONDS}s gets every notification once it is back, once per idempotency key`, async () => {
    const port = await freePort();
    sidecar = await startTestSidecar({ features: [workflowsFeature, alertsFeature], env: { ...fastNotify, ALERT_EVAL_INTERVAL: '1h' } });
    await raiseAlerts(sidecar.api, port, 'refused');
    const pool = sidecar.db.pool;
    await eventually(async () => {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE attempts >= 2 AND state = 'pending'`);
      return rows[0]!.n === ALERTS;
    }, 20_000);
    await sleep(OUTAGE_SECONDS * 1000);
    receiver = await startReceiver({ port });
    await eventually(async () => {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE state = 'delivered'`);
      return rows[0]!.n === ALERTS;
    }, 30_000);
    await sleep(500);
    checkDelivered(receiver, 'refused');
    const { rows: attempts } = await pool.query<{ error_type: string | null }>('SELECT error_type FROM notification_attempts');
    expect(attempts.filter((a) => a.error_type === 'network').length).toBeGreaterThanOrEqual(ALERTS * 2);
    expect(attempts.filter((a) => a.error_type === null)).toHaveLength(ALERTS);
    const metrics = await scrapeMetrics(sidecar.url);
    expect(metricValue(metrics, 'workflow_monitor_notifications_delivered_total', { channel_type: 'webhook' })).toBe(ALERTS);
    // Every refused attempt was retried (the receiver came back), each counted once.
    expect(metricValue(metrics, 'workflow_monitor_notification_retries_total', { channel_type: 'webhook', error_type: 'network' })).toBe(attempts.filter((a) => a.error_type === 'network').length);
  });

  it('a delivery that keeps failing ends as failed and shows in the API and in /metrics', async () => {
    receiver = await startReceiver({ answer: () => ({ status: 404, body: 'no_service' }) });
    sidecar = await startTestSidecar({ features: [workflowsFeature, alertsFeature], env: { ...fastNotify, ALERT_EVAL_INTERVAL: '1h' } });
    await raiseAlerts(sidecar.api, receiver.port, 'gone');
    // Evaluation after an execution is batched on the next tick: the alert appears shortly after.
    const alert = await eventually(async () => ((await (await sidecar!.api('/api/v1/alerts?workflowId=gone-0')).json()) as any).alerts[0]);
    const note = await eventually(async () => {
      const detail = (await (await sidecar!.api(`/api/v1/alerts/${alert.id}`)).json()) as any;
      return detail.notifications.find((n: any) => n.state === 'failed');
    });
    expect(note).toMatchObject({ channelId: 'hook', attempts: 1, lastError: expect.stringContaining('HTTP 404') });
    await eventually(async () => metricValue(await scrapeMetrics(sidecar!.url), 'workflow_monitor_notifications', { state: 'failed' }) === ALERTS);
    expect(metricValue(await scrapeMetrics(sidecar.url), 'workflow_monitor_notifications_failed_total', { channel_type: 'webhook', error_type: 'permanent' })).toBe(ALERTS);
  });
});

describe('durable outbox across a crash', () => {
  let db: TestDatabase;
  const processes: SidecarProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const p of processes) {
      p.child.kill('SIGKILL');
    }
    await Promise.all(processes.map((p) => p.exited));
    await db?.drop();
  });

  async function start(): Promise<{ url: string; api: Api }> {
    const port = await freePort();
    const child = spawnSidecar({ DATABASE_URL: db.url, DEMO: 'off', SCHEDULER: 'false', LOG_LEVEL: 'warn', SIDECAR_API_TOKEN: TEST_TOKEN, PORT: String(port), PG_POOL_MAX: '5', ...fastNotify });
    processes.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, url);
    const api: Api = (path, init = {}) =>
      fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      });
    return { url, api };
  }

  it('notifications queued before a SIGKILL during the receiver outage are delivered by the restarted sidecar, once per key', async () => {
    const port = await freePort();
    const first = await start();
    await raiseAlerts(first.api, port, 'crash');
    await eventually(async () => {
      const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE attempts >= 1`);
      return rows[0]!.n === ALERTS;
    }, 20_000);
    const victim = processes[processes.length - 1]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await sleep(OUTAGE_SECONDS * 1000);
    await start();
    const receiver = await startReceiver({ port });
    try {
      await eventually(async () => {
        const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE state = 'delivered'`);
        return rows[0]!.n === ALERTS;
      }, 60_000);
      await sleep(500);
      checkDelivered(receiver, 'crash');
    } finally {
      await receiver.close();
    }
  });
});
