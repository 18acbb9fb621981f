import { withTransaction, type Pool, type PoolClient } from '../db/pool';
import { rollupParts, type RollupPart, type RollupTable } from '../metricsApi/rollupParts';
import { sloSchema, sloWindowMs, type WorkflowSlo } from '../model/workflowDefinition';
import {
  BURN_RATE_WINDOWS,
  BURN_RATE_WINDOW_KEYS,
  EXHAUSTION_RATE_WINDOW,
  addCounts,
  budgetExhaustedAt,
  burnRate,
  errorBudgetRemaining,
  sli,
  type BurnRateWindow,
  type SloCounts,
} from './sloMath';

type Db = Pool | PoolClient;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Runs `fn`'s reads without parallel workers. The range joins over rollups read a few thousand rows,
 * but their estimates make a parallel plan look cheaper, and starting the workers cost more than
 * the whole read (measured: ~250 of 300 ms on a busy 2-core machine, for ~20 ms of work). A client
 * passed in is the caller's own (maybe in a transaction) and is used as it is.
 */
export async function serialReads<T>(db: Db, fn: (db: Db) => Promise<T>): Promise<T> {
  if (!('totalCount' in db)) {
    return fn(db);
  }
  return withTransaction(db, async (client) => {
    await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
    return fn(client);
  });
}

/** The end of the minute `nowMs` falls in: SLO windows end there, so they include everything up to now. */
export function windowEnd(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}

/**
 * [from, to) (whole minutes) as the fewest rollup rows: minutes up to the first whole hour and
 * after the last, and the whole hours between as hours and UTC days (rollupParts).
 */
export function minuteExactParts(fromMs: number, toMs: number): RollupPart[] {
  if (fromMs >= toMs) {
    return [];
  }
  const firstHour = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor(toMs / HOUR_MS) * HOUR_MS;
  if (firstHour >= lastHour) {
    return [{ table: 'execution_rollups_minute', from: new Date(fromMs), to: new Date(toMs) }];
  }
  const parts = rollupParts('execution_rollups_hour', new Date(firstHour), new Date(lastHour));
  if (fromMs < firstHour) {
    parts.push({ table: 'execution_rollups_minute', from: new Date(fromMs), to: new Date(firstHour) });
  }
  if (lastHour < toMs) {
    parts.push({ table: 'execution_rollups_minute', from: new Date(lastHour), to: new Date(toMs) });
  }
  return parts;
}

const MISSED_TABLE: Record<RollupTable, string> = {
  execution_rollups_minute: 'missed_slot_rollups_minute',
  execution_rollups_hour: 'missed_slot_rollups_hour',
  execution_rollups_day: 'missed_slot_rollups_day',
};

interface SegmentRow {
  workflow_id: string;
  seg: number;
  good: number;
  failed: number;
  missed: number;
}

/**
 * Good, failed and missed counts per workflow for each of `segments` ([from, to) in whole minutes;
 * they may overlap), read from the minute, hour and day rollups of executions and of missed slots
 * and summed in PostgreSQL: one row per (workflow, segment) travels. Rollup rows are summed, never
 * assumed to be one per (workflow, bucket).
 */
export async function segmentCounts(db: Db, segments: Array<{ fromMs: number; toMs: number }>, workflowIds?: string[]): Promise<Map<string, SloCounts[]>> {
  const byTable = new Map<RollupTable, { seg: number[]; lo: Date[]; hi: Date[] }>();
  segments.forEach((segment, index) => {
    for (const part of minuteExactParts(segment.fromMs, segment.toMs)) {
      let ranges = byTable.get(part.table);
      if (!ranges) {
        ranges = { seg: [], lo: [], hi: [] };
        byTable.set(part.table, ranges);
      }
      ranges.seg.push(index);
      ranges.lo.push(part.from);
      ranges.hi.push(part.to);
    }
  });
  const result = new Map<string, SloCounts[]>();
  if (byTable.size === 0 || (workflowIds && workflowIds.length === 0)) {
    return result;
  }
  const params: unknown[] = [];
  let idFilter = '';
  if (workflowIds) {
    params.push(workflowIds);
    idFilter = ` AND r.workflow_id = ANY($1::text[])`;
  }
  const selects: string[] = [];
  for (const [table, ranges] of byTable) {
    params.push(ranges.seg, ranges.lo, ranges.hi);
    const n = params.length;
    const ranged = `FROM unnest($${n - 2}::int[], $${n - 1}::timestamptz[], $${n}::timestamptz[]) AS v(seg, lo, hi)`;
    selects.push(
      `SELECT r.workflow_id, v.seg, sum(r.successes + r.degraded)::bigint AS good, sum(r.failures)::bigint AS failed, 0::bigint AS missed
         ${ranged} JOIN ${table} r ON r.bucket >= v.lo AND r.bucket < v.hi${idFilter} GROUP BY 1, 2`,
      `SELECT r.workflow_id, v.seg, 0::bigint, 0::bigint, sum(r.slots)::bigint
         ${ranged} JOIN ${MISSED_TABLE[table]} r ON r.bucket >= v.lo AND r.bucket < v.hi${idFilter} GROUP BY 1, 2`
    );
  }
  const { rows } = await db.query<SegmentRow>(
    `SELECT workflow_id, seg, sum(good)::bigint AS good, sum(failed)::bigint AS failed, sum(missed)::bigint AS missed
       FROM (${selects.join(' UNION ALL ')}) s GROUP BY 1, 2`,
    params
  );
  for (const row of rows) {
    let counts = result.get(row.workflow_id);
    if (!counts) {
      counts = segments.map(() => ({ good: 0, failed: 0, missed: 0 }));
      result.set(row.workflow_id, counts);
    }
    addCounts(counts[row.seg]!, { good: Number(row.good), failed: Number(row.failed), missed: Number(row.missed) });
  }
  return result;
}

/**
 * Counts per workflow in `count` consecutive steps of `stepMs` from `originMs`, read from one rollup
 * table whose buckets the origin and step are whole multiples of. Keyed by workflow, one entry per step.
 */
export async function stepCounts(db: Db, opts: { table: RollupTable; originMs: number; stepMs: number; count: number; workflowIds: string[] }): Promise<Map<string, SloCounts[]>> {
  const result = new Map<string, SloCounts[]>();
  if (opts.count <= 0 || opts.workflowIds.length === 0) {
    return result;
  }
  const params = [new Date(opts.originMs), new Date(opts.originMs + opts.count * opts.stepMs), opts.originMs, opts.stepMs, opts.workflowIds];
  const step = `floor((extract(epoch FROM r.bucket) * 1000 - $3) / $4)::int`;
  const where = `r.bucket >= $1 AND r.bucket < $2 AND r.workflow_id = ANY($5::text[])`;
  const { rows } = await db.query<SegmentRow>(
    `SELECT workflow_id, seg, sum(good)::bigint AS good, sum(failed)::bigint AS failed, sum(missed)::bigint AS missed FROM (
       SELECT r.workflow_id, ${step} AS seg, sum(r.successes + r.degraded)::bigint AS good, sum(r.failures)::bigint AS failed, 0::bigint AS missed
         FROM ${opts.table} r WHERE ${where} GROUP BY 1, 2
       UNION ALL
       SELECT r.workflow_id, ${step}, 0::bigint, 0::bigint, sum(r.slots)::bigint FROM ${MISSED_TABLE[opts.table]} r WHERE ${where} GROUP BY 1, 2
     ) s GROUP BY 1, 2`,
    params
  );
  for (const row of rows) {
    let counts = result.get(row.workflow_id);
    if (!counts) {
      counts = Array.from({ length: opts.count }, () => ({ good: 0, failed: 0, missed: 0 }));
      result.set(row.workflow_id, counts);
    }
    addCounts(counts[row.seg]!, { good: Number(row.good), failed: Number(row.failed), missed: Number(row.missed) });
  }
  return result;
}

/**
 * Counts per workflow in [from, to), for SLA reports and the like. Both ends are taken to whole
 * minutes (from down, to up), the finest rollup.
 */
export async function sloCountsBetween(db: Db, opts: { fromMs: number; toMs: number; workflowIds?: string[] }): Promise<Map<string, SloCounts>> {
  const fromMs = Math.floor(opts.fromMs / MINUTE_MS) * MINUTE_MS;
  const toMs = Math.ceil(opts.toMs / MINUTE_MS) * MINUTE_MS;
  const counts = await segmentCounts(db, [{ fromMs, toMs }], opts.workflowIds);
  return new Map([...counts].map(([id, [c]]) => [id, c!]));
}

export interface WindowCountsOptions {
  /** Window lengths in ms (whole minutes), all ending at `toMs`. */
  windowsMs: number[];
  /** A whole minute: windowEnd(now) for "up to now". */
  toMs: number;
  workflowIds?: string[];
  /**
   * The oldest instant minute rollups still cover (they are kept as long as raw executions,
   * RETENTION_RAW). A window starting before it starts at the whole hour before its start instead,
   * so the minutes already deleted are read from the hour rollup rather than lost.
   */
  minuteHorizonMs?: number;
}

/**
 * Counts per workflow for several windows ending at the same instant, each read once: the windows'
 * starts cut [oldest start, to) into segments, and a window is the sum of the segments after its
 * start. Keyed by workflow, then window length.
 */
export async function sloWindowCounts(db: Db, opts: WindowCountsOptions): Promise<Map<string, Map<number, SloCounts>>> {
  const windows = [...new Set(opts.windowsMs)];
  const startOf = new Map<number, number>();
  for (const w of windows) {
    let start = opts.toMs - w;
    if (opts.minuteHorizonMs !== undefined && start < opts.minuteHorizonMs) {
      start = Math.floor(start / HOUR_MS) * HOUR_MS;
    }
    startOf.set(w, start);
  }
  const cuts = [...new Set(startOf.values())].sort((a, b) => a - b);
  const segments = cuts.map((fromMs, i) => ({ fromMs, toMs: cuts[i + 1] ?? opts.toMs }));
  const counts = await segmentCounts(db, segments, opts.workflowIds);
  const result = new Map<string, Map<number, SloCounts>>();
  for (const [workflowId, perSegment] of counts) {
    const perWindow = new Map<number, SloCounts>();
    for (const w of windows) {
      const start = startOf.get(w)!;
      const sum: SloCounts = { good: 0, failed: 0, missed: 0 };
      segments.forEach((segment, i) => {
        if (segment.fromMs >= start) {
          addCounts(sum, perSegment[i]!);
        }
      });
      perWindow.set(w, sum);
    }
    result.set(workflowId, perWindow);
  }
  return result;
}

export interface SloWorkflow {
  id: string;
  labels: Record<string, string>;
  slo: WorkflowSlo;
  windowMs: number;
}

/**
 * Workflows that declare an SLO (not deleted, definition not rejected), by id. The stored
 * definition is what was written, so its `slo` is read back as given and checked again.
 */
export async function listSloWorkflows(db: Db, workflowIds?: string[]): Promise<SloWorkflow[]> {
  const { rows } = await db.query<{ id: string; labels: Record<string, string>; slo: unknown }>(
    `SELECT id, labels, definition->'slo' AS slo FROM workflows
      WHERE deleted_at IS NULL AND load_error IS NULL AND definition ? 'slo'${workflowIds ? ' AND id = ANY($1::text[])' : ''}
      ORDER BY id`,
    workflowIds ? [workflowIds] : []
  );
  return rows.flatMap((row) => {
    const parsed = sloSchema.safeParse(row.slo);
    return parsed.success ? [{ id: row.id, labels: row.labels ?? {}, slo: parsed.data, windowMs: sloWindowMs(parsed.data.window)! }] : [];
  });
}

/** One workflow's SLO as GET /api/v1/slos answers it. */
export interface SloStatus {
  workflowId: string;
  objective: number;
  window: string;
  /** Good ÷ all in the window, percent; null without events. */
  sli: number | null;
  errorBudgetRemaining: number;
  burnRates: Record<BurnRateWindow, number>;
  budgetExhaustedAt: string | null;
}

export function sloStatus(workflow: SloWorkflow, counts: Map<number, SloCounts> | undefined, nowMs: number): SloStatus {
  const { objective, window } = workflow.slo;
  const inWindow = counts?.get(workflow.windowMs) ?? { good: 0, failed: 0, missed: 0 };
  const burnRates = Object.fromEntries(
    BURN_RATE_WINDOW_KEYS.map((key) => [key, burnRate(counts?.get(BURN_RATE_WINDOWS[key]) ?? { good: 0, failed: 0, missed: 0 }, objective)])
  ) as Record<BurnRateWindow, number>;
  const remaining = errorBudgetRemaining(inWindow, objective);
  const exhaustedAt = budgetExhaustedAt(remaining, burnRates[EXHAUSTION_RATE_WINDOW], workflow.windowMs, nowMs);
  return {
    workflowId: workflow.id,
    objective,
    window,
    sli: sli(inWindow),
    errorBudgetRemaining: remaining,
    burnRates,
    budgetExhaustedAt: exhaustedAt === null ? null : new Date(exhaustedAt).toISOString(),
  };
}

/** The SLO of every workflow that has one (or of the given ones), over windows ending now. */
export async function sloStatuses(db: Db, opts: { workflowIds?: string[]; nowMs?: number; minuteHorizonMs?: number } = {}): Promise<SloStatus[]> {
  const nowMs = opts.nowMs ?? Date.now();
  return serialReads(db, async (reader) => {
    const workflows = await listSloWorkflows(reader, opts.workflowIds);
    if (workflows.length === 0) {
      return [];
    }
    const counts = await sloWindowCounts(reader, {
      windowsMs: [...Object.values(BURN_RATE_WINDOWS), ...workflows.map((w) => w.windowMs)],
      toMs: windowEnd(nowMs),
      workflowIds: opts.workflowIds ? workflows.map((w) => w.id) : undefined,
      minuteHorizonMs: opts.minuteHorizonMs,
    });
    return workflows.map((w) => sloStatus(w, counts.get(w.id), nowMs));
  });
}
