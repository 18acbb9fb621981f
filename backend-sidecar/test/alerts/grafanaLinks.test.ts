import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { alertsFeature } from '../../src/app/features/alerts';
import { workflowsFeature } from '../../src/app/features/workflows';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/log/logger';
import { APP_PLUGIN_ID } from '../../src/notify/grafanaLinks';
import { startAlertmanager, type AlertmanagerProcess } from '../support/alertmanagerProcess';
import { startReceiver, type ReceiverServer } from '../support/receiverServer';
import { freePort } from '../support/sidecarProcess';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';
import { eventually } from '../support/targetServer';

jest.setTimeout(240_000);

/** As an operator writes it: a sub-path and a trailing slash, which the links must not double. */
const GRAFANA_URL = 'https://ops.example.test:8443/grafana/';
const APP = `https://ops.example.test:8443/grafana/a/${APP_PLUGIN_ID}`;
const NO_LINKS_LINE = /GRAFANA_URL is not set, so notifications carry no link to Grafana/;

let receiver: ReceiverServer;
let alertmanager: AlertmanagerProcess;
let smtp: SMTPServer;
const mails: ParsedMail[] = [];

interface Started {
  sidecar: TestSidecar;
  logLines: string[];
}
let linked: Started;
let unlinked: Started;

async function post(sidecar: TestSidecar, path: string, json: unknown, expected = 201): Promise<any> {
  const response = await sidecar.api(path, { method: 'POST', json });
  const body = await response.json().catch(() => undefined);
  expect({ path, status: response.status, body }).toMatchObject({ status: expected });
  return body;
}

/** One sidecar whose channels all deliver under `/<prefix>/…` of the shared receivers, and one failing push workflow. */
async function startWithChannels(prefix: string, workflowId: string, smtpPort: number, env: Record<string, string>): Promise<Started> {
  const logLines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(chunk.toString()); cb(); } });
  const sidecar = await startTestSidecar({
    features: [workflowsFeature, alertsFeature],
    log: createLogger({ level: 'info', format: 'json', destination: sink }),
    env: { ALERT_TICK_INTERVAL: '100ms', ALERT_EVAL_INTERVAL: '1h', NOTIFY_POLL_INTERVAL: '100ms', NOTIFY_RETRY_INITIAL: '200ms', NOTIFY_RETRY_MAX: '1s', ...env },
  });
  const channels = [
    { id: 'slack', type: 'slack', config: { url: `${receiver.url}/${prefix}/slack` } },
    { id: 'discord', type: 'discord', config: { url: `${receiver.url}/${prefix}/discord` } },
    { id: 'email', type: 'email', config: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'monitor@example.test', to: [`${prefix}@example.test`] } },
    { id: 'sms', type: 'sms', config: { baseUrl: `${receiver.url}/${prefix}`, accountSid: 'AC0123456789', authToken: 'twilio-token-0123456789', from: '+15550001111', to: ['+15550002222'] } },
    { id: 'webhook', type: 'webhook', config: { url: `${receiver.url}/${prefix}/hook` } },
    { id: 'alertmanager', type: 'alertmanager', config: { url: alertmanager.url } },
  ];
  for (const c of channels) {
    await post(sidecar, '/api/v1/channels', { name: `Channel ${c.id}`, ...c });
  }
  // Every channel at once, the webhook again as the second tier, and one reminder: every kind of notice is sent.
  await post(sidecar, '/api/v1/escalation-policies', {
    id: 'all-then-hook', name: 'All, then the webhook again', reminder: { every: '1s', max: 1 },
    tiers: [{ after: '0s', channels: channels.map((c) => c.id) }, { after: '1s', channels: ['webhook'] }],
  });
  await post(sidecar, '/api/v1/workflows', { id: workflowId, name: `Checkout ${prefix}`, schedule: { push: { expected: '1h' } } });
  await post(sidecar, '/api/v1/rules', {
    id: `${workflowId}-down`, name: 'Checkout down', severity: 'critical', scope: { workflowIds: [workflowId] },
    condition: { type: 'consecutive_failures', count: 1 }, escalationPolicy: 'all-then-hook',
  });
  await post(sidecar, '/api/v1/executions', { workflowId, status: 'failed', durationMs: 80, errorType: 'transient', errorMessage: 'target answered HTTP 503' });
  return { sidecar, logLines };
}

async function openAlertId(s: Started, workflowId: string): Promise<number> {
  return eventually(async () => {
    const { alerts } = (await (await s.sidecar.api(`/api/v1/alerts?workflowId=${workflowId}`)).json()) as { alerts: Array<{ id: number }> };
    return alerts[0]?.id;
  });
}

const hooks = (prefix: string, kind: string) => receiver.on(`/${prefix}/hook`, (j) => j?.kind === kind);
const smsBodies = (prefix: string) => receiver.on(`/${prefix}/2010-04-01/Accounts/AC0123456789/Messages.json`).map((r) => new URLSearchParams(r.body).get('Body') ?? '');
const mailTo = (prefix: string) => mails.filter((m) => (m.to as { text: string } | undefined)?.text.includes(`${prefix}@example.test`));

async function alertmanagerAlert(workflowId: string): Promise<any> {
  return eventually(async () => {
    const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as any[];
    return alerts.find((a) => a.labels.workflow === workflowId);
  });
}

beforeAll(async () => {
  receiver = await startReceiver({
    answer: (req) => (req.path.endsWith('/Messages.json') ? { status: 201, body: JSON.stringify({ sid: `SM${crypto.randomBytes(8).toString('hex')}` }) } : req.path.endsWith('/discord') ? { status: 204, body: '' } : undefined),
  });
  alertmanager = await startAlertmanager(`${receiver.url}/am-hook`);
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  linked = await startWithChannels('linked', 'checkout', smtpPort, { GRAFANA_URL });
  unlinked = await startWithChannels('unlinked', 'nolinks', smtpPort, {});
});

afterAll(async () => {
  await linked?.sidecar.stop();
  await unlinked?.sidecar.stop();
  await alertmanager?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await receiver?.close();
});

describe('GRAFANA_URL: every notification links to its alert and workflow in the app', () => {
  let alertId: number;
  let alertUrl: string;
  const workflowUrl = `${APP}/workflows/checkout`;

  beforeAll(async () => {
    alertId = await openAlertId(linked, 'checkout');
    alertUrl = `${APP}/alerts/${alertId}`;
  });

  it('the links name the app plugin by its id in src/plugin.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../src/plugin.json'), 'utf8')) as { id: string };
    expect(APP_PLUGIN_ID).toBe(manifest.id);
  });

  it('Slack: an actions block with an "Open alert" and an "Open workflow" button', async () => {
    const [msg] = await eventually(() => receiver.on('/linked/slack').length > 0 && receiver.on('/linked/slack'));
    const actions = msg!.json.blocks.find((b: any) => b.type === 'actions');
    expect(actions.elements).toEqual([
      expect.objectContaining({ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: alertUrl }),
      expect.objectContaining({ type: 'button', text: { type: 'plain_text', text: 'Open workflow' }, url: workflowUrl }),
    ]);
  });

  it('Discord: the embed title opens the alert and its author the workflow', async () => {
    const [msg] = await eventually(() => receiver.on('/linked/discord').length > 0 && receiver.on('/linked/discord'));
    expect(msg!.json.embeds[0]).toMatchObject({ url: alertUrl, author: { name: 'Checkout linked', url: workflowUrl } });
  });

  it('e-mail: the text part names both links and the HTML part has them as anchors', async () => {
    const mail = await eventually(() => mailTo('linked').find((m) => /FIRING/.test(m.subject ?? '')));
    expect(mail.text).toContain(`Open the alert in Grafana: ${alertUrl}`);
    expect(mail.text).toContain(`Open the workflow in Grafana: ${workflowUrl}`);
    const hrefs = [...String(mail.html).matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(hrefs).toEqual([[alertUrl, 'Open the alert in Grafana'], [workflowUrl, 'Open the workflow in Grafana']]);
  });

  it('SMS: the alert link is the message\'s last line', async () => {
    const [body] = await eventually(() => smsBodies('linked').length > 0 && smsBodies('linked'));
    expect(body!.split('\n').pop()).toBe(alertUrl);
  });

  it('webhook: alertUrl and workflowUrl fields, and the links in its text', async () => {
    const [msg] = await eventually(() => hooks('linked', 'firing').length > 0 && hooks('linked', 'firing'));
    expect(msg!.json).toMatchObject({ alertUrl, workflowUrl, alert: { id: alertId, workflowId: 'checkout' } });
    expect(msg!.json.text).toContain(alertUrl);
  });

  it('Alertmanager: generatorURL is the alert\'s page, as Alertmanager itself lists it', async () => {
    const listed = await alertmanagerAlert('checkout');
    expect(listed.generatorURL).toBe(alertUrl);
    expect(listed.annotations.workflow_url).toBe(workflowUrl);
  });

  it('escalations, reminders and resolved notices carry the same links', async () => {
    const escalation = await eventually(() => hooks('linked', 'escalation')[0]);
    const reminder = await eventually(() => hooks('linked', 'reminder')[0]);
    await post(linked.sidecar, '/api/v1/executions', { workflowId: 'checkout', status: 'success', durationMs: 40 });
    const resolved = await eventually(() => hooks('linked', 'resolved')[0], 90_000);
    for (const msg of [escalation, reminder, resolved]) {
      expect(msg.json).toMatchObject({ alertUrl, workflowUrl });
    }
    const resolvedSlack = await eventually(() => receiver.on('/linked/slack', (j) => /RESOLVED/.test(j?.text)).at(0));
    expect(resolvedSlack.json.blocks.find((b: any) => b.type === 'actions').elements.map((e: any) => e.url)).toEqual([alertUrl, workflowUrl]);
    const resolvedMail = await eventually(() => mailTo('linked').find((m) => /RESOLVED/.test(m.subject ?? '')));
    expect(String(resolvedMail.html)).toContain(`<a href="${alertUrl}">`);
  });

  it('a channel test links to the Alerts page (a test has no alert)', async () => {
    expect(await post(linked.sidecar, '/api/v1/channels/webhook/test', { user: 'alice' }, 200)).toMatchObject({ delivered: true });
    const [msg] = hooks('linked', 'test');
    expect(msg!.json.alertUrl).toBe(`${APP}/alerts`);
    expect(msg!.json).not.toHaveProperty('workflowUrl');
  });

  it('says where links point once at start, and never that they are off', () => {
    expect(linked.logLines.filter((l) => /notifications link to their alert and workflow in Grafana/.test(l))).toHaveLength(1);
    expect(linked.logLines.some((l) => NO_LINKS_LINE.test(l))).toBe(false);
  });
});

describe('GRAFANA_URL unset: notifications carry no link, and the sidecar says so once', () => {
  beforeAll(async () => {
    await openAlertId(unlinked, 'nolinks');
    // Everything has arrived (firing on every channel, the escalation and the reminder on the webhook).
    await eventually(() => receiver.on('/unlinked/slack').length > 0 && receiver.on('/unlinked/discord').length > 0 && smsBodies('unlinked').length > 0 && mailTo('unlinked').length > 0);
    await eventually(() => hooks('unlinked', 'escalation').length > 0 && hooks('unlinked', 'reminder').length > 0);
  });

  it('no channel\'s payload holds a link into Grafana', async () => {
    const everything = [
      ...receiver.received.filter((r) => r.path.startsWith('/unlinked/')).map((r) => r.body),
      ...mailTo('unlinked').flatMap((m) => [m.text ?? '', String(m.html)]),
    ];
    expect(everything.length).toBeGreaterThanOrEqual(7);
    for (const body of everything) {
      expect(body).not.toContain(`/a/${APP_PLUGIN_ID}/`);
    }
    expect(receiver.on('/unlinked/slack')[0]!.json.blocks.map((b: any) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(receiver.on('/unlinked/discord')[0]!.json.embeds[0]).not.toHaveProperty('url');
    for (const msg of receiver.received.filter((r) => r.path === '/unlinked/hook')) {
      expect(msg.json).not.toHaveProperty('alertUrl');
      expect(msg.json).not.toHaveProperty('workflowUrl');
    }
    expect(String(mailTo('unlinked')[0]!.html)).not.toContain('<a ');
    expect((await alertmanagerAlert('nolinks')).generatorURL ?? '').toBe('');
  });

  it('logs one line at start saying links are off and why', () => {
    const lines = unlinked.logLines.filter((l) => NO_LINKS_LINE.test(l));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: expect.stringContaining('set it to the URL users open Grafana at') });
  });
});

describe('GRAFANA_URL is validated at start', () => {
  it.each([
    ['https://grafana.example.com/', 'https://grafana.example.com'],
    ['http://10.0.0.5:3000', 'http://10.0.0.5:3000'],
    ['https://ops.example.com/grafana//', 'https://ops.example.com/grafana'],
    ['  https://Ops.Example.com/grafana  ', 'https://ops.example.com/grafana'],
  ])('%j is read as %j', (value, expected) => {
    expect(loadConfig({ GRAFANA_URL: value }).GRAFANA_URL).toBe(expected);
  });

  it('blank or unset means no links', () => {
    expect(loadConfig({}).GRAFANA_URL).toBeUndefined();
    expect(loadConfig({ GRAFANA_URL: ' ' }).GRAFANA_URL).toBeUndefined();
  });

  it.each([
    ['grafana.example.com', /GRAFANA_URL="grafana.example.com": must be an absolute http/],
    ['/grafana', /GRAFANA_URL="\/grafana": must be an absolute http/],
    ['ftp://grafana.example.com', /GRAFANA_URL="ftp:\/\/grafana.example.com": must be an http:\/\/ or https:\/\/ URL, not ftp:/],
    ['https://admin:secret@grafana.example.com', /GRAFANA_URL=.*must not carry a user name or password/],
    ['https://grafana.example.com/?orgId=1', /GRAFANA_URL=.*must not carry a query or a fragment/],
    ['https://grafana.example.com/#x', /GRAFANA_URL=.*must not carry a query or a fragment/],
  ])('%j is a config error naming GRAFANA_URL', (value, message) => {
    expect(() => loadConfig({ GRAFANA_URL: value })).toThrow(message);
  });

  it('a URL with a password in it is not echoed in the error', () => {
    expect(() => loadConfig({ GRAFANA_URL: 'https://admin:hunter2-secret@grafana.example.com' })).toThrow(/^(?![\s\S]*hunter2)[\s\S]*GRAFANA_URL=\(hidden\): must not carry a user name or password/);
  });
});
