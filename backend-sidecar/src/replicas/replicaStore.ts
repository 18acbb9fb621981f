import type { Pool } from '../db/pool';

type Db = Pick<Pool, 'query'>;

export interface ReplicaBeat {
  id: string;
  location: string;
  version: string;
  startedAt: Date;
  /** False for a replica that runs no slots (SCHEDULER=false). */
  scheduling: boolean;
}

/** This replica is alive now (database time: one clock for every replica). */
export async function recordHeartbeat(db: Db, beat: ReplicaBeat): Promise<void> {
  await db.query(
    `INSERT INTO replicas (id, location, version, started_at, last_seen_at, scheduling) VALUES ($1, $2, $3, $4, now(), $5)
     ON CONFLICT (id) DO UPDATE SET location = EXCLUDED.location, version = EXCLUDED.version,
       started_at = EXCLUDED.started_at, last_seen_at = now(), scheduling = EXCLUDED.scheduling`,
    [beat.id, beat.location, beat.version, beat.startedAt, beat.scheduling]
  );
}

/** A replica that stops cleanly leaves at once instead of when its heartbeat expires. */
export async function removeReplica(db: Db, id: string): Promise<void> {
  await db.query('DELETE FROM replicas WHERE id = $1', [id]);
}

/** Rows of replicas gone for far longer than any expiry (killed ones never delete their row). */
export async function pruneReplicas(db: Db, olderThanMs: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM replicas WHERE last_seen_at < now() - make_interval(secs => $1 / 1000.0)`, [olderThanMs]);
  return rowCount ?? 0;
}

export interface LiveReplica {
  id: string;
  location: string;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  scheduling: boolean;
}

export interface LocationReplicas {
  location: string;
  /** Replicas seen within the expiry, most recently seen first. */
  replicas: LiveReplica[];
  /** When a replica of this location was last seen; null when none is live. */
  lastSeenAt: string | null;
  /** Workflows that list this location (enabled ones). */
  workflows: number;
  /** `empty`: workflows list it but no live replica runs slots there, so its slots are missed. */
  status: 'ok' | 'empty';
}

/**
 * Every location a live replica is in or an enabled workflow lists, with its live replicas. A
 * location only workflows name, or whose replicas all run without a scheduler, is `empty`.
 */
export async function listLocations(db: Db, expiryMs: number): Promise<LocationReplicas[]> {
  const { rows } = await db.query<{ location: string; replicas: LiveReplica[] | null; last_seen_at: Date | null; workflows: number; scheduling: boolean }>(
    `WITH live AS (
       SELECT * FROM replicas WHERE last_seen_at > now() - make_interval(secs => $1 / 1000.0)
     ), wanted AS (
       SELECT l AS location, count(*)::int AS workflows
         FROM workflows w, unnest(w.locations) AS l
        WHERE w.deleted_at IS NULL AND w.enabled AND w.load_error IS NULL
        GROUP BY l
     ), names AS (
       SELECT location FROM live UNION SELECT location FROM wanted
     )
     SELECT n.location,
            (SELECT json_agg(json_build_object('id', r.id, 'location', r.location, 'version', r.version,
                                               'startedAt', to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                               'lastSeenAt', to_char(r.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                               'scheduling', r.scheduling) ORDER BY r.last_seen_at DESC, r.id)
               FROM live r WHERE r.location = n.location) AS replicas,
            (SELECT max(r.last_seen_at) FROM live r WHERE r.location = n.location) AS last_seen_at,
            coalesce((SELECT workflows FROM wanted w WHERE w.location = n.location), 0) AS workflows,
            EXISTS (SELECT 1 FROM live r WHERE r.location = n.location AND r.scheduling) AS scheduling
       FROM names n ORDER BY n.location`,
    [expiryMs]
  );
  return rows.map((r) => ({
    location: r.location,
    replicas: r.replicas ?? [],
    lastSeenAt: r.last_seen_at ? r.last_seen_at.toISOString() : null,
    workflows: r.workflows,
    status: r.workflows > 0 && !r.scheduling ? 'empty' : 'ok',
  }));
}
