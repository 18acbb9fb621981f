import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import type { ErrorType } from '../model/execution';
import { backoffDelay } from '../retry/backoff';
import { parseRetryAfter } from '../retry/retryAfter';
import { NOTIFICATION_STATE } from '../model/notificationStates';
import { scrub, secretStrings, type Channel } from './channelSchema';
import { classifyDeliveryError } from './classifyDeliveryError';
import { deliver, type DeliveryEgress } from './deliver';
import { claimDueNotifications, countUndelivered, recordDelivered, recordFailedAttempt, type ClaimedNotification } from './notificationStore';

export interface DeliverySettings {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A notification still undelivered this long after it was queued ends as `failed`. */
  giveUpAfterMs: number;
  /** GRAFANA_URL, for the links in every message. */
  grafanaUrl?: string;
}

/**
 * Delivers the outbox. Rows are claimed in one `FOR UPDATE SKIP LOCKED` statement with a lease,
 * so replicas share the work and a delivery whose worker died is retried by another. Retries use
 * the retry module's backoff and classification; the next attempt time lives in the row, so it
 * survives restarts. Delivery is at-least-once; the idempotency key lets receivers drop repeats.
 */
export class DeliveryWorker {
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private inFlight = new Set<Promise<void>>();
  private pumping?: Promise<void>;
  private again = false;
  readonly delivered: Counter<'channel_type'>;
  readonly failed: Counter<'channel_type' | 'error_type'>;
  readonly retried: Counter<'channel_type' | 'error_type'>;
  readonly latency: Histogram<'channel_type'>;

  constructor(
    private readonly opts: { pool: Pool; log: Logger; workerId: string; settings: DeliverySettings; registry: Registry; egress: DeliveryEgress; onDelivered?: (id: number) => void }
  ) {
    const registers = [opts.registry];
    this.delivered = new Counter({ name: 'workflow_monitor_notifications_delivered_total', help: 'Notifications delivered, by channel type', labelNames: ['channel_type'], registers });
    this.failed = new Counter({ name: 'workflow_monitor_notifications_failed_total', help: 'Notifications given up on (permanent error or too old), by channel type and error type', labelNames: ['channel_type', 'error_type'], registers });
    this.retried = new Counter({ name: 'workflow_monitor_notification_retries_total', help: 'Delivery attempts that failed and will be retried', labelNames: ['channel_type', 'error_type'], registers });
    this.latency = new Histogram({
      name: 'workflow_monitor_notification_delivery_seconds',
      help: 'Time from a notification being queued to its delivery',
      labelNames: ['channel_type'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800],
      registers,
    });
    const pool = opts.pool;
    new Gauge({
      name: 'workflow_monitor_notifications',
      help: 'Notifications in the outbox that are not delivered, by state (failed ones stay until removed)',
      labelNames: ['state'],
      registers,
      async collect() {
        const { pending, delivering, failed } = NOTIFICATION_STATE;
        const counts: Record<string, number> = { [pending]: 0, [delivering]: 0, [failed]: 0 };
        try {
          for (const r of await countUndelivered(pool)) {
            counts[r.state] = r.n;
          }
        } catch {
          // Database down: report nothing rather than fail the whole scrape.
          return;
        }
        for (const [state, n] of Object.entries(counts)) {
          this.set({ state }, n);
        }
      },
    });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Called after notifications are queued in this process: no need to wait for the poll. */
  wake(): void {
    if (!this.stopped) {
      this.schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), ms);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        const free = this.opts.settings.concurrency - this.inFlight.size;
        if (free <= 0 || this.stopped) {
          break;
        }
        let claimed: ClaimedNotification[] = [];
        try {
          claimed = await this.claim(free);
        } catch (error) {
          this.opts.log.warn({ err: coerceError(error) }, 'could not claim notifications; will retry');
          break;
        }
        for (const row of claimed) {
          const task: Promise<void> = this.deliverOne(row).finally(() => {
            this.inFlight.delete(task);
            if (!this.stopped) {
              this.schedule(0);
            }
          });
          this.inFlight.add(task);
        }
        if (claimed.length === free) {
          this.again = true;
        }
      } while (this.again && !this.stopped);
    })();
    try {
      await this.pumping;
    } finally {
      this.pumping = undefined;
      if (!this.stopped) {
        this.schedule(this.opts.settings.pollIntervalMs);
      }
    }
  }

  private claim(limit: number): Promise<ClaimedNotification[]> {
    return claimDueNotifications(this.opts.pool, { workerId: this.opts.workerId, leaseMs: this.opts.settings.leaseMs, limit });
  }

  private async deliverOne(row: ClaimedNotification): Promise<void> {
    const { pool, log, settings } = this.opts;
    const started = Date.now();
    const channel: Channel | undefined = row.channel
      ? { id: row.channel.id, name: row.channel.name, type: row.channel.type, enabled: row.channel.enabled, config: { ...row.channel.config, ...row.channel.secrets } }
      : undefined;
    let errorType: ErrorType | undefined;
    let errorMessage: string | undefined;
    let httpStatus: number | undefined;
    let retryable = false;
    let retryAfter: string | undefined;
    if (!channel) {
      errorType = 'permanent';
      errorMessage = 'channel was deleted';
    } else {
      try {
        const outcome = await deliver(channel, row.payload, { idempotencyKey: row.idempotency_key, timeoutMs: settings.timeoutMs, egress: this.opts.egress, grafanaUrl: settings.grafanaUrl });
        httpStatus = outcome.httpStatus;
      } catch (error) {
        const c = classifyDeliveryError(error);
        errorType = c.type;
        retryable = c.retryable;
        httpStatus = c.httpStatus;
        retryAfter = c.retryAfter;
        errorMessage = scrub(coerceError(error).message, secretStrings(channel)).slice(0, 1000);
      }
    }
    const durationMs = Date.now() - started;
    const channelType = channel?.type ?? 'unknown';
    try {
      if (!errorType) {
        await recordDelivered(pool, { notificationId: row.id, attempt: row.attempts, durationMs, httpStatus });
        this.delivered.inc({ channel_type: channelType });
        this.latency.observe({ channel_type: channelType }, (Date.now() - new Date(row.created_at).getTime()) / 1000);
        this.opts.onDelivered?.(row.id);
        return;
      }
      const age = Date.now() - new Date(row.created_at).getTime();
      const giveUp = !retryable || age >= settings.giveUpAfterMs;
      const backoff = backoffDelay({ initialDelayMs: settings.initialDelayMs, maxDelayMs: settings.maxDelayMs, multiplier: 2, jitter: 0.2 }, row.attempts + 1);
      const delay = Math.max(backoff, parseRetryAfter(retryAfter, settings.maxDelayMs) ?? 0);
      await recordFailedAttempt(pool, { notificationId: row.id, attempt: row.attempts, durationMs, httpStatus, errorType, errorMessage, giveUp, retryInMs: delay });
      const fields = { notificationId: row.id, channel: channel?.id, kind: row.kind, attempt: row.attempts, errorType, error: errorMessage };
      if (giveUp) {
        this.failed.inc({ channel_type: channelType, error_type: errorType });
        log.error(fields, 'notification failed for good');
      } else {
        this.retried.inc({ channel_type: channelType, error_type: errorType });
        log.warn({ ...fields, retryInMs: delay }, 'notification delivery failed; will retry');
      }
    } catch (error) {
      // The lease expires and another pass retries; at-least-once, never lost.
      log.warn({ err: coerceError(error), notificationId: row.id }, 'could not record a delivery outcome; the notification will be retried');
    }
  }
}
