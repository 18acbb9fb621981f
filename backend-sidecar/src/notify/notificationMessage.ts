import type { AlertState } from '../model/alertStates';
import type { NotificationLinks } from './grafanaLinks';

export const NOTIFICATION_KINDS = ['firing', 'escalation', 'reminder', 'resolved', 'acknowledgement_expired', 'flapping', 'test', 'report'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * What a notification says, snapshotted when it is queued so a delivery after a restart (or the
 * tenth retry) says exactly what the first attempt would have.
 */
export interface NotificationPayload {
  kind: NotificationKind;
  alert: {
    id: number;
    fingerprint: string;
    title: string;
    message: string;
    severity: 'info' | 'warning' | 'error' | 'critical';
    state: AlertState;
    workflowId: string;
    workflowName: string;
    ruleId: string;
    ruleName: string;
    value?: number;
    count: number;
    labels: Record<string, string>;
    /** Quorum rules: the locations the condition holds in. */
    failingLocations?: string[];
    openedAt: string;
    resolvedAt?: string;
    acknowledgedBy?: string;
    tier: number;
  };
  /** Free text for escalations, reminders and tests. */
  note?: string;
}

const KIND_WORD: Record<NotificationKind, string> = {
  firing: 'FIRING',
  escalation: 'ESCALATED',
  reminder: 'STILL FIRING',
  resolved: 'RESOLVED',
  acknowledgement_expired: 'ACK EXPIRED',
  flapping: 'FLAPPING',
  test: 'TEST',
  report: 'REPORT',
};

/** "[CRITICAL] FIRING: Checkout flow — Consecutive failures" — also the e-mail subject. */
export function subjectOf(p: NotificationPayload): string {
  return `[${p.alert.severity.toUpperCase()}] ${KIND_WORD[p.kind]}: ${p.alert.workflowName} — ${p.alert.ruleName}`;
}

/** Plain-text body shared by e-mail and the webhook's `text`; with links, one line each at the end. */
export function textOf(p: NotificationPayload, links?: NotificationLinks): string {
  const lines = [subjectOf(p), p.alert.message];
  if (p.note) {
    lines.push(p.note);
  }
  lines.push(`Workflow: ${p.alert.workflowId} · Rule: ${p.alert.ruleId} · Alert #${p.alert.id} · opened ${p.alert.openedAt}`);
  if (p.alert.resolvedAt) {
    lines.push(`Resolved ${p.alert.resolvedAt}`);
  }
  if (links) {
    lines.push('', `Open the alert in Grafana: ${links.alertUrl}`);
    if (links.workflowUrl) {
      lines.push(`Open the workflow in Grafana: ${links.workflowUrl}`);
    }
  }
  return lines.join('\n');
}

/** Slack/Discord-style colours by severity (resolved is always green). */
export function colourOf(p: NotificationPayload): number {
  if (p.kind === 'resolved') {
    return 0x2eb67d;
  }
  return { info: 0x3b82f6, warning: 0xf2c744, error: 0xe8912d, critical: 0xe01e5a }[p.alert.severity];
}
