import type { Pool, PoolClient } from '../db/pool';
import type { Matchers } from './ruleSchema';
import type { Silence } from './silences';

/** Every statement on `silences`, and the API's shape of one. Ended silences keep their row (deleted_at). */
interface SilenceRow {
  id: number;
  matchers: Matchers;
  starts_at: Date;
  ends_at: Date;
  cron: string | null;
  cron_timezone: string | null;
  duration_ms: number | null;
  created_by: string;
  comment: string;
  created_at: Date;
}

function toSilence(r: SilenceRow): Silence {
  return {
    id: Number(r.id),
    matchers: r.matchers,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    ...(r.cron ? { cron: r.cron, durationMs: r.duration_ms ?? 0, ...(r.cron_timezone ? { timezone: r.cron_timezone } : {}) } : {}),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: r.created_at,
  };
}

/** Silences not yet over and not deleted (the ones that can matter now or later). */
export async function loadLiveSilences(db: Pool | PoolClient, now = new Date()): Promise<Silence[]> {
  const { rows } = await db.query<SilenceRow>('SELECT * FROM silences WHERE deleted_at IS NULL AND ends_at > $1 ORDER BY id', [now]);
  return rows.map(toSilence);
}

/** Silences not deleted, newest start first; over ones only with `expired`. */
export async function listSilences(db: Pool | PoolClient, opts: { expired: boolean }): Promise<Silence[]> {
  const { rows } = await db.query<SilenceRow>(
    `SELECT * FROM silences WHERE deleted_at IS NULL AND ($1 OR ends_at > now()) ORDER BY starts_at DESC, id DESC LIMIT 1000`,
    [opts.expired]
  );
  return rows.map(toSilence);
}

export async function createSilence(db: Pool | PoolClient, s: Omit<Silence, 'id' | 'createdAt'>): Promise<Silence> {
  const { rows } = await db.query<SilenceRow>(
    `INSERT INTO silences (matchers, starts_at, ends_at, cron, cron_timezone, duration_ms, created_by, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.cron ?? null, s.timezone ?? null, s.cron ? (s.durationMs ?? null) : null, s.createdBy, s.comment]
  );
  return toSilence(rows[0]!);
}

/** Ends a silence now; false when there is no such silence (or it was ended before). */
export async function endSilence(db: Pool | PoolClient, id: number, endedBy: string | null): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE silences SET deleted_at = now(), deleted_by = $2 WHERE id = $1 AND deleted_at IS NULL', [id, endedBy]);
  return Boolean(rowCount);
}

export function silenceForApi(s: Silence, activeNow: boolean) {
  return {
    id: s.id,
    matchers: s.matchers,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    ...(s.cron ? { recurrence: { cron: s.cron, window: s.durationMs ?? 0, ...(s.timezone ? { timezone: s.timezone } : {}) } } : {}),
    activeNow,
    createdBy: s.createdBy,
    comment: s.comment,
    createdAt: s.createdAt.toISOString(),
  };
}
