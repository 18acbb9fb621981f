import type { Pool, PoolClient } from '../db/pool';
import { everySchedule, firstSlotFrom } from '../scheduler/slotSchedule';

type Db = Pool | PoolClient;

/** The parts of a validated definition the store indexes (durations already in milliseconds). */
export interface WorkflowSpec {
  id: string;
  name: string;
  description?: string;
  enabled?: boolean;
  critical?: boolean;
  labels?: Record<string, string>;
  timeout?: number;
  schedule: { every?: number; cron?: string; timezone?: string; push?: { expected: number; grace?: number } };
}

export type WorkflowSource = 'file' | 'api';

export interface WorkflowRow {
  id: string;
  name: string;
  description: string | null;
  source: WorkflowSource;
  source_file: string | null;
  definition: Record<string, unknown>;
  labels: Record<string, string>;
  critical: boolean;
  enabled: boolean;
  mode: 'scheduled' | 'push';
  every_ms: number | null;
  cron: string | null;
  cron_timezone: string | null;
  push_expected_ms: number | null;
  push_grace_ms: number | null;
  next_slot_at: Date | null;
  last_push_at: Date | null;
  timeout_ms: number;
  /** Set on start when the stored definition no longer passes validation: the workflow is not scheduled. */
  load_error: { path: string; message: string } | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Push workflows get a grace of 10 % of their interval, at least 30 s, unless they say otherwise. */
export function pushGraceMs(push: { expected: number; grace?: number }): number {
  return push.grace ?? Math.max(30_000, Math.round(push.expected * 0.1));
}

/** When the first slot (or, for push workflows, the first overdue check) falls. */
export function initialNextSlot(spec: WorkflowSpec, nowMs: number, lastPushAt?: Date | null): Date | null {
  const { schedule } = spec;
  if (schedule.push) {
    return new Date((lastPushAt?.getTime() ?? nowMs) + schedule.push.expected + pushGraceMs(schedule.push));
  }
  if (schedule.every !== undefined) {
    return new Date(firstSlotFrom(everySchedule(spec.id, schedule.every), nowMs));
  }
  if (schedule.cron !== undefined) {
    return new Date(firstSlotFrom({ kind: 'cron', expression: schedule.cron, timezone: schedule.timezone }, nowMs));
  }
  return null;
}

export interface UpsertResult {
  row: WorkflowRow;
  /** False when the stored definition was already identical (nothing was written). */
  changed: boolean;
  created: boolean;
}

/**
 * Creates or replaces a workflow. A changed definition bumps the version, cancels the slots planned
 * under the old schedule and replans from now; an identical one is a no-op, so every replica can
 * sync the same files at start without disturbing the schedule.
 */
export async function upsertWorkflow(
  db: Db,
  input: { spec: WorkflowSpec; definition: unknown; source: WorkflowSource; sourceFile?: string | null },
  nowMs = Date.now()
): Promise<UpsertResult> {
  const { spec } = input;
  const { schedule } = spec;
  const mode = schedule.push ? 'push' : 'scheduled';
  const { rows } = await db.query<WorkflowRow & { inserted: boolean }>(
    `INSERT INTO workflows (id, name, description, source, source_file, definition, labels, critical, enabled, mode,
                            every_ms, cron, cron_timezone, push_expected_ms, push_grace_ms, next_slot_at, timeout_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, description = EXCLUDED.description, source = EXCLUDED.source,
       source_file = EXCLUDED.source_file, definition = EXCLUDED.definition, labels = EXCLUDED.labels,
       critical = EXCLUDED.critical, enabled = EXCLUDED.enabled, mode = EXCLUDED.mode, every_ms = EXCLUDED.every_ms,
       cron = EXCLUDED.cron, cron_timezone = EXCLUDED.cron_timezone, push_expected_ms = EXCLUDED.push_expected_ms,
       push_grace_ms = EXCLUDED.push_grace_ms, timeout_ms = EXCLUDED.timeout_ms, load_error = NULL,
       next_slot_at = CASE WHEN EXCLUDED.mode = 'push' AND workflows.last_push_at IS NOT NULL
                           THEN workflows.last_push_at + make_interval(secs => (EXCLUDED.push_expected_ms + EXCLUDED.push_grace_ms) / 1000.0)
                           ELSE EXCLUDED.next_slot_at END,
       version = workflows.version + 1, updated_at = now(), deleted_at = NULL
     WHERE workflows.definition IS DISTINCT FROM EXCLUDED.definition
        OR workflows.source IS DISTINCT FROM EXCLUDED.source
        OR workflows.source_file IS DISTINCT FROM EXCLUDED.source_file
        OR workflows.deleted_at IS NOT NULL
        OR workflows.load_error IS NOT NULL
     RETURNING *, (xmax = 0) AS inserted`,
    [
      spec.id,
      spec.name,
      spec.description ?? null,
      input.source,
      input.sourceFile ?? null,
      JSON.stringify(input.definition),
      JSON.stringify(spec.labels ?? {}),
      spec.critical ?? false,
      spec.enabled ?? true,
      mode,
      schedule.push ? null : (schedule.every ?? null),
      schedule.push ? null : (schedule.cron ?? null),
      schedule.push ? null : (schedule.timezone ?? null),
      schedule.push?.expected ?? null,
      schedule.push ? pushGraceMs(schedule.push) : null,
      initialNextSlot(spec, nowMs),
      spec.timeout ?? 30_000,
    ]
  );
  const written = rows[0];
  if (!written) {
    const current = await getWorkflowRow(db, spec.id);
    if (!current) {
      throw new Error(`workflow ${spec.id} vanished during upsert`);
    }
    return { row: current, changed: false, created: false };
  }
  const { inserted, ...row } = written;
  if (!inserted) {
    await cancelPendingSlots(db, spec.id);
  }
  return { row, changed: true, created: inserted };
}

async function cancelPendingSlots(db: Db, workflowId: string): Promise<void> {
  await db.query(
    `UPDATE scheduled_runs SET state = 'cancelled', finished_at = now()
      WHERE workflow_id = $1 AND state = 'pending' AND kind = 'scheduled'`,
    [workflowId]
  );
}

export async function getWorkflowRow(db: Db, id: string): Promise<WorkflowRow | undefined> {
  const { rows } = await db.query<WorkflowRow>('SELECT * FROM workflows WHERE id = $1 AND deleted_at IS NULL', [id]);
  return rows[0];
}

/** Soft delete: executions keep their workflow id for history; pending slots are cancelled. */
export async function deleteWorkflow(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE workflows SET deleted_at = now(), updated_at = now(), next_slot_at = NULL WHERE id = $1 AND deleted_at IS NULL',
    [id]
  );
  if (!rowCount) {
    return false;
  }
  await cancelPendingSlots(db, id);
  await db.query(`UPDATE scheduled_runs SET state = 'cancelled', finished_at = now() WHERE workflow_id = $1 AND state = 'pending'`, [id]);
  return true;
}

/** Removes file-defined workflows whose file no longer defines them; returns their ids. */
export async function removeVanishedFileWorkflows(db: Db, keepIds: string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM workflows WHERE source = 'file' AND deleted_at IS NULL AND NOT (id = ANY($1::text[]))`,
    [keepIds]
  );
  for (const { id } of rows) {
    await deleteWorkflow(db, id);
  }
  return rows.map((r) => r.id);
}

export interface WorkflowListRow extends WorkflowRow {
  last_execution_id: number | null;
  last_status: string | null;
  last_started_at: Date | null;
  last_duration_ms: number | null;
  next_run_at: Date | null;
}

const LIST_SQL = `
SELECT w.*, le.id AS last_execution_id, le.status AS last_status, le.started_at AS last_started_at,
       le.duration_ms AS last_duration_ms,
       CASE WHEN w.mode = 'push' THEN w.next_slot_at
            ELSE coalesce((SELECT min(r.slot_at) FROM scheduled_runs r WHERE r.workflow_id = w.id AND r.state = 'pending'), w.next_slot_at)
       END AS next_run_at
FROM workflows w
LEFT JOIN LATERAL (
  SELECT e.id, e.status, e.started_at, e.duration_ms FROM executions e
  WHERE e.workflow_id = w.id ORDER BY e.started_at DESC LIMIT 1
) le ON true
WHERE w.deleted_at IS NULL`;

export async function listWorkflows(db: Db, filter: { labels?: Record<string, string>; id?: string } = {}): Promise<WorkflowListRow[]> {
  const params: unknown[] = [];
  let sql = LIST_SQL;
  if (filter.labels && Object.keys(filter.labels).length > 0) {
    params.push(JSON.stringify(filter.labels));
    sql += ` AND w.labels @> $${params.length}::jsonb`;
  }
  if (filter.id !== undefined) {
    params.push(filter.id);
    sql += ` AND w.id = $${params.length}`;
  }
  sql += ' ORDER BY w.id';
  const { rows } = await db.query<WorkflowListRow>(sql, params);
  return rows;
}
