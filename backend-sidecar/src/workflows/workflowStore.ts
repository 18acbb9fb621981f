import type { Pool, PoolClient } from '../db/pool';
import { pushGraceMs, pushNextCheckSql } from '../model/pushSchedule';
import { RUN_KIND, RUN_STATE } from '../model/runState';
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
  /** Run each slot once in each of these locations; absent: once by any replica. */
  locations?: string[];
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
  /** The locations each slot runs in; null: any replica. */
  locations: string[] | null;
  /** Set on start when the stored definition no longer passes validation: the workflow is not scheduled. */
  load_error: { path: string; message: string } | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * When the first slot of a scheduled workflow falls. A push workflow's first check is computed in SQL
 * from its columns (pushNextCheckSql), so it is null here.
 */
export function initialNextSlot(spec: WorkflowSpec, nowMs: number): Date | null {
  const { schedule } = spec;
  if (schedule.push) {
    return null;
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
                            every_ms, cron, cron_timezone, push_expected_ms, push_grace_ms, next_slot_at, timeout_ms, locations)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
             CASE WHEN $10 = 'push' THEN ${pushNextCheckSql('$18::timestamptz', '$14::int', '$15::int')} ELSE $16::timestamptz END, $17, $19::text[])
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, description = EXCLUDED.description, source = EXCLUDED.source,
       source_file = EXCLUDED.source_file, definition = EXCLUDED.definition, labels = EXCLUDED.labels,
       critical = EXCLUDED.critical, enabled = EXCLUDED.enabled, mode = EXCLUDED.mode, every_ms = EXCLUDED.every_ms,
       cron = EXCLUDED.cron, cron_timezone = EXCLUDED.cron_timezone, push_expected_ms = EXCLUDED.push_expected_ms,
       push_grace_ms = EXCLUDED.push_grace_ms, timeout_ms = EXCLUDED.timeout_ms, locations = EXCLUDED.locations, load_error = NULL,
       next_slot_at = CASE WHEN EXCLUDED.mode = 'push' AND workflows.last_push_at IS NOT NULL
                           THEN ${pushNextCheckSql('workflows.last_push_at', 'EXCLUDED.push_expected_ms', 'EXCLUDED.push_grace_ms')}
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
      new Date(nowMs),
      spec.locations && spec.locations.length > 0 ? spec.locations : null,
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
    await cancelPendingSlots(db, spec.id, { manualToo: false });
  }
  return { row, changed: true, created: inserted };
}

/**
 * Cancels a workflow's pending slots: those planned under its schedule, and with `manualToo` the
 * manual runs queued over the API as well (a deleted or unschedulable workflow runs nothing).
 */
export async function cancelPendingSlots(db: Db, workflowId: string, opts: { manualToo: boolean }): Promise<void> {
  await db.query(
    `UPDATE scheduled_runs SET state = '${RUN_STATE.cancelled}', finished_at = now()
      WHERE workflow_id = $1 AND state = '${RUN_STATE.pending}' AND ($2 OR kind = '${RUN_KIND.scheduled}')`,
    [workflowId, opts.manualToo]
  );
}

/** Whether a workflow with this id was ever stored (deleted ones included: their executions stay readable). */
export async function workflowEverExisted(db: Db, id: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM workflows WHERE id = $1', [id]);
  return rows.length > 0;
}

/** A push workflow's row, locked until the transaction ends, so concurrent pushes move its next check in order. */
export async function lockPushWorkflow(
  client: PoolClient,
  id: string
): Promise<Pick<WorkflowRow, 'mode' | 'push_expected_ms' | 'push_grace_ms' | 'labels'> | undefined> {
  const { rows } = await client.query<Pick<WorkflowRow, 'mode' | 'push_expected_ms' | 'push_grace_ms' | 'labels'>>(
    'SELECT mode, push_expected_ms, push_grace_ms, labels FROM workflows WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
    [id]
  );
  return rows[0];
}

/** A result was pushed: last_push_at only moves forward, and the next check follows from it. */
export async function notePush(client: PoolClient, id: string, finishedAt: Date, push: { expected: number; grace: number }): Promise<void> {
  await client.query(
    `UPDATE workflows SET last_push_at = greatest(coalesce(last_push_at, $2), $2),
            next_slot_at = ${pushNextCheckSql('greatest(coalesce(last_push_at, $2), $2)', '$3::int', '$4::int')}
      WHERE id = $1`,
    [id, finishedAt, push.expected, push.grace]
  );
}

/** A stored workflow whose definition no longer validates: not scheduled, and says why. */
export async function markDefinitionProblem(client: PoolClient, id: string, problem: { path: string; message: string }): Promise<void> {
  await client.query('UPDATE workflows SET load_error = $2, next_slot_at = NULL WHERE id = $1', [id, JSON.stringify(problem)]);
  await cancelPendingSlots(client, id, { manualToo: true });
}

/** A stored workflow that validates again: scheduled from now (push workflows: from their last push). */
export async function clearDefinitionProblem(db: Db, id: string, nextSlotAt: Date | null, nowMs: number): Promise<void> {
  await db.query(
    `UPDATE workflows
        SET load_error = NULL,
            next_slot_at = CASE WHEN mode = 'push'
                                THEN ${pushNextCheckSql('coalesce(last_push_at, $3::timestamptz)', 'push_expected_ms', 'push_grace_ms')}
                                ELSE $2::timestamptz END
      WHERE id = $1 AND load_error IS NOT NULL`,
    [id, nextSlotAt, new Date(nowMs)]
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
  await cancelPendingSlots(db, id, { manualToo: true });
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

/** Id, name and labels of the workflows carrying every given label, by name (Grafana template variables). */
export async function listWorkflowNames(db: Db, labels?: Record<string, string>): Promise<Array<Pick<WorkflowRow, 'id' | 'name' | 'labels'>>> {
  const filtered = labels !== undefined && Object.keys(labels).length > 0;
  const { rows } = await db.query<Pick<WorkflowRow, 'id' | 'name' | 'labels'>>(
    `SELECT id, name, labels FROM workflows WHERE deleted_at IS NULL${filtered ? ' AND labels @> $1::jsonb' : ''} ORDER BY name`,
    filtered ? [JSON.stringify(labels)] : []
  );
  return rows;
}

/** The most label values a template variable is offered; more is a label used as an id, not a dimension. */
export const LABEL_VALUES_LIMIT = 1000;

/**
 * The distinct values of one label over the live workflows, sorted, at most `limit` (+1 to tell the caller
 * there were more). `labels ? $1` is answered by the GIN index on labels.
 */
export async function listLabelValues(db: Db, label: string, limit = LABEL_VALUES_LIMIT): Promise<{ values: string[]; truncated: boolean }> {
  const { rows } = await db.query<{ value: string }>(
    `SELECT DISTINCT labels ->> $1 AS value FROM workflows WHERE deleted_at IS NULL AND labels ? $1 ORDER BY value LIMIT $2`,
    [label, limit + 1]
  );
  return { values: rows.slice(0, limit).map((r) => r.value), truncated: rows.length > limit };
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
            ELSE coalesce((SELECT min(r.slot_at) FROM scheduled_runs r WHERE r.workflow_id = w.id AND r.state = '${RUN_STATE.pending}'), w.next_slot_at)
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
