import type { Pool } from '../db/pool';
import type { WorkflowSource } from '../workflows/workflowStore';
import { RUN_KIND, type RunKind } from '../model/runState';

export interface ClaimedRun {
  id: number;
  workflowId: string;
  slotAt: Date;
  kind: RunKind;
  /** How many times this run has been claimed (more than 1: a previous worker lost it). */
  claims: number;
  claimedAt: Date;
  definition: unknown;
  version: number;
  /** Where the definition came from: only a file's may resolve `${NAME}` from the environment. */
  source: WorkflowSource;
  /** The location the slot must run in; null: any replica's. */
  location: string | null;
}

/**
 * Claims up to `limit` runs in ONE statement (`wm_claim_due_runs`, migrations/0024, 0025, 0032, 0037):
 * pending slots due now or within `aheadMs` (the scheduler starts those at their time), and running
 * slots whose lease expired (their worker died), of no location or of this replica's `location`. `FOR UPDATE SKIP LOCKED` lets
 * any number of replicas claim at the same moment without waiting on or double-claiming each
 * other's rows. The lease outlives the workflow's own timeout (×1.5 + 1 s), so a live worker never
 * loses a run it is still executing. The statement lives in a function so it can pin its plan to
 * the ordered index scans (see the migration for why).
 */
const CLAIM_SQL = 'SELECT runs, next_at FROM wm_claim_due_runs($1, $2, $3, $4, $5)';

export async function claimDueRuns(
  pool: Pool,
  opts: { workerId: string; limit: number; leaseMs: number; location: string; aheadMs?: number }
): Promise<{ runs: ClaimedRun[]; nextAt: Date | null }> {
  const { rows } = await pool.query<{
    runs: Array<{ id: number; workflow_id: string; slot_at: string; kind: RunKind; claims: number; claimed_at: string; definition: unknown; version: number; source: WorkflowSource; location: string | null }>;
    next_at: Date | null;
  }>(CLAIM_SQL, [opts.workerId, opts.limit, opts.leaseMs, opts.location, Math.max(0, Math.round(opts.aheadMs ?? 0))]);
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
      source: r.source,
      location: r.location,
    })),
    nextAt: row.next_at,
  };
}

/**
 * Inserts manual runs due now ("run now"), one per location given (null: one run any replica may
 * take); workers pick them up like any other slot.
 */
export async function enqueueManualRuns(pool: Pool, workflowId: string, locations: Array<string | null>): Promise<Array<{ runId: number; queuedAt: Date; location: string | null }>> {
  const { rows } = await pool.query<{ id: string; slot_at: Date; location: string | null }>(
    `INSERT INTO scheduled_runs (workflow_id, slot_at, kind, location)
     SELECT $1, now(), '${RUN_KIND.manual}', l FROM unnest($2::text[]) WITH ORDINALITY AS t(l, n) ORDER BY n
     RETURNING id, slot_at, location`,
    [workflowId, locations]
  );
  return rows.map((r) => ({ runId: Number(r.id), queuedAt: r.slot_at, location: r.location })).sort((a, b) => a.runId - b.runId);
}

/** One manual run due now, in `location` or (null) on any replica. */
export async function enqueueManualRun(pool: Pool, workflowId: string, location: string | null = null): Promise<{ runId: number; queuedAt: Date }> {
  const [queued] = await enqueueManualRuns(pool, workflowId, [location]);
  return queued!;
}
