import { colourOf, subjectOf, textOf, type NotificationPayload } from './notificationMessage';

/** Slack incoming webhook: `text` for notifications and Block Kit blocks for the message. */
export function slackMessage(p: NotificationPayload, opts: { channel?: string; username?: string } = {}) {
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
    ],
  };
}

/** Discord webhook: one embed with the colour of the severity. */
export function discordMessage(p: NotificationPayload, opts: { username?: string } = {}) {
  return {
    ...(opts.username ? { username: opts.username } : {}),
    content: subjectOf(p).slice(0, 2000),
    embeds: [
      {
        title: `${p.alert.title}`.slice(0, 256),
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

/** Generic webhook body: the snapshot plus a text rendering. */
export function webhookBody(p: NotificationPayload, idempotencyKey: string) {
  return { version: 1, idempotencyKey, kind: p.kind, text: textOf(p), alert: p.alert, ...(p.note ? { note: p.note } : {}) };
}

/** Alertmanager API v2 postable alert; a resolved alert carries `endsAt`. */
export function alertmanagerAlerts(p: NotificationPayload, now = new Date()) {
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
      },
      startsAt: p.alert.openedAt,
      ...(p.kind === 'resolved' ? { endsAt: p.alert.resolvedAt ?? now.toISOString() } : {}),
    },
  ];
}

/** Twilio Messages API form fields (one request per recipient). */
export function smsForm(p: NotificationPayload, from: string, to: string): URLSearchParams {
  const body = `${subjectOf(p)}\n${p.alert.message}`.slice(0, 1500);
  return new URLSearchParams({ To: to, From: from, Body: body });
}
