import type { Pool, PoolClient } from '../db/pool';
import { ConflictError } from '../errors/errors';

/**
 * Upper bounds on what can be defined, so neither an API client nor a runaway generator of files
 * can make the scheduler, the alert engine or the delivery worker work through an unbounded list.
 * Entries already stored are always kept (lowering a limit removes nothing); only new ones are refused.
 * Checked before each create: two creates racing at the limit may both pass, so it may be exceeded by
 * the number of concurrent requests, never more.
 */
export const LIMITED_RESOURCES = {
  workflows: { setting: 'MAX_WORKFLOWS', sql: 'SELECT id FROM workflows WHERE deleted_at IS NULL' },
  rules: { setting: 'MAX_RULES', sql: 'SELECT id FROM alert_rules' },
  channels: { setting: 'MAX_CHANNELS', sql: 'SELECT id FROM channels' },
} as const;
export type LimitedResource = keyof typeof LIMITED_RESOURCES;

type Db = Pool | PoolClient;

export class ResourceLimitError extends ConflictError {
  constructor(resource: LimitedResource, limit: number, id: string) {
    const { setting } = LIMITED_RESOURCES[resource];
    super(
      `cannot create "${id}": the limit of ${limit} ${resource} is reached (${setting}=${limit}); delete some or raise ${setting}`,
      { resource, limit, setting },
      'limit_reached'
    );
  }
}

/** Throws ResourceLimitError when `id` is not stored yet and `limit` entries already are. */
export async function ensureRoomFor(db: Db, resource: LimitedResource, id: string, limit: number): Promise<void> {
  const { rows } = await db.query<{ total: number; present: boolean | null }>(
    `SELECT count(*)::int AS total, bool_or(id = $1) AS present FROM (${LIMITED_RESOURCES[resource].sql}) stored`,
    [id]
  );
  if (!rows[0]!.present && rows[0]!.total >= limit) {
    throw new ResourceLimitError(resource, limit, id);
  }
}

/**
 * For loading many at once (files): which of `ids`, taken in order, fit under `limit` — ids already
 * stored always, new ones while room is left. One query instead of one per entry.
 */
export async function admitWithinLimit(db: Db, resource: LimitedResource, ids: readonly string[], limit: number): Promise<{ admitted: Set<string>; refused: Set<string> }> {
  const { rows } = await db.query<{ id: string }>(LIMITED_RESOURCES[resource].sql);
  const stored = new Set(rows.map((r) => r.id));
  const admitted = new Set<string>();
  const refused = new Set<string>();
  for (const id of ids) {
    if (stored.has(id)) {
      admitted.add(id);
    } else if (stored.size < limit) {
      stored.add(id);
      admitted.add(id);
    } else {
      refused.add(id);
    }
  }
  return { admitted, refused };
}
