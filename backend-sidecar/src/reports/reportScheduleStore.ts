import type { Pool, PoolClient } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors';
import { assertApiManaged } from '../model/fileManaged';
import { DEFAULT_CRON, nextFireAfter, type ReportPeriod } from './reportPeriods';
import { REPORT_CHANNEL_TYPES, type ReportScheduleInput, type ReportScheduleView } from './reportScheduleSchema';

type Db = Pool | PoolClient;

/**
 * Every statement on `report_schedules` and `report_runs`: definitions (API and alerting files)
 * and the per-period claim the report scheduler makes.
 */
export interface ReportScheduleRow {
  id: string;
  name: string;
  enabled: boolean;
  period: ReportPeriod;
  cron: string;
  timezone: string;
  scope: { workflowIds?: string[]; labels?: Record<string, string> };
  format: 'pdf' | 'csv';
  channels: string[];
  source: 'file' | 'api';
  source_file: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface RunRow {
  schedule_id: string;
  period_start: Date;
  period_end: Date;
  due_at: Date;
  created_at: Date;
  notifications: number;
}

export function scheduleForApi(row: ReportScheduleRow, lastRun: RunRow | undefined, nowMs = Date.now()): ReportScheduleView {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    schedule: { period: row.period, cron: row.cron, timezone: row.timezone },
    scope: row.scope,
    format: row.format,
    channels: row.channels,
    source: row.source,
    ...(row.source_file ? { sourceFile: row.source_file } : {}),
    version: row.version,
    nextRunAt: row.enabled ? new Date(nextFireAfter(row.cron, row.timezone, nowMs)).toISOString() : null,
    lastRun: lastRun
      ? {
          periodStart: lastRun.period_start.toISOString(),
          periodEnd: lastRun.period_end.toISOString(),
          dueAt: lastRun.due_at.toISOString(),
          queuedAt: lastRun.created_at.toISOString(),
          notifications: lastRun.notifications,
        }
      : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function listSchedules(db: Db, opts: { enabledOnly?: boolean } = {}): Promise<ReportScheduleRow[]> {
  const { rows } = await db.query<ReportScheduleRow>(`SELECT * FROM report_schedules ${opts.enabledOnly ? 'WHERE enabled' : ''} ORDER BY id`);
  return rows;
}

export async function getSchedule(db: Db, id: string): Promise<ReportScheduleRow | undefined> {
  const { rows } = await db.query<ReportScheduleRow>('SELECT * FROM report_schedules WHERE id = $1', [id]);
  return rows[0];
}

/** The latest run of each schedule asked for. */
export async function lastRuns(db: Db, ids: string[]): Promise<Map<string, RunRow>> {
  const { rows } = await db.query<RunRow>(
    `SELECT DISTINCT ON (schedule_id) schedule_id, period_start, period_end, due_at, created_at, notifications
       FROM report_runs WHERE schedule_id = ANY($1::text[]) ORDER BY schedule_id, period_start DESC`,
    [ids]
  );
  return new Map(rows.map((r) => [r.schedule_id, r]));
}

/** Channels must exist and be able to carry a report. */
async function checkChannels(db: Db, channels: string[], pathPrefix: string): Promise<void> {
  const { rows } = await db.query<{ id: string; type: string }>('SELECT id, type FROM channels WHERE id = ANY($1::text[])', [channels]);
  const types = new Map(rows.map((r) => [r.id, r.type]));
  const details: Array<{ path: string; message: string }> = [];
  channels.forEach((id, i) => {
    const type = types.get(id);
    if (type === undefined) {
      details.push({ path: `${pathPrefix}channels[${i}]`, message: `channel "${id}" does not exist` });
    } else if (!(REPORT_CHANNEL_TYPES as readonly string[]).includes(type)) {
      details.push({ path: `${pathPrefix}channels[${i}]`, message: `channel "${id}" is a ${type} channel; reports go to ${REPORT_CHANNEL_TYPES.join(' or ')} channels` });
    }
  });
  if (details.length > 0) {
    throw new ValidationError(`${details[0]!.path}: ${details[0]!.message}`, details);
  }
}

export async function saveSchedule(
  db: Db,
  input: ReportScheduleInput,
  opts: { source: 'file' | 'api'; sourceFile?: string; mode: 'create' | 'upsert'; pathPrefix?: string }
): Promise<{ created: boolean }> {
  const existing = await getSchedule(db, input.id);
  if (existing && opts.mode === 'create') {
    throw new ConflictError(`report schedule "${input.id}" already exists; PUT /api/v1/report-schedules/${input.id} replaces it`, undefined, 'exists');
  }
  if (existing && opts.source === 'api') {
    assertApiManaged('report schedule', input.id, { source: existing.source, sourceFile: existing.source_file });
  }
  await checkChannels(db, input.channels, opts.pathPrefix ?? '');
  const scope = {
    ...(input.scope.workflowIds && input.scope.workflowIds.length > 0 ? { workflowIds: input.scope.workflowIds } : {}),
    ...(input.scope.labels && Object.keys(input.scope.labels).length > 0 ? { labels: input.scope.labels } : {}),
  };
  await db.query(
    `INSERT INTO report_schedules (id, name, enabled, period, cron, timezone, scope, format, channels, source, source_file)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, enabled = EXCLUDED.enabled, period = EXCLUDED.period, cron = EXCLUDED.cron,
       timezone = EXCLUDED.timezone, scope = EXCLUDED.scope, format = EXCLUDED.format, channels = EXCLUDED.channels,
       source = EXCLUDED.source, source_file = EXCLUDED.source_file, version = report_schedules.version + 1, updated_at = now()`,
    [
      input.id,
      input.name,
      input.enabled,
      input.schedule.period,
      input.schedule.cron ?? DEFAULT_CRON[input.schedule.period],
      input.schedule.timezone,
      JSON.stringify(scope),
      input.format,
      JSON.stringify(input.channels),
      opts.source,
      opts.sourceFile ?? null,
    ]
  );
  return { created: !existing };
}

export async function deleteSchedule(db: Db, id: string): Promise<void> {
  const existing = await getSchedule(db, id);
  if (!existing) {
    throw new NotFoundError(`report schedule "${id}" does not exist`);
  }
  assertApiManaged('report schedule', id, { source: existing.source, sourceFile: existing.source_file });
  await db.query('DELETE FROM report_schedules WHERE id = $1', [id]);
}

/** Has this period of the schedule been queued already? A cheap look before trying to claim it. */
export async function runExists(db: Db, scheduleId: string, periodStart: Date): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM report_runs WHERE schedule_id = $1 AND period_start = $2', [scheduleId, periodStart]);
  return (rowCount ?? 0) > 0;
}

/**
 * Claims (schedule, period) inside the caller's transaction: true for the one caller whose insert
 * created the row. A concurrent claimer waits on the unique index until this transaction ends,
 * then finds the row (commit) or takes over (rollback) — the scheduler's slot pattern.
 */
export async function claimReportRun(client: PoolClient, run: { scheduleId: string; periodStart: Date; periodEnd: Date; dueAt: Date; workerId: string }): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO report_runs (schedule_id, period_start, period_end, due_at, worker_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (schedule_id, period_start) DO NOTHING`,
    [run.scheduleId, run.periodStart, run.periodEnd, run.dueAt, run.workerId]
  );
  return (rowCount ?? 0) > 0;
}

export async function recordRunNotifications(client: PoolClient, scheduleId: string, periodStart: Date, count: number): Promise<void> {
  await client.query('UPDATE report_runs SET notifications = $3 WHERE schedule_id = $1 AND period_start = $2', [scheduleId, periodStart, count]);
}
