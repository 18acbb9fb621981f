import type { NotificationLinks } from './grafanaLinks';
import { colourOf, subjectOf, textOf, type NotificationPayload } from './notificationMessage';

// Slack refuses a whole message whose button URL is longer than this; the button is left out instead.
const SLACK_MAX_URL = 3000;

function slackButtons(links: NotificationLinks) {
  const buttons = [
    { type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: links.alertUrl, action_id: 'open_alert', style: 'primary' },
    ...(links.workflowUrl ? [{ type: 'button', text: { type: 'plain_text', text: 'Open workflow' }, url: links.workflowUrl, action_id: 'open_workflow' }] : []),
  ].filter((b) => b.url.length <= SLACK_MAX_URL);
  return buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : [];
}

/** Slack incoming webhook: `text` for notifications and Block Kit blocks for the message. */
export function slackMessage(p: NotificationPayload, opts: { channel?: string; username?: string } = {}, links?: NotificationLinks) {
  const fields = [
    { type: 'mrkdwn', text: `*Workflow*\n${p.alert.workflowName} (\`${p.alert.workflowId}\`)` },
    { type: 'mrkdwn', text: `*Severity*\n${p.alert.severity}` },
    { type: 'mrkdwn', text: `*Rule*\n${p.alert.ruleName}` },
    { type: 'mrkdwn', text: `*State*\n${p.alert.state}` },
  ];
  return {
    text: subjectOf(p),
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.username ? { username: opts.username } : {}),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subjectOf(p).slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: [p.alert.message, p.note].filter(Boolean).join('\n').slice(0, 3000) } },
      { type: 'section', fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Alert #${p.alert.id} · opened ${p.alert.openedAt}${p.alert.resolvedAt ? ` · resolved ${p.alert.resolvedAt}` : ''}` }] },
      ...(links ? slackButtons(links) : []),
    ],
  };
}

/** Discord webhook: one embed with the colour of the severity; with links, its title opens the alert and its author the workflow. */
export function discordMessage(p: NotificationPayload, opts: { username?: string } = {}, links?: NotificationLinks) {
  return {
    ...(opts.username ? { username: opts.username } : {}),
    content: subjectOf(p).slice(0, 2000),
    embeds: [
      {
        title: `${p.alert.title}`.slice(0, 256),
        ...(links ? { url: links.alertUrl } : {}),
        ...(links?.workflowUrl ? { author: { name: p.alert.workflowName.slice(0, 256), url: links.workflowUrl } } : {}),
        description: [p.alert.message, p.note].filter(Boolean).join('\n').slice(0, 4096),
        color: colourOf(p),
        timestamp: p.alert.resolvedAt ?? p.alert.openedAt,
        fields: [
          { name: 'Workflow', value: `${p.alert.workflowName} (${p.alert.workflowId})`.slice(0, 1024), inline: true },
          { name: 'Severity', value: p.alert.severity, inline: true },
          { name: 'State', value: p.alert.state, inline: true },
          { name: 'Rule', value: p.alert.ruleName.slice(0, 1024), inline: true },
        ],
        footer: { text: `Workflow Monitor · alert #${p.alert.id}` },
      },
    ],
  };
}

/** Generic webhook body: the snapshot plus a text rendering, and `alertUrl` / `workflowUrl` when GRAFANA_URL is set. */
export function webhookBody(p: NotificationPayload, idempotencyKey: string, links?: NotificationLinks) {
  return {
    version: 1,
    idempotencyKey,
    kind: p.kind,
    text: textOf(p, links),
    alert: p.alert,
    ...(p.note ? { note: p.note } : {}),
    ...(links ? { alertUrl: links.alertUrl } : {}),
    ...(links?.workflowUrl ? { workflowUrl: links.workflowUrl } : {}),
  };
}

// Five characters; not worth a dependency.
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** E-mail: the subject, the plain-text body and an HTML rendering of the same, links as anchors. */
export function emailMessage(p: NotificationPayload, links?: NotificationLinks): { subject: string; text: string; html: string } {
  const colour = `#${colourOf(p).toString(16).padStart(6, '0')}`;
  const paragraphs = [p.alert.message, p.note].filter((t): t is string => Boolean(t)).map((t) => `<p style="white-space:pre-wrap">${escapeHtml(t)}</p>`);
  const rows = [
    ['Workflow', `${p.alert.workflowName} (${p.alert.workflowId})`],
    ['Severity', p.alert.severity],
    ['State', p.alert.state],
    ['Rule', `${p.alert.ruleName} (${p.alert.ruleId})`],
    ['Opened', p.alert.openedAt],
    ...(p.alert.resolvedAt ? [['Resolved', p.alert.resolvedAt]] : []),
  ].map(([k, v]) => `<tr><th align="left" style="padding-right:12px">${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`);
  const anchors = links
    ? [`<a href="${escapeHtml(links.alertUrl)}">Open the alert in Grafana</a>`, ...(links.workflowUrl ? [`<a href="${escapeHtml(links.workflowUrl)}">Open the workflow in Grafana</a>`] : [])]
    : [];
  const html = [
    '<!DOCTYPE html><html><body style="font-family:sans-serif">',
    `<h2 style="border-left:6px solid ${colour};padding-left:8px">${escapeHtml(subjectOf(p))}</h2>`,
    ...paragraphs,
    `<table>${rows.join('')}</table>`,
    ...(anchors.length > 0 ? [`<p>${anchors.join(' · ')}</p>`] : []),
    `<p style="color:#888">Workflow Monitor · alert #${p.alert.id}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: subjectOf(p), text: textOf(p, links), html };
}

/** Alertmanager API v2 postable alert; a resolved alert carries `endsAt`; `generatorURL` is the alert's page in Grafana. */
export function alertmanagerAlerts(p: NotificationPayload, now = new Date(), links?: NotificationLinks) {
  const labels: Record<string, string> = {
    alertname: p.alert.ruleName.replace(/[^A-Za-z0-9_]/g, '_'),
    rule: p.alert.ruleId,
    workflow: p.alert.workflowId,
    severity: p.alert.severity,
    source: 'workflow-monitor',
  };
  for (const [key, value] of Object.entries(p.alert.labels)) {
    const name = key.replace(/[^A-Za-z0-9_]/g, '_');
    if (/^[A-Za-z_]/.test(name) && !(name in labels)) {
      labels[name] = value;
    }
  }
  return [
    {
      labels,
      annotations: {
        summary: p.alert.title,
        description: p.alert.message,
        alert_id: String(p.alert.id),
        ...(p.note ? { note: p.note } : {}),
        ...(p.alert.failingLocations ? { failing_locations: p.alert.failingLocations.join(',') } : {}),
        ...(links?.workflowUrl ? { workflow_url: links.workflowUrl } : {}),
      },
      ...(links ? { generatorURL: links.alertUrl } : {}),
      startsAt: p.alert.openedAt,
      ...(p.kind === 'resolved' ? { endsAt: p.alert.resolvedAt ?? now.toISOString() } : {}),
    },
  ];
}

const SMS_MAX = 1500;

/** Twilio Messages API form fields (one request per recipient); the alert's link, when there is one, is the last line and never cut. */
export function smsForm(p: NotificationPayload, from: string, to: string, links?: NotificationLinks): URLSearchParams {
  const link = links && links.alertUrl.length < SMS_MAX / 2 ? `\n${links.alertUrl}` : '';
  const body = `${subjectOf(p)}\n${p.alert.message}`.slice(0, SMS_MAX - link.length) + link;
  return new URLSearchParams({ To: to, From: from, Body: body });
}
