import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { alertsFeature } from '../../src/app/features/alerts';
import { createLogger } from '../../src/log/logger';
import { webhookSignature } from '../../src/notify/deliver';
import { workflowsFeature } from '../../src/app/features/workflows';
import { startAlertmanager, type AlertmanagerProcess } from '../support/alertmanagerProcess';
import { startReceiver, type ReceiverServer } from '../support/receiverServer';
import { freePort } from '../support/sidecarProcess';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(180_000);

/** Every secret configured below; none may ever show up in a GET response or a log line. */
const SECRETS = {
  slackPath: 'T0001/B0001/SLACKSECRETxoxb9f8e7d',
  discordPath: '123456/DISCORDSECRETtokenAbC',
  smtpPassword: 'smtp-pass-SECRET-4711',
  twilioToken: 'twilio-SECRET-auth-token-99',
  hmac: 'hmac-SECRET-signing-key',
  header: 'hdr-SECRET-api-key-0042',
  amPassword: 'am-SECRET-basic-pass',
  deadSlack: 'T0002/B0002/DEADSECRETslackpath',
};

let sidecar: TestSidecar;
let receiver: ReceiverServer;
let alertmanager: AlertmanagerProcess;
let smtp: SMTPServer;
const mails: ParsedMail[] = [];
const smtpLogins: Array<{ user: string; pass: string }> = [];
const logLines: string[] = [];
const getBodies: string[] = [];
let deadPort: number;

async function get(path: string): Promise<any> {
  const response = await sidecar.api(path);
  const text = await response.text();
  getBodies.push(text);
  expect(response.status).toBe(200);
  return JSON.parse(text);
}

async function post(path: string, json: unknown, expected = 201): Promise<any> {
  const response = await sidecar.api(path, { method: 'POST', json });
  const body = await response.json().catch(() => undefined);
  expect({ path, status: response.status, body }).toMatchObject({ status: expected });
  return body;
}

beforeAll(async () => {
  receiver = await startReceiver({
    answer: (req) => (req.path.includes('/Messages.json') ? { status: 201, body: JSON.stringify({ sid: `SM${crypto.randomBytes(8).toString('hex')}`, status: 'queued' }) } : req.path.startsWith('/discord') ? { status: 204, body: '' } : undefined),
  });
  alertmanager = await startAlertmanager(`${receiver.url}/am-hook`);
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      smtpLogins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  deadPort = await freePort();

  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(chunk.toString()); cb(); } });
  sidecar = await startTestSidecar({
    features: [workflowsFeature, alertsFeature],
    log: createLogger({ level: 'debug', format: 'json', destination: sink }),
    env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '200ms', NOTIFY_RETRY_MAX: '1s' },
  });
  const channels = [
    { id: 'slack', type: 'slack', config: { url: `${receiver.url}/slack/${SECRETS.slackPath}`, channel: '#ops' } },
    { id: 'discord', type: 'discord', config: { url: `${receiver.url}/discord/${SECRETS.discordPath}` } },
    { id: 'email', type: 'email', config: { host: '127.0.0.1', port: smtpPort, secure: false, user: 'monitor', password: SECRETS.smtpPassword, from: 'monitor@example.test', to: ['oncall@example.test'] } },
    { id: 'sms', type: 'sms', config: { baseUrl: receiver.url, accountSid: 'AC0123456789', authToken: SECRETS.twilioToken, from: '+15550001111', to: ['+15550002222'] } },
    { id: 'webhook', type: 'webhook', config: { url: `${receiver.url}/hook`, secret: SECRETS.hmac, headers: { 'X-Api-Key': SECRETS.header } } },
    { id: 'alertmanager', type: 'alertmanager', config: { url: alertmanager.url, username: 'wm', password: SECRETS.amPassword } },
    { id: 'dead-slack', type: 'slack', config: { url: `http://127.0.0.1:${deadPort}/slack/${SECRETS.deadSlack}` } },
  ];
  for (const c of channels) {
    await post('/api/v1/channels', { name: `Channel ${c.id}`, ...c });
  }
  await post('/api/v1/workflows', { id: 'checkout', name: 'Checkout flow', labels: { team: 'payments' }, schedule: { push: { expected: '1h' } } });
  await post('/api/v1/rules', {
    id: 'checkout-down', name: 'Checkout down', severity: 'critical', scope: { workflowIds: ['checkout'] },
    condition: { type: 'consecutive_failures', count: 1 }, channels: channels.map((c) => c.id),
  });
  await post('/api/v1/executions', { workflowId: 'checkout', status: 'failed', durationMs: 80, errorType: 'transient', errorMessage: 'target answered HTTP 503' });
});

afterAll(async () => {
  await sidecar?.stop();
  await alertmanager?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await receiver?.close();
});

describe('channels deliver the documented payloads to real receivers', () => {
  it('Slack: an incoming-webhook JSON body with text and Block Kit blocks', async () => {
    const [msg] = await eventually(() => receiver.on(`/slack/${SECRETS.slackPath}`).length > 0 && receiver.on(`/slack/${SECRETS.slackPath}`));
    expect(msg!.headers['content-type']).toContain('application/json');
    expect(msg!.json).toMatchObject({ text: expect.stringContaining('[CRITICAL] FIRING: Checkout flow'), channel: '#ops' });
    expect(msg!.json.blocks.map((b: any) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(msg!.json.blocks[0].text).toMatchObject({ type: 'plain_text' });
    expect(msg!.json.blocks[2].fields.every((f: any) => f.type === 'mrkdwn' && typeof f.text === 'string')).toBe(true);
  });

  it('Discord: a webhook body with one embed coloured by severity', async () => {
    const [msg] = await eventually(() => receiver.on(`/discord/${SECRETS.discordPath}`).length > 0 && receiver.on(`/discord/${SECRETS.discordPath}`));
    expect(msg!.json.content).toContain('Checkout flow');
    const embed = msg!.json.embeds[0];
    expect(embed).toMatchObject({ title: expect.stringContaining('Checkout down'), color: 0xe01e5a, footer: { text: expect.stringContaining('alert #') } });
    expect(embed.fields).toEqual(expect.arrayContaining([{ name: 'Severity', value: 'critical', inline: true }]));
    expect(Number.isNaN(Date.parse(embed.timestamp))).toBe(false);
  });

  it('e-mail: received by a real SMTP server, authenticated, the subject names severity and workflow', async () => {
    const mail = await eventually(() => mails[0]);
    expect(mail.subject).toMatch(/\[CRITICAL\].*Checkout flow/);
    expect((mail.to as { text: string }).text).toContain('oncall@example.test');
    expect(mail.from!.text).toContain('monitor@example.test');
    expect(mail.text).toContain('target answered HTTP 503');
    expect(mail.headers.get('x-idempotency-key')).toMatch(/^alert:\d+:tier:0:email$/);
    expect(smtpLogins).toContainEqual({ user: 'monitor', pass: SECRETS.smtpPassword });
  });

  it('SMS: a form POST to the Messages API with basic auth', async () => {
    const [msg] = await eventually(() => receiver.on('/2010-04-01/Accounts/AC0123456789/Messages.json').length > 0 && receiver.on('/2010-04-01/Accounts/AC0123456789/Messages.json'));
    expect(msg!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(msg!.headers.authorization).toBe(`Basic ${Buffer.from(`AC0123456789:${SECRETS.twilioToken}`).toString('base64')}`);
    const form = new URLSearchParams(msg!.body);
    expect(form.get('To')).toBe('+15550002222');
    expect(form.get('From')).toBe('+15550001111');
    expect(form.get('Body')).toContain('Checkout flow');
  });

  it('webhook: JSON with custom headers, signed with HMAC-SHA256 over timestamp and body, verified with the shared secret', async () => {
    const [msg] = await eventually(() => receiver.on('/hook').length > 0 && receiver.on('/hook'));
    const timestamp = String(msg!.headers['x-workflow-monitor-timestamp']);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    const expected = `sha256=${crypto.createHmac('sha256', SECRETS.hmac).update(`${timestamp}.${msg!.body}`).digest('hex')}`;
    expect(msg!.headers['x-workflow-monitor-signature']).toBe(expected);
    expect(webhookSignature('another-secret', timestamp, msg!.body)).not.toBe(expected);
    expect(msg!.headers['x-api-key']).toBe(SECRETS.header);
    expect(msg!.headers['idempotency-key']).toBe(msg!.json.idempotencyKey);
    expect(msg!.json).toMatchObject({ version: 1, kind: 'firing', alert: { workflowId: 'checkout', ruleId: 'checkout-down', severity: 'critical', state: 'active' } });
  });

  it('Alertmanager: lists the alert through its own API, and later shows it resolved', async () => {
    const listed = await eventually(async () => {
      const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as any[];
      return alerts.find((a) => a.labels.workflow === 'checkout');
    });
    expect(listed.labels).toMatchObject({ alertname: 'Checkout_down', rule: 'checkout-down', severity: 'critical', team: 'payments' });
    expect(listed.annotations.summary).toContain('Checkout down');
    expect(listed.status.state).toBe('active');
    await eventually(() => receiver.on('/am-hook', (j) => j?.status === 'firing').length > 0);

    await post('/api/v1/executions', { workflowId: 'checkout', status: 'success', durationMs: 40 });
    const resolvedHook = await eventually(() => receiver.on('/am-hook', (j) => j?.status === 'resolved')[0], 90_000);
    expect(resolvedHook.json.alerts[0]).toMatchObject({ status: 'resolved', labels: { workflow: 'checkout' } });
    expect(Date.parse(resolvedHook.json.alerts[0].endsAt)).toBeLessThanOrEqual(Date.now());
    await eventually(async () => {
      const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts?active=true`)).json()) as any[];
      return !alerts.some((a) => a.labels.workflow === 'checkout' && a.status.state === 'active');
    });
    // Every other channel got its resolved notice as well.
    await eventually(() => receiver.on('/hook', (j) => j?.kind === 'resolved').length === 1 && mails.some((m) => /RESOLVED/.test(m.subject ?? '')));
  });

  it('the test button delivers at once and reports the receiver answer', async () => {
    const ok = await post('/api/v1/channels/webhook/test', { user: 'alice' }, 200);
    expect(ok).toMatchObject({ delivered: true, httpStatus: 200 });
    expect(receiver.on('/hook', (j) => j?.kind === 'test')).toHaveLength(1);
    const failed = await post('/api/v1/channels/dead-slack/test', {}, 200);
    expect(failed).toMatchObject({ delivered: false, errorType: 'network' });
  });
});

describe('secrets are write-only', () => {
  it('no GET response and no log line contains a secret, even after deliveries failed', async () => {
    // The dead channel has failed at least twice by now (its errors are logged and stored).
    const detail = await eventually(async () => {
      const { alerts } = await get('/api/v1/alerts?workflowId=checkout');
      const d = await get(`/api/v1/alerts/${alerts[alerts.length - 1].id}`);
      const dead = d.notifications.find((n: any) => n.channelId === 'dead-slack');
      return dead && dead.attempts >= 2 ? d : undefined;
    });
    expect(detail.notifications.find((n: any) => n.channelId === 'dead-slack').lastError).toBeTruthy();
    const { channels } = await get('/api/v1/channels');
    for (const c of channels) {
      await get(`/api/v1/channels/${c.id}`);
    }
    expect(channels.find((c: any) => c.id === 'email')).toMatchObject({ config: { host: '127.0.0.1', user: 'monitor' }, secretsConfigured: ['password'] });
    expect(channels.find((c: any) => c.id === 'slack')).toMatchObject({ config: { channel: '#ops' }, secretsConfigured: ['url'] });
    expect(channels.find((c: any) => c.id === 'webhook').secretsConfigured).toEqual(['headers', 'secret']);
    await get('/api/v1/rules');
    await get('/api/v1/openapi.json');
    const logs = logLines.join('');
    expect(logs).toContain('notification delivery failed');
    const everything = `${getBodies.join('\n')}\n${logs}`;
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect({ name, leaked: everything.includes(secret) }).toEqual({ name, leaked: false });
    }
  });

  it('an edit without the secret keeps it; changing the type starts from none', async () => {
    const put = await sidecar.api('/api/v1/channels/webhook', { method: 'PUT', json: { id: 'webhook', name: 'Renamed hook', type: 'webhook', config: { url: `${receiver.url}/hook` } } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as any).secretsConfigured).toEqual(['headers', 'secret']);
    const retype = await sidecar.api('/api/v1/channels/webhook', { method: 'PUT', json: { id: 'webhook', name: 'Now Slack', type: 'slack', config: {} } });
    expect(retype.status).toBe(400);
    expect(JSON.stringify(await retype.json())).toContain('config.url');
  });
});
