import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/**
 * A real listener on one loopback address (Linux routes all of 127/8 to lo) that counts TCP
 * connections, not just requests: "refused before connecting" means it sees neither.
 */
interface Listener {
  host: string;
  port: number;
  url: string;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function listen(host: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Listener> {
  const server = http.createServer((req, res) => {
    listener.requests.push(req.url ?? '/');
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  server.keepAliveTimeout = 500;
  server.on('connection', () => {
    listener.connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const listener: Listener = {
    host,
    port,
    url: `http://${host}:${port}`,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return listener;
}

/** An SMTP server on one loopback address that counts connections and accepted messages. */
async function listenSmtp(host: string): Promise<{ port: number; connections: number; messages: number; close(): Promise<void> }> {
  const state = { connections: 0, messages: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        state.messages += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    get connections() {
      return state.connections;
    },
    get messages() {
      return state.messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Api = TestSidecar['api'];

async function created(api: Api, path: string, json: unknown): Promise<void> {
  const response = await api(path, { method: 'POST', json });
  expect({ path, status: response.status, body: response.status === 201 ? undefined : await response.text() }).toEqual({ path, status: 201, body: undefined });
}

/** Creates a one-step workflow (3 attempts allowed), runs it now, and returns its execution with steps. */
async function runOnce(api: Api, id: string, url: string): Promise<any> {
  await created(api, '/api/v1/workflows', { id, name: id, schedule: { every: '1h' }, retry: { maxAttempts: 3, initialDelay: '100ms' }, steps: [{ name: 'call', request: { url } }] });
  expect((await api(`/api/v1/workflows/${id}/run`, { method: 'POST' })).status).toBe(202);
  const summary = await eventually(async () => {
    const page = (await (await api(`/api/v1/workflows/${id}/executions`)).json()) as any;
    return page.executions[0];
  }, 60_000);
  return (await (await api(`/api/v1/executions/${summary.id}`)).json()) as any;
}

function expectRefused(execution: any, pattern: RegExp): void {
  expect(execution).toMatchObject({ status: 'failed', errorType: 'permanent' });
  expect(execution.errorMessage).toMatch(pattern);
  const [step] = execution.steps;
  // Permanent: not retried although the step allows three attempts.
  expect(step.attempts).toHaveLength(1);
  expect(step.attempts[0]).toMatchObject({ errorType: 'permanent' });
  expect(step.attempts[0].errorMessage).toMatch(pattern);
}

describe('egress control with TARGET_DENYLIST=127.0.0.2/32', () => {
  let sidecar: TestSidecar;
  let denied: Listener;
  let allowed: Listener;
  let redirector: Listener;
  let deniedSmtp: Awaited<ReturnType<typeof listenSmtp>>;

  beforeAll(async () => {
    denied = await listen('127.0.0.2');
    allowed = await listen('127.0.0.1');
    redirector = await listen('127.0.0.1', (req, res) => {
      const to = req.url === '/to-allowed' ? `${allowed.url}/after-redirect` : `${denied.url}/after-redirect`;
      res.writeHead(302, { location: to });
      res.end();
    });
    deniedSmtp = await listenSmtp('127.0.0.2');
    sidecar = await startTestSidecar({
      features: [workflowsFeature, alertsFeature],
      env: {
        TARGET_DENYLIST: '127.0.0.2/32',
        SCHEDULER: 'true',
        SCHEDULER_POLL_INTERVAL: '50ms',
        ALERT_TICK_INTERVAL: '100ms',
        ALERT_EVAL_INTERVAL: '1h',
        NOTIFY_POLL_INTERVAL: '100ms',
        NOTIFY_RETRY_INITIAL: '200ms',
      },
    });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await Promise.all([denied?.close(), allowed?.close(), redirector?.close(), deniedSmtp?.close()]);
  });

  it('fails a step to a denied IP literal before connecting, as permanent, naming the address and TARGET_DENYLIST', async () => {
    const execution = await runOnce(sidecar.api, 'to-denied', `${denied.url}/direct`);
    expectRefused(execution, /connection to 127\.0\.0\.2 refused by TARGET_DENYLIST \(127\.0\.0\.2\/32\)/);
    expect(denied.connections).toBe(0);
  });

  it('fails a redirect from an allowed address to a denied one before connecting to the denied one', async () => {
    const execution = await runOnce(sidecar.api, 'redirected-to-denied', `${redirector.url}/to-denied`);
    expectRefused(execution, /connection to 127\.0\.0\.2 refused by TARGET_DENYLIST/);
    expect(redirector.requests).toContain('/to-denied');
    expect(denied.connections).toBe(0);
  });

  it('matches an IPv4-mapped IPv6 literal against the IPv4 range', async () => {
    const execution = await runOnce(sidecar.api, 'mapped-to-denied', `http://[::ffff:127.0.0.2]:${denied.port}/mapped`);
    expectRefused(execution, /connection to ::ffff:127\.0\.0\.2 refused by TARGET_DENYLIST \(127\.0\.0\.2\/32\)/);
    expect(denied.connections).toBe(0);
  });

  it('lets steps and redirects to addresses outside the denylist through', async () => {
    const direct = await runOnce(sidecar.api, 'to-allowed', `${allowed.url}/direct`);
    expect(direct.status).toBe('success');
    const redirected = await runOnce(sidecar.api, 'redirected-to-allowed', `${redirector.url}/to-allowed`);
    expect(redirected.status).toBe('success');
    expect(allowed.requests).toEqual(expect.arrayContaining(['/direct', '/after-redirect']));
  });

  it('refuses a channel test to a denied webhook as permanent; the receiver sees nothing', async () => {
    await created(sidecar.api, '/api/v1/channels', { id: 'denied-hook', name: 'Denied hook', type: 'webhook', config: { url: `${denied.url}/hook` } });
    const response = await sidecar.api('/api/v1/channels/denied-hook/test', { method: 'POST', json: {} });
    expect(response.status).toBe(200);
    const result = (await response.json()) as any;
    expect(result).toMatchObject({ delivered: false, errorType: 'permanent' });
    expect(result.error).toMatch(/connection to 127\.0\.0\.2 refused by TARGET_DENYLIST/);
    expect(denied.connections).toBe(0);
  });

  it('refuses an e-mail channel whose SMTP host is denied; the SMTP server sees no connection', async () => {
    await created(sidecar.api, '/api/v1/channels', {
      id: 'denied-mail', name: 'Denied mail', type: 'email',
      config: { host: '127.0.0.2', port: deniedSmtp.port, from: 'monitor@example.test', to: ['oncall@example.test'] },
    });
    const result = (await (await sidecar.api('/api/v1/channels/denied-mail/test', { method: 'POST', json: {} })).json()) as any;
    expect(result).toMatchObject({ delivered: false, errorType: 'permanent' });
    expect(result.error).toMatch(/connection to 127\.0\.0\.2 refused by TARGET_DENYLIST/);
    expect(deniedSmtp.connections).toBe(0);
  });

  it('gives an outbox notification to a denied webhook up after one attempt, recorded as permanent with the reason', async () => {
    await created(sidecar.api, '/api/v1/channels', { id: 'denied-outbox', name: 'Denied outbox', type: 'webhook', config: { url: `${denied.url}/outbox` } });
    await created(sidecar.api, '/api/v1/workflows', { id: 'pushed', name: 'Pushed', schedule: { push: { expected: '1h' } } });
    await created(sidecar.api, '/api/v1/rules', {
      id: 'pushed-down', name: 'Pushed down', severity: 'error', scope: { workflowIds: ['pushed'] },
      condition: { type: 'consecutive_failures', count: 1 }, channels: ['denied-outbox'],
    });
    await created(sidecar.api, '/api/v1/executions', { workflowId: 'pushed', status: 'failed', durationMs: 10, errorMessage: 'HTTP 503' });
    const pool = sidecar.db.pool;
    const notification = await eventually(async () => {
      const { rows } = await pool.query<{ id: number; state: string; attempts: number; last_error: string }>(
        `SELECT id, state, attempts, last_error FROM notifications WHERE channel_id = 'denied-outbox' AND kind = 'firing'`
      );
      return rows[0]?.state === 'failed' ? rows[0] : undefined;
    }, 30_000);
    expect(notification.attempts).toBe(1);
    expect(notification.last_error).toMatch(/connection to 127\.0\.0\.2 refused by TARGET_DENYLIST/);
    const { rows: attempts } = await pool.query('SELECT number, error_type, error_message FROM notification_attempts WHERE notification_id = $1', [notification.id]);
    expect(attempts).toEqual([{ number: 1, error_type: 'permanent', error_message: expect.stringMatching(/refused by TARGET_DENYLIST/) }]);
    expect(denied.connections).toBe(0);
  });
});

describe('egress control by resolved name and by TARGET_ALLOWLIST', () => {
  let sidecar: TestSidecar;
  let onLoopback: Listener;
  let inside: Listener;
  let outside: Listener;
  let insideSmtp: Awaited<ReturnType<typeof listenSmtp>>;

  beforeAll(async () => {
    onLoopback = await listen('127.0.0.1');
    inside = await listen('127.0.0.2');
    outside = await listen('127.0.0.3');
    insideSmtp = await listenSmtp('127.0.0.2');
    // Only this sidecar's outgoing connections are guarded: the test still talks to its API on 127.0.0.1.
    sidecar = await startTestSidecar({
      features: [workflowsFeature, alertsFeature],
      env: { TARGET_DENYLIST: '127.0.0.1/32', TARGET_ALLOWLIST: '127.0.0.2/32', SCHEDULER: 'true', SCHEDULER_POLL_INTERVAL: '50ms' },
    });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await Promise.all([onLoopback?.close(), inside?.close(), outside?.close(), insideSmtp?.close()]);
  });

  it('refuses a host name by the address it resolves to (localhost → 127.0.0.1)', async () => {
    const execution = await runOnce(sidecar.api, 'by-name', `http://localhost:${onLoopback.port}/named`);
    expectRefused(execution, /connection to 127\.0\.0\.1 \(resolved from localhost\) refused by TARGET_DENYLIST \(127\.0\.0\.1\/32\)/);
    expect(onLoopback.connections).toBe(0);
  });

  it('refuses an address outside TARGET_ALLOWLIST, naming it, and allows one inside it', async () => {
    const refused = await runOnce(sidecar.api, 'outside-allowlist', `${outside.url}/outside`);
    expectRefused(refused, /connection to 127\.0\.0\.3 refused by TARGET_ALLOWLIST/);
    expect(outside.connections).toBe(0);
    const ok = await runOnce(sidecar.api, 'inside-allowlist', `${inside.url}/inside`);
    expect(ok.status).toBe('success');
    expect(inside.requests).toContain('/inside');
  });

  it('sends e-mail through the guard to an allowed SMTP host', async () => {
    await created(sidecar.api, '/api/v1/channels', {
      id: 'mail', name: 'Mail', type: 'email',
      config: { host: '127.0.0.2', port: insideSmtp.port, from: 'monitor@example.test', to: ['oncall@example.test'] },
    });
    const result = (await (await sidecar.api('/api/v1/channels/mail/test', { method: 'POST', json: {} })).json()) as any;
    expect(result).toMatchObject({ delivered: true });
    expect(insideSmtp.messages).toBe(1);
  });
});
