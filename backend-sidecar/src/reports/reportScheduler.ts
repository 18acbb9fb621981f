import { Counter, type Registry } from 'prom-client';
import { withTransaction, type Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import { enqueueNotifications } from '../notify/notificationStore';
import type { ReportNotificationPayload } from '../notify/reportMessage';
import { latestFireAtOrBefore, periodBefore } from './reportPeriods';
import { renderReport, reportScope } from './renderReport';
import { claimReportRun, listSchedules, recordRunNotifications, runExists, type ReportScheduleRow } from './reportScheduleStore';
import { buildSlaReport } from './slaReport';

/** The API path that renders the same report again (webhook receivers fetch the PDF/CSV with a token). */
export function reportPath(from: Date, to: Date, format: string, scope: ReportScheduleRow['scope']): string {
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), format });
  if (scope.workflowIds && scope.workflowIds.length > 0) {
    query.set('workflowIds', scope.workflowIds.join(','));
  }
  if (scope.labels && Object.keys(scope.labels).length > 0) {
    query.set('labels', Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(','));
  }
  return `/api/v1/reports/sla?${query.toString()}`;
}

/**
 * Sends scheduled reports. Each pass looks at every enabled schedule: the latest time its cron
 * fired (not before the schedule was created) names a period — the calendar week or month before
 * it, in the schedule's zone. The replica whose INSERT of (schedule, period) into report_runs wins
 * renders the report and queues one outbox notification per channel in the same transaction, so a
 * period is sent once however many replicas run, and a crash before the commit leaves it to the
 * next pass. Only the latest period is sent: after a long outage the missed ones are not replayed.
 */
export class ReportScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;
  readonly passes: Counter;
  readonly queued: Counter<'format'>;
  readonly failures: Counter;

  constructor(private readonly opts: { pool: Pool; log: Logger; workerId: string; intervalMs: number; registry: Registry; onQueued?: () => void }) {
    const registers = [opts.registry];
    this.passes = new Counter({ name: 'workflow_monitor_report_schedule_passes_total', help: 'Passes over the report schedules on this replica', registers });
    this.queued = new Counter({ name: 'workflow_monitor_reports_queued_total', help: 'Scheduled report periods this replica claimed and queued for delivery, by format', labelNames: ['format'], registers });
    this.failures = new Counter({ name: 'workflow_monitor_report_failures_total', help: 'Scheduled reports that could not be rendered or queued (retried next pass)', registers });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (!this.stopped) {
          this.schedule(this.opts.intervalMs);
        }
      });
    }, ms);
    this.timer.unref();
  }

  /** One look at every enabled schedule; returns how many periods this replica queued. */
  async pass(nowMs = Date.now()): Promise<number> {
    let queued = 0;
    try {
      for (const schedule of await listSchedules(this.opts.pool, { enabledOnly: true })) {
        try {
          queued += (await this.sendIfDue(schedule, nowMs)) ? 1 : 0;
        } catch (error) {
          this.failures.inc();
          this.opts.log.warn({ err: coerceError(error), scheduleId: schedule.id }, 'scheduled report could not be sent; retrying next pass');
        }
      }
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'could not read report schedules; retrying next pass');
    } finally {
      this.passes.inc();
    }
    if (queued > 0) {
      this.opts.onQueued?.();
    }
    return queued;
  }

  private async sendIfDue(schedule: ReportScheduleRow, nowMs: number): Promise<boolean> {
    const dueMs = latestFireAtOrBefore(schedule.cron, schedule.timezone, nowMs);
    // A schedule created on a Wednesday sends its first report at its next fire, not last Monday's at once.
    if (dueMs < schedule.created_at.getTime()) {
      return false;
    }
    const period = periodBefore(schedule.period, schedule.timezone, dueMs);
    const periodStart = new Date(period.start);
    const periodEnd = new Date(period.end);
    if (await runExists(this.opts.pool, schedule.id, periodStart)) {
      return false;
    }
    const sent = await withTransaction(this.opts.pool, async (client) => {
      if (!(await claimReportRun(client, { scheduleId: schedule.id, periodStart, periodEnd, dueAt: new Date(dueMs), workerId: this.opts.workerId }))) {
        return false;
      }
      const sla = await buildSlaReport(this.opts.pool, { from: period.start, to: period.end, ...reportScope(schedule.scope), nowMs });
      const file = await renderReport(this.opts.pool, sla, schedule.format, { title: schedule.name });
      const payload: ReportNotificationPayload = {
        kind: 'report',
        report: {
          scheduleId: schedule.id,
          scheduleName: schedule.name,
          period: schedule.period,
          timezone: schedule.timezone,
          format: schedule.format,
          path: reportPath(periodStart, periodEnd, schedule.format, schedule.scope),
          sla,
        },
        attachment: { filename: file.filename, contentType: file.contentType, base64: file.content.toString('base64') },
      };
      const { queued, skipped } = await enqueueNotifications(client, {
        alertId: null,
        channelIds: schedule.channels,
        kind: 'report',
        keyBase: `report:${schedule.id}:${periodStart.toISOString()}`,
        payload,
      });
      if (skipped.length > 0) {
        this.opts.log.warn({ scheduleId: schedule.id, skipped }, 'report schedule names channels that do not exist or are disabled; they were skipped');
      }
      await recordRunNotifications(client, schedule.id, periodStart, queued.length);
      return true;
    });
    if (sent) {
      this.queued.inc({ format: schedule.format });
      this.opts.log.info({ scheduleId: schedule.id, periodStart: periodStart.toISOString(), periodEnd: periodEnd.toISOString() }, 'scheduled report queued');
    }
    return sent;
  }
}
