import type { Pool, PoolClient } from '../db/pool';
import { NOTIFICATION_STATE, type NotificationState } from '../model/notificationStates';
import type { ChannelType } from './channelSchema';
import { knownChannelIds } from './channelStore';
import type { NotificationKind } from './notificationMessage';
import type { OutboxPayload } from './reportMessage';

/**
 * Every statement on `notifications` and `notification_attempts`: the outbox (queued in the
 * alert change's transaction), the delivery worker's claim and outcome, and the reads the API and
 * the alert lifecycle make. States are interpolated as literals so the partial indexes match.
 */
const { pending, delivering, delivered, failed } = NOTIFICATION_STATE;

export interface QueuedNotification {
  id: number;
  channelId: string;
  kind: NotificationKind;
  idempotencyKey: string;
}

/**
 * Queues notifications inside the caller's transaction: the alert change and the notifications it
 * causes commit together or not at all. The idempotency key is unique, so two replicas (or a
 * retried evaluation) queue a given notification once. Unknown and disabled channels are skipped
 * and returned so the caller can say so.
 */
export async function enqueueNotifications(
  client: PoolClient,
  opts: { alertId: number | null; channelIds: string[]; kind: NotificationKind; keyBase: string; payload: OutboxPayload }
): Promise<{ queued: QueuedNotification[]; skipped: string[] }> {
  if (opts.channelIds.length === 0) {
    return { queued: [], skipped: [] };
  }
  const unique = [...new Set(opts.channelIds)];
  const { rows } = await client.query<{ id: number; channel_id: string; idempotency_key: string }>(
    `INSERT INTO notifications (alert_id, channel_id, kind, idempotency_key, payload)
     SELECT $1, c.id, $3, $4 || ':' || c.id, $5::jsonb
       FROM channels c WHERE c.id = ANY($2) AND c.enabled
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id, channel_id, idempotency_key`,
    [opts.alertId, unique, opts.kind, opts.keyBase, JSON.stringify(opts.payload)]
  );
  const knownIds = await knownChannelIds(client, unique, { enabledOnly: true });
  return {
    queued: rows.map((r) => ({ id: r.id, channelId: r.channel_id, kind: opts.kind, idempotencyKey: r.idempotency_key })),
    skipped: unique.filter((id) => !knownIds.has(id)),
  };
}

/** Channels an alert's firing, escalation or reminder notices went to (they get its resolved notice). */
export async function notifiedChannels(db: Pool | PoolClient, alertId: number): Promise<string[]> {
  const { rows } = await db.query<{ channel_id: string }>(`SELECT DISTINCT channel_id FROM notifications WHERE alert_id = $1 AND kind <> 'resolved' ORDER BY 1`, [alertId]);
  return rows.map((r) => r.channel_id);
}

interface NotificationRow {
  id: number;
  channel_id: string;
  kind: NotificationKind;
  state: NotificationState;
  attempts: number;
  idempotency_key: string;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** An alert's notifications, oldest first, as the API shows them. */
export async function listAlertNotifications(db: Pool | PoolClient, alertId: number) {
  const { rows } = await db.query<NotificationRow>(
    'SELECT id, channel_id, kind, state, attempts, idempotency_key, last_error, created_at, delivered_at FROM notifications WHERE alert_id = $1 ORDER BY id',
    [alertId]
  );
  return rows.map((n) => ({
    id: Number(n.id), channelId: n.channel_id, kind: n.kind, state: n.state, attempts: n.attempts, idempotencyKey: n.idempotency_key,
    lastError: n.last_error, createdAt: n.created_at.toISOString(), deliveredAt: n.delivered_at ? n.delivered_at.toISOString() : null,
  }));
}

/** Notifications not delivered, by state (the `workflow_monitor_notifications` gauge). */
export async function countUndelivered(db: Pool | PoolClient): Promise<Array<{ state: NotificationState; n: number }>> {
  const { rows } = await db.query<{ state: NotificationState; n: number }>(`SELECT state, count(*)::int AS n FROM notifications WHERE state <> '${delivered}' GROUP BY state`);
  return rows;
}

export interface ClaimedNotification {
  id: number;
  alert_id: number | null;
  kind: string;
  idempotency_key: string;
  payload: OutboxPayload;
  attempts: number;
  created_at: Date;
  channel: { id: string; name: string; type: ChannelType; enabled: boolean; config: Record<string, unknown>; secrets: Record<string, unknown> } | null;
}

/**
 * Claims due notifications — pending ones whose time has come and deliveries whose lease ran out —
 * in one `FOR UPDATE SKIP LOCKED` statement, leased to this worker for `leaseMs`.
 */
export async function claimDueNotifications(db: Pool | PoolClient, opts: { workerId: string; leaseMs: number; limit: number }): Promise<ClaimedNotification[]> {
  const { rows } = await db.query<ClaimedNotification>(
    `WITH due AS (
       SELECT id FROM notifications
        WHERE (state = '${pending}' AND next_attempt_at <= now()) OR (state = '${delivering}' AND locked_until < now())
        ORDER BY next_attempt_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
     UPDATE notifications n
        SET state = '${delivering}', attempts = n.attempts + 1, locked_by = $1, locked_until = now() + make_interval(secs => $2 / 1000.0)
       FROM due WHERE n.id = due.id
     RETURNING n.id, n.alert_id, n.kind, n.idempotency_key, n.payload, n.attempts, n.created_at,
               (SELECT json_build_object('id', c.id, 'name', c.name, 'type', c.type, 'enabled', c.enabled, 'config', c.config, 'secrets', c.secrets)
                  FROM channels c WHERE c.id = n.channel_id) AS channel`,
    [opts.workerId, opts.leaseMs, opts.limit]
  );
  return rows;
}

export interface AttemptRecord {
  notificationId: number;
  /** The attempt's number (the claim counted it). */
  attempt: number;
  durationMs: number;
  httpStatus?: number;
}

/** The attempt delivered: the notification is done and the attempt is on record. */
export async function recordDelivered(db: Pool | PoolClient, a: AttemptRecord): Promise<void> {
  await db.query(
    `WITH done AS (
       UPDATE notifications SET state = '${delivered}', delivered_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
        WHERE id = $1 RETURNING id)
     INSERT INTO notification_attempts (notification_id, number, duration_ms, http_status) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [a.notificationId, a.attempt, a.durationMs, a.httpStatus ?? null]
  );
}

/** The attempt failed: retried after `retryInMs`, or `failed` for good when `giveUp`. */
export async function recordFailedAttempt(
  db: Pool | PoolClient,
  a: AttemptRecord & { errorType: string; errorMessage?: string; giveUp: boolean; retryInMs: number }
): Promise<void> {
  await db.query(
    `WITH next AS (
       UPDATE notifications SET state = $5, locked_by = NULL, locked_until = NULL, last_error = $6,
              next_attempt_at = now() + make_interval(secs => $7 / 1000.0)
        WHERE id = $1 RETURNING id)
     INSERT INTO notification_attempts (notification_id, number, duration_ms, http_status, error_type, error_message)
     VALUES ($1, $2, $3, $4, $8, $6) ON CONFLICT DO NOTHING`,
    [a.notificationId, a.attempt, a.durationMs, a.httpStatus ?? null, a.giveUp ? failed : pending, a.errorMessage ?? null, a.retryInMs, a.errorType]
  );
}
