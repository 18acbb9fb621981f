import type { PoolClient } from '../db/pool';
import type { NotificationKind, NotificationPayload } from './notificationMessage';

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
  opts: { alertId: number | null; channelIds: string[]; kind: NotificationKind; keyBase: string; payload: NotificationPayload }
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
  const { rows: known } = await client.query<{ id: string }>('SELECT id FROM channels WHERE id = ANY($1) AND enabled', [unique]);
  const knownIds = new Set(known.map((k) => k.id));
  return {
    queued: rows.map((r) => ({ id: r.id, channelId: r.channel_id, kind: opts.kind, idempotencyKey: r.idempotency_key })),
    skipped: unique.filter((id) => !knownIds.has(id)),
  };
}
