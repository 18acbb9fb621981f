import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import type { ErrorType } from '../model/execution';
import { backoffDelay } from '../retry/backoff';
import { parseRetryAfter } from '../retry/retryAfter';
import { scrub, secretStrings, type Channel, type ChannelType } from './channelSchema';
import { classifyDeliveryError } from './classifyDeliveryError';
import { deliver, type DeliveryEgress } from './deliver';
import type { NotificationPayload } from './notificationMessage';

export interface DeliverySettings {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A notification still undelivered this long after it was queued ends as `failed`. */
  giveUpAfterMs: number;
}

interface ClaimedRow {
  id: number;
  alert_id: number | null;
  kind: string;
  idempotency_key: string;
  payload: NotificationPayload;
  attempts: number;
  created_at: Date;
  channel: { id: string; name: string; type: ChannelType; enabled: boolean; config: Record<string, unknown>; secrets: Record<string, unknown> } | null;
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
        const counts: Record<string, number> = { pending: 0, delivering: 0, failed: 0 };
        try {
          const { rows } = await pool.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM notifications WHERE state <> 'delivered' GROUP BY state`);
          for (const r of rows) {
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
        let claimed: ClaimedRow[] = [];
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

  private async claim(limit: number): Promise<ClaimedRow[]> {
    const { rows } = await this.opts.pool.query<ClaimedRow>(
      `WITH due AS (
         SELECT id FROM notifications
          WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'delivering' AND locked_until < now())
          ORDER BY next_attempt_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE notifications n
          SET state = 'delivering', attempts = n.attempts + 1, locked_by = $1, locked_until = now() + make_interval(secs => $2 / 1000.0)
         FROM due WHERE n.id = due.id
       RETURNING n.id, n.alert_id, n.kind, n.idempotency_key, n.payload, n.attempts, n.created_at,
                 (SELECT json_build_object('id', c.id, 'name', c.name, 'type', c.type, 'enabled', c.enabled, 'config', c.config, 'secrets', c.secrets)
                    FROM channels c WHERE c.id = n.channel_id) AS channel`,
      [this.opts.workerId, this.opts.settings.leaseMs, limit]
    );
    return rows;
  }

  private async deliverOne(row: ClaimedRow): Promise<void> {
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
        const outcome = await deliver(channel, row.payload, { idempotencyKey: row.idempotency_key, timeoutMs: settings.timeoutMs, egress: this.opts.egress });
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
        await pool.query(
          `WITH done AS (
             UPDATE notifications SET state = 'delivered', delivered_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
              WHERE id = $1 RETURNING id)
           INSERT INTO notification_attempts (notification_id, number, duration_ms, http_status) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [row.id, row.attempts, durationMs, httpStatus ?? null]
        );
        this.delivered.inc({ channel_type: channelType });
        this.latency.observe({ channel_type: channelType }, (Date.now() - new Date(row.created_at).getTime()) / 1000);
        this.opts.onDelivered?.(row.id);
        return;
      }
      const age = Date.now() - new Date(row.created_at).getTime();
      const giveUp = !retryable || age >= settings.giveUpAfterMs;
      const backoff = backoffDelay({ initialDelayMs: settings.initialDelayMs, maxDelayMs: settings.maxDelayMs, multiplier: 2, jitter: 0.2 }, row.attempts + 1);
      const delay = Math.max(backoff, parseRetryAfter(retryAfter, settings.maxDelayMs) ?? 0);
      await pool.query(
        `WITH next AS (
           UPDATE notifications SET state = $5, locked_by = NULL, locked_until = NULL, last_error = $6,
                  next_attempt_at = now() + make_interval(secs => $7 / 1000.0)
            WHERE id = $1 RETURNING id)
         INSERT INTO notification_attempts (notification_id, number, duration_ms, http_status, error_type, error_message)
         VALUES ($1, $2, $3, $4, $8, $6) ON CONFLICT DO NOTHING`,
        [row.id, row.attempts, durationMs, httpStatus ?? null, giveUp ? 'failed' : 'pending', errorMessage ?? null, delay, errorType]
      );
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
