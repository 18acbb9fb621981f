import net, { type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { ErrorType } from '../model/execution';
import { HttpStatusError } from '../retry/errors';
import { classifyDeliveryError } from './classifyDeliveryError';
import { EgressGuard } from '../net/egressGuard';
import { deliver, type DeliveryEgress } from './deliver';
import type { NotificationPayload } from './notificationMessage';

/** nodemailer's error: a code, and the server's reply code when there was a reply. */
const smtp = (code: string, responseCode?: number) => Object.assign(new Error(`${code} ${responseCode ?? ''}`), { code, ...(responseCode ? { responseCode } : {}) });

const TABLE: Array<[string, unknown, ErrorType, boolean]> = [
  ['421 service closing (on any command)', smtp('ECONNECTION', 421), 'transient', true],
  ['421 greeting', smtp('EPROTOCOL', 421), 'transient', true],
  ['450 mailbox busy', smtp('EENVELOPE', 450), 'transient', true],
  ['451 local error', smtp('EENVELOPE', 451), 'transient', true],
  ['452 insufficient storage', smtp('EMESSAGE', 452), 'transient', true],
  ['454 temporary authentication failure', smtp('EAUTH', 454), 'transient', true],
  ['530 authentication required', smtp('EENVELOPE', 530), 'permanent', false],
  ['535 bad credentials', smtp('EAUTH', 535), 'permanent', false],
  ['550 no such mailbox', smtp('EENVELOPE', 550), 'permanent', false],
  ['552 message too big', smtp('EMESSAGE', 552), 'permanent', false],
  ['553 address not allowed', smtp('EENVELOPE', 553), 'permanent', false],
  ['554 rejected', smtp('EMESSAGE', 554), 'permanent', false],
  ['EAUTH without a reply (missing credentials)', smtp('EAUTH'), 'permanent', false],
  ['ENOAUTH', smtp('ENOAUTH'), 'permanent', false],
  ['ECONFIG', smtp('ECONFIG'), 'permanent', false],
  ['EENVELOPE without a reply (no recipients)', smtp('EENVELOPE'), 'permanent', false],
  ['ETIMEDOUT (connection, greeting or socket)', smtp('ETIMEDOUT'), 'timeout', true],
  ['ESOCKET (refused, reset)', smtp('ESOCKET'), 'network', true],
  ['ECONNECTION (closed unexpectedly)', smtp('ECONNECTION'), 'network', true],
  ['EDNS', smtp('EDNS'), 'network', true],
  ['EPROTOCOL without a reply code (not an SMTP server)', smtp('EPROTOCOL'), 'unknown', true],
  // Webhook channels fail like steps: the HTTP classification applies.
  ['a receiver answering 503', new HttpStatusError(503, '7'), 'transient', true],
  ['a receiver answering 404', new HttpStatusError(404), 'permanent', false],
  ['a receiver answering 429', new HttpStatusError(429, '2'), 'rate_limit', true],
  ['fetch failed, caused by ECONNREFUSED', new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }), 'network', true],
];

describe('classifyDeliveryError', () => {
  it.each(TABLE.map(([what, error, type, retryable]) => ({ what, error, type, retryable })))('$what → $type', ({ error, type, retryable }) => {
    expect(classifyDeliveryError(error)).toMatchObject({ type, retryable });
  });

  it("passes on a receiver's Retry-After", () => {
    expect(classifyDeliveryError(new HttpStatusError(429, '2'))).toMatchObject({ httpStatus: 429, retryAfter: '2' });
  });
});

/** The same classes from the errors nodemailer really raises against a real SMTP server (smtp-server) on loopback. */
describe('classifyDeliveryError on a real SMTP exchange', () => {
  const payload: NotificationPayload = {
    kind: 'test',
    note: 'classification test',
    alert: {
      id: 0, fingerprint: 'test', title: 'Test', message: 'Test', severity: 'info', state: 'active', workflowId: 'test',
      workflowName: 'Test', ruleId: 'test', ruleName: 'Test', count: 1, labels: {}, openedAt: new Date(0).toISOString(), tier: 0,
    },
  };
  const servers: Array<{ close(callback: () => void): void }> = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  async function smtpServer(options: SMTPServerOptions): Promise<number> {
    const server = new SMTPServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false, ...options });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.server.address() as AddressInfo).port;
  }

  async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
    const server = net.createServer(onConnection);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  const guard = EgressGuard.defaults();
  const egress: DeliveryEgress = { guard, dispatcher: guard.createAgent() };

  async function deliveryError(port: number, auth: { user?: string; password?: string } = {}, timeoutMs = 10_000): Promise<unknown> {
    try {
      await deliver(
        { id: 'mail', name: 'mail', type: 'email', enabled: true, config: { host: '127.0.0.1', port, secure: false, from: 'monitor@example.test', to: ['oncall@example.test'], ...auth } },
        payload,
        { idempotencyKey: 'classify', timeoutMs, egress }
      );
    } catch (error) {
      return error;
    }
    throw new Error('expected the delivery to fail');
  }

  const reply = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

  it.each([
    [421, 'transient'],
    [450, 'transient'],
    [451, 'transient'],
    [452, 'transient'],
    [550, 'permanent'],
    [553, 'permanent'],
  ] as const)('RCPT TO answered %d → %s', async (code, type) => {
    const port = await smtpServer({ authOptional: true, onRcptTo: (_address, _session, callback) => callback(reply(code, `rcpt refused with ${code}`)) });
    const error = await deliveryError(port);
    expect((error as { responseCode?: number }).responseCode).toBe(code);
    expect(classifyDeliveryError(error).type).toBe(type);
  });

  it('wrong credentials (535) → permanent; a temporary authentication failure (454) → transient', async () => {
    const refusing = await smtpServer({ onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')) });
    expect(classifyDeliveryError(await deliveryError(refusing, { user: 'monitor', password: 'wrong' }))).toMatchObject({ type: 'permanent', retryable: false });
    const busy = await smtpServer({ onAuth: (_auth, _session, callback) => callback(reply(454, 'try again later')) });
    expect(classifyDeliveryError(await deliveryError(busy, { user: 'monitor', password: 'secret' }))).toMatchObject({ type: 'transient', retryable: true });
  });

  it('a user without a password (EAUTH before anything is sent) → permanent', async () => {
    const port = await smtpServer({ onAuth: (_auth, _session, callback) => callback(null, { user: 'monitor' }) });
    const error = await deliveryError(port, { user: 'monitor' });
    expect(error).toMatchObject({ code: 'EAUTH' });
    expect((error as { responseCode?: number }).responseCode).toBeUndefined();
    expect(classifyDeliveryError(error)).toMatchObject({ type: 'permanent', retryable: false });
  });

  it('a closed port → network; a server that never greets → timeout; one that hangs up at once → network', async () => {
    const probe = await tcpServer(() => undefined);
    const closed = servers.pop()!;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(classifyDeliveryError(await deliveryError(probe)).type).toBe('network');
    const silent = await tcpServer(() => undefined);
    expect(classifyDeliveryError(await deliveryError(silent, {}, 300)).type).toBe('timeout');
    const rude = await tcpServer((socket) => socket.destroy());
    expect(classifyDeliveryError(await deliveryError(rude)).type).toBe('network');
  });
});
