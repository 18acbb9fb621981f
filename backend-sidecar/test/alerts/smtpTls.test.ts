import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/** A self-signed certificate for localhost / 127.0.0.1 (how it was made: test/support/tls/README.md). */
const TLS_DIR = path.join(__dirname, '../support/tls');
const key = fs.readFileSync(path.join(TLS_DIR, 'self-signed.key'));
const cert = fs.readFileSync(path.join(TLS_DIR, 'self-signed.crt'));

let sidecar: TestSidecar;
const servers: SMTPServer[] = [];
const mails: ParsedMail[] = [];
let startTlsPort: number;
let implicitTlsPort: number;

async function startSmtp(options: SMTPServerOptions): Promise<number> {
  const server = new SMTPServer({
    key,
    cert,
    authOptional: true,
    ...options,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  // A client that refuses the certificate hangs up mid-handshake; the server reports that as an error event.
  server.on('error', () => undefined);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as AddressInfo).port;
}

async function expectStatus(response: Response, status: number): Promise<any> {
  const body = await response.json().catch(() => undefined);
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

function emailChannel(id: string, port: number, extra: Record<string, unknown> = {}) {
  return { id, name: id, type: 'email', config: { host: '127.0.0.1', port, from: 'monitor@example.test', to: [`${id}@example.test`], ...extra } };
}

const mailsTo = (id: string) => mails.filter((m) => (m.to as { value: Array<{ address: string }> }).value.some((v) => v.address === `${id}@example.test`));

beforeAll(async () => {
  // STARTTLS offered on a plain connection (the usual submission port 587 setup).
  startTlsPort = await startSmtp({});
  // Implicit TLS from the first byte (port 465 setup).
  implicitTlsPort = await startSmtp({ secure: true });
  sidecar = await startTestSidecar({
    features: [workflowsFeature, alertsFeature],
    env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '200ms', NOTIFY_RETRY_MAX: '1s' },
  });
  for (const channel of [
    emailChannel('verified', startTlsPort),
    emailChannel('unverified', startTlsPort, { tls: { rejectUnauthorized: false } }),
    emailChannel('verified-implicit', implicitTlsPort, { secure: true }),
    emailChannel('unverified-implicit', implicitTlsPort, { secure: true, tls: { rejectUnauthorized: false } }),
  ]) {
    await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: channel }), 201);
  }
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('e-mail verifies the SMTP server certificate unless the channel says tls.rejectUnauthorized: false', () => {
  it('STARTTLS with a self-signed certificate: not delivered, the error names the certificate', async () => {
    const result = await expectStatus(await sidecar.api('/api/v1/channels/verified/test', { method: 'POST', json: {} }), 200);
    expect(result).toMatchObject({ delivered: false, error: expect.stringMatching(/certificate/i) });
    expect(mailsTo('verified')).toHaveLength(0);
  });

  it('STARTTLS with tls.rejectUnauthorized: false: delivered', async () => {
    const result = await expectStatus(await sidecar.api('/api/v1/channels/unverified/test', { method: 'POST', json: {} }), 200);
    expect(result).toMatchObject({ delivered: true });
    expect(mailsTo('unverified')).toHaveLength(1);
  });

  it('implicit TLS (secure: true) is verified the same way', async () => {
    const refused = await expectStatus(await sidecar.api('/api/v1/channels/verified-implicit/test', { method: 'POST', json: {} }), 200);
    expect(refused).toMatchObject({ delivered: false, error: expect.stringMatching(/certificate/i) });
    const accepted = await expectStatus(await sidecar.api('/api/v1/channels/unverified-implicit/test', { method: 'POST', json: {} }), 200);
    expect(accepted).toMatchObject({ delivered: true });
    expect(mailsTo('verified-implicit')).toHaveLength(0);
    expect(mailsTo('unverified-implicit')).toHaveLength(1);
  });

  it('the setting is public (shown by GET) and checked: only a boolean rejectUnauthorized', async () => {
    const view = await expectStatus(await sidecar.api('/api/v1/channels/unverified'), 200);
    expect(view.config.tls).toEqual({ rejectUnauthorized: false });
    const refused = await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: emailChannel('bad-tls', startTlsPort, { tls: { rejectUnauthorized: 'no' } }) }), 400);
    expect(refused.error.details[0].path).toBe('config.tls.rejectUnauthorized');
    const unknown = await expectStatus(await sidecar.api('/api/v1/channels', { method: 'POST', json: emailChannel('bad-tls', startTlsPort, { tls: { ciphers: 'NULL' } }) }), 400);
    expect(unknown.error.details[0].path).toBe('config.tls');
  });

  it('through the outbox: the certificate failure is recorded on the notification, the other channel delivers', async () => {
    await expectStatus(await sidecar.api('/api/v1/workflows', { method: 'POST', json: { id: 'mail', name: 'Mail', schedule: { push: { expected: '1h' } } } }), 201);
    await expectStatus(await sidecar.api('/api/v1/rules', {
      method: 'POST',
      json: { id: 'mail-down', name: 'Mail down', severity: 'error', scope: { workflowIds: ['mail'] }, condition: { type: 'consecutive_failures', count: 1 }, channels: ['verified', 'unverified'] },
    }), 201);
    await expectStatus(await sidecar.api('/api/v1/executions', { method: 'POST', json: { workflowId: 'mail', status: 'failed', durationMs: 10, errorType: 'transient', errorMessage: 'HTTP 503' } }), 201);
    const detail = await eventually(async () => {
      const { alerts } = (await (await sidecar.api('/api/v1/alerts?workflowId=mail')).json()) as { alerts: any[] };
      if (!alerts[0]) {
        return undefined;
      }
      const d = (await (await sidecar.api(`/api/v1/alerts/${alerts[0].id}`)).json()) as any;
      const byChannel = (id: string) => d.notifications.find((n: any) => n.channelId === id);
      return byChannel('unverified')?.state === 'delivered' && byChannel('verified')?.lastError ? d : undefined;
    });
    const verified = detail.notifications.find((n: any) => n.channelId === 'verified');
    expect(verified.state).not.toBe('delivered');
    expect(verified.lastError).toMatch(/certificate/i);
    expect(mailsTo('verified')).toHaveLength(0);
    expect(mailsTo('unverified').length).toBeGreaterThanOrEqual(2);
  });
});
