import type { SlaReport } from '../reports/slaReport';
import type { NotificationPayload } from './notificationMessage';

/**
 * A scheduled SLA report in the outbox, snapshotted when queued: the JSON report (for webhooks),
 * the rendered file (base64, attached to e-mails) and the API path that renders the same report
 * again. Nothing is read at delivery time, so the tenth retry sends what the first would have.
 */
export interface ReportNotificationPayload {
  kind: 'report';
  report: {
    scheduleId: string;
    scheduleName: string;
    period: 'weekly' | 'monthly';
    timezone: string;
    format: 'pdf' | 'csv';
    /** GET path (under the sidecar's URL, with a token) that renders the same report. */
    path: string;
    sla: SlaReport;
  };
  attachment: { filename: string; contentType: string; base64: string };
}

/** Every payload the outbox holds: an alert's notification, or a report. */
export type OutboxPayload = NotificationPayload | ReportNotificationPayload;

export function isReportPayload(p: OutboxPayload): p is ReportNotificationPayload {
  return p.kind === 'report' && 'report' in p;
}

const day = (iso: string) => (iso.slice(11, 19) === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')} UTC`);

/** "[REPORT] Weekly SLA: 2026-11-23 to 2026-11-30" — also the e-mail subject. */
export function reportSubject(p: ReportNotificationPayload): string {
  return `[REPORT] ${p.report.scheduleName}: ${day(p.report.sla.from)} to ${day(p.report.sla.to)}`;
}

const percent = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(3)} %`);

/** Plain-text body: the summary and the workflows that missed their objective. */
export function reportText(p: ReportNotificationPayload): string {
  const { sla } = p.report;
  const s = sla.summary;
  const lines = [
    reportSubject(p),
    `${s.workflows} workflows, ${s.executions} executions, uptime ${percent(s.uptime)}, objectives met ${s.objectivesMet} of ${s.objectivesMet + s.objectivesMissed}, ${s.incidents} incidents.`,
  ];
  const missed = sla.workflows.filter((w) => w.met === false);
  if (missed.length > 0) {
    lines.push('', 'Objectives missed:');
    for (const w of missed.slice(0, 50)) {
      lines.push(`  ${w.workflowId} (${w.name}): ${percent(w.uptime)} against ${w.objective} %, error budget used ${w.errorBudgetUsed ?? 'n/a'} %`);
    }
    if (missed.length > 50) {
      lines.push(`  … and ${missed.length - 50} more`);
    }
  }
  lines.push('', `The ${p.report.format.toUpperCase()} is attached (${p.attachment.filename}). Schedule: ${p.report.scheduleId}.`);
  return lines.join('\n');
}

/** Webhook body: the whole JSON report inline (no attachment) and the path that renders it again. */
export function reportWebhookBody(p: ReportNotificationPayload, idempotencyKey: string) {
  return {
    version: 1,
    idempotencyKey,
    kind: 'report' as const,
    text: reportSubject(p),
    schedule: { id: p.report.scheduleId, name: p.report.scheduleName, period: p.report.period, timezone: p.report.timezone, format: p.report.format },
    path: p.report.path,
    report: p.report.sla,
  };
}
