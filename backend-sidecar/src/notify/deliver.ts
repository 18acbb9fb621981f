import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import { fetch, type Dispatcher } from 'undici';
import type { EgressGuard } from '../net/egressGuard';
import { HttpStatusError, egressRefusalIn } from '../retry/errors';
import type { Channel, ChannelConfig } from './channelSchema';
import { alertmanagerAlerts, discordMessage, emailMessage, slackMessage, smsForm, webhookBody } from './channelPayloads';
import { notificationLinks } from './grafanaLinks';
import { isReportPayload, reportSubject, reportText, reportWebhookBody, type OutboxPayload, type ReportNotificationPayload } from './reportMessage';

export interface DeliveryContext {
  idempotencyKey: string;
  timeoutMs: number;
  now?: Date;
  egress: DeliveryEgress;
  /** GRAFANA_URL: set, every message links to its alert and workflow in the app. */
  grafanaUrl?: string;
}

/**
 * How deliveries reach receivers: HTTP through a dispatcher built by the guard, SMTP over sockets the
 * guard opens. Every connection is checked against TARGET_DENYLIST / TARGET_ALLOWLIST.
 */
export interface DeliveryEgress {
  guard: EgressGuard;
  dispatcher: Dispatcher;
}

export interface DeliveryOutcome {
  httpStatus?: number;
}

const USER_AGENT = 'workflow-monitor/0.1';

/** The signature a webhook receiver checks: HMAC-SHA256(secret, `${timestamp}.${body}`), hex. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function post(url: string, init: { body: string; headers: Record<string, string> }, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  // undici's fetch (not the global one, which is Node's bundled undici) so the dispatcher is of its version.
  const response = await fetch(url, {
    method: 'POST',
    body: init.body,
    headers: { 'user-agent': USER_AGENT, 'idempotency-key': ctx.idempotencyKey, ...init.headers },
    signal: AbortSignal.timeout(ctx.timeoutMs),
    redirect: 'error',
    dispatcher: ctx.egress.dispatcher,
  }).catch((error: unknown) => {
    // fetch wraps every connect error as "fetch failed"; a refusal is reported with its own message.
    throw egressRefusalIn(error) ?? error;
  });
  // Read (and bound) the body so the socket is released; receivers' answers are short.
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    throw new HttpStatusError(response.status, response.headers.get('retry-after') ?? undefined, `receiver answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  return { httpStatus: response.status };
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

/** Sends one notification through one channel; throws what the retry module can classify. */
export async function deliver(channel: Channel, outboxPayload: OutboxPayload, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  if (isReportPayload(outboxPayload)) {
    return deliverReport(channel, outboxPayload, ctx);
  }
  const payload = outboxPayload;
  const links = notificationLinks(ctx.grafanaUrl, payload);
  switch (channel.type) {
    case 'slack': {
      const c = channel.config as ChannelConfig<'slack'>;
      return post(c.url, json(slackMessage(payload, c, links)), ctx);
    }
    case 'discord': {
      const c = channel.config as ChannelConfig<'discord'>;
      return post(c.url, json(discordMessage(payload, c, links)), ctx);
    }
    case 'webhook': {
      const c = channel.config as ChannelConfig<'webhook'>;
      return postWebhook(c, JSON.stringify(webhookBody(payload, ctx.idempotencyKey, links)), ctx);
    }
    case 'alertmanager': {
      const c = channel.config as ChannelConfig<'alertmanager'>;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (c.username !== undefined || c.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
      }
      return post(`${c.url.replace(/\/+$/, '')}/api/v2/alerts`, { body: JSON.stringify(alertmanagerAlerts(payload, ctx.now, links)), headers }, ctx);
    }
    case 'sms': {
      const c = channel.config as ChannelConfig<'sms'>;
      const url = `${c.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/Messages.json`;
      let last: DeliveryOutcome = {};
      for (const to of c.to) {
        last = await post(url, {
          body: smsForm(payload, c.from, to, links).toString(),
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`,
            'i-twilio-idempotency-token': `${ctx.idempotencyKey}:${to}`,
          },
        }, ctx);
      }
      return last;
    }
    case 'email': {
      const c = channel.config as ChannelConfig<'email'>;
      const message = emailMessage(payload, links);
      await sendMail(c, ctx, {
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { 'X-Idempotency-Key': ctx.idempotencyKey, 'X-Workflow-Monitor-Alert': String(payload.alert.id) },
      });
      return {};
    }
  }
}

async function sendMail(c: ChannelConfig<'email'>, ctx: DeliveryContext, message: { subject: string; text: string; html?: string; headers: Record<string, string>; attachments?: Array<{ filename: string; content: Buffer; contentType: string }> }): Promise<void> {
  const transport = nodemailer.createTransport({
    host: c.host,
    // nodemailer would resolve the host itself; this socket goes only to addresses the guard allows.
    getSocket: (_options, callback) => {
      ctx.egress.guard.connectTcp(c.host, c.port, ctx.timeoutMs).then((connection) => callback(null, { connection }), (error: Error) => callback(error, undefined));
    },
    port: c.port,
    secure: c.secure,
    ...(c.user ? { auth: { user: c.user, pass: c.password ?? '' } } : {}),
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
    // Certificates are verified (implicit TLS and STARTTLS alike) unless the channel turns it off explicitly.
    tls: { rejectUnauthorized: c.tls?.rejectUnauthorized !== false },
  });
  try {
    await transport.sendMail({ from: c.from, to: c.to, messageId: `<${ctx.idempotencyKey}@workflow-monitor>`, ...message });
  } finally {
    transport.close();
  }
}

/**
 * A scheduled report: e-mail carries the rendered file as an attachment, a webhook the JSON report
 * inline (signed like alert webhooks). Other channel types cannot carry a report (schedules refuse
 * them; one changed type since is a permanent failure).
 */
async function deliverReport(channel: Channel, payload: ReportNotificationPayload, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  if (channel.type === 'email') {
    const c = channel.config as ChannelConfig<'email'>;
    await sendMail(c, ctx, {
      subject: reportSubject(payload),
      text: reportText(payload),
      headers: { 'X-Idempotency-Key': ctx.idempotencyKey, 'X-Workflow-Monitor-Report': payload.report.scheduleId },
      attachments: [{ filename: payload.attachment.filename, content: Buffer.from(payload.attachment.base64, 'base64'), contentType: payload.attachment.contentType }],
    });
    return {};
  }
  if (channel.type === 'webhook') {
    const c = channel.config as ChannelConfig<'webhook'>;
    return postWebhook(c, JSON.stringify(reportWebhookBody(payload, ctx.idempotencyKey)), ctx);
  }
  // ECONFIG: a configuration error, classified permanent (classifyDeliveryError), so it is not retried.
  throw Object.assign(new Error(`a ${channel.type} channel cannot carry reports; use an email or webhook channel`), { code: 'ECONFIG' });
}

function postWebhook(c: ChannelConfig<'webhook'>, body: string, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const timestamp = String(Math.floor((ctx.now ?? new Date()).getTime() / 1000));
  const headers: Record<string, string> = { ...(c.headers ?? {}), 'content-type': 'application/json', 'x-workflow-monitor-timestamp': timestamp };
  if (c.secret) {
    headers['x-workflow-monitor-signature'] = webhookSignature(c.secret, timestamp, body);
  }
  return post(c.url, { body, headers }, ctx);
}
