import type { Pool } from '../db/pool';

export interface ClaimedRun {
  id: number;
  workflowId: string;
  slotAt: Date;
  kind: 'scheduled' | 'manual';
  /** How many times this run has been claimed (more than 1: a previous worker lost it). */
  claims: number;
  claimedAt: Date;
  definition: unknown;
  version: number;
}

/**
 * Claims up to `limit` runs in ONE statement: due pending slots, and running slots whose lease
 * expired (their worker died). `FOR UPDATE SKIP LOCKED` lets any number of replicas claim at the
 * same moment without waiting on or double-claiming each other's rows. The lease outlives the
 * workflow's own timeout (×1.5 + 1 s), so a live worker never loses a run it is still executing.
 */
const CLAIM_SQL = `
WITH pending AS (
  SELECT id FROM scheduled_runs
   WHERE state = 'pending' AND slot_at <= now()
   ORDER BY slot_at LIMIT $2 FOR UPDATE SKIP LOCKED
), expired AS (
  SELECT id FROM scheduled_runs
   WHERE state = 'running' AND locked_until < now()
   ORDER BY locked_until LIMIT $2 FOR UPDATE SKIP LOCKED
), picked AS (
  (SELECT id FROM pending UNION ALL SELECT id FROM expired) LIMIT $2
), claimed AS (
  UPDATE scheduled_runs r
     SET state = 'running', claims = r.claims + 1, locked_by = $1, claimed_at = now(),
         locked_until = now() + make_interval(secs => greatest($3::int, w.timeout_ms * 3 / 2 + 1000) / 1000.0)
    FROM picked, workflows w
   WHERE r.id = picked.id AND w.id = r.workflow_id
  RETURNING r.id, r.workflow_id, r.slot_at, r.kind, r.claims, r.claimed_at, w.definition, w.version
)
-- The claimed runs and, in the same round trip, when this worker next has something to do (the
-- earliest remaining pending slot or running lease), so it can sleep exactly that long.
SELECT coalesce((SELECT json_agg(claimed) FROM claimed), '[]'::json) AS runs,
       least((SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running')) AS next_at`;

export async function claimDueRuns(pool: Pool, opts: { workerId: string; limit: number; leaseMs: number }): Promise<{ runs: ClaimedRun[]; nextAt: Date | null }> {
  const { rows } = await pool.query<{
    runs: Array<{ id: number; workflow_id: string; slot_at: string; kind: 'scheduled' | 'manual'; claims: number; claimed_at: string; definition: unknown; version: number }>;
    next_at: Date | null;
  }>(CLAIM_SQL, [opts.workerId, opts.limit, opts.leaseMs]);
  const row = rows[0]!;
  return {
    runs: row.runs.map((r) => ({
      id: Number(r.id),
      workflowId: r.workflow_id,
      slotAt: new Date(r.slot_at),
      kind: r.kind,
      claims: r.claims,
      claimedAt: new Date(r.claimed_at),
      definition: r.definition,
      version: r.version,
    })),
    nextAt: row.next_at,
  };
}

/** Inserts a manual run due now ("run now"); workers pick it up like any other slot. */
export async function enqueueManualRun(pool: Pool, workflowId: string): Promise<{ runId: number; queuedAt: Date }> {
  const { rows } = await pool.query<{ id: number; slot_at: Date }>(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, kind) VALUES ($1, now(), 'manual') RETURNING id, slot_at`,
    [workflowId]
  );
  return { runId: rows[0]!.id, queuedAt: rows[0]!.slot_at };
}
