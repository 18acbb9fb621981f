import { withTransaction, type Pool, type PoolClient } from '../db/pool';
import type { RollupTable } from '../metricsApi/rollupParts';
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
const DAY_MS = 86_400_000;

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

const MISSED_TABLE: Record<RollupTable, string> = {
  execution_rollups_minute: 'missed_slot_rollups_minute',
  execution_rollups_hour: 'missed_slot_rollups_hour',
  execution_rollups_day: 'missed_slot_rollups_day',
};

/** Past any bucket: the last day range reads every row from its start on. */
const END_OF_TIME = new Date('9999-12-31T00:00:00Z');

interface SignedRange {
  table: RollupTable;
  fromMs: number;
  toMs: number;
  sign: 1 | -1;
}

/**
 * How the suffix count S(p) — everything from instant p (a whole minute) on — is read: the day rows
 * from the UTC day boundary nearest to p, corrected by the hours between that boundary and the hour
 * nearest to p, and by the minutes between that hour and p (added when p lies before the boundary,
 * taken away when after). At most 30 minute rows and 12 hour rows per point and workflow; a
 * minute-exact window [a, b) is then S(a) − S(b), and windows ending together share S(b).
 * Minutes before `minuteHorizonMs` are gone (retention): there p is taken at the hour before it.
 */
export function suffixPlan(p: number, minuteHorizonMs?: number): { dayFromMs: number; corrections: SignedRange[] } {
  const corrections: SignedRange[] = [];
  const nearest = (x: number, unit: number, table: RollupTable, floorOnly: boolean): number => {
    const down = Math.floor(x / unit) * unit;
    if (down === x) {
      return x;
    }
    const up = down + unit;
    if (floorOnly) {
      return down;
    }
    if (x - down <= up - x) {
      // S(x) = S(down) − rows in [down, x)
      corrections.push({ table, fromMs: down, toMs: x, sign: -1 });
      return down;
    }
    // S(x) = S(up) + rows in [x, up)
    corrections.push({ table, fromMs: x, toMs: up, sign: 1 });
    return up;
  };
  const hour = nearest(p, HOUR_MS, 'execution_rollups_minute', minuteHorizonMs !== undefined && p < minuteHorizonMs);
  const day = nearest(hour, DAY_MS, 'execution_rollups_hour', false);
  return { dayFromMs: day, corrections };
}

interface TagRow {
  workflow_id: string;
  tag: number;
  good: number;
  failed: number;
  missed: number;
}

/**
 * S(p) per workflow for each point (whole minutes): good, failed and missed counts from p on, read
 * from the minute, hour and day rollups of executions and of missed slots (suffixPlan) in one
 * statement; day rows are read once, in segments between the points' day boundaries. Rollup rows
 * are summed (GROUP BY), never assumed to be one per (workflow, bucket).
 */
export async function suffixCounts(db: Db, points: number[], workflowIds?: string[], minuteHorizonMs?: number): Promise<Map<string, SloCounts[]>> {
  const result = new Map<string, SloCounts[]>();
  if (points.length === 0 || (workflowIds && workflowIds.length === 0)) {
    return result;
  }
  const plans = points.map((p) => suffixPlan(p, minuteHorizonMs));
  const days = [...new Set(plans.map((plan) => plan.dayFromMs))].sort((a, b) => a - b);
  // Tags: day segment i is tag i; corrections follow, each with its point and sign.
  const byTable = new Map<RollupTable, { tag: number[]; lo: Date[]; hi: Date[] }>();
  const add = (table: RollupTable, tag: number, fromMs: number, to: Date) => {
    let ranges = byTable.get(table);
    if (!ranges) {
      ranges = { tag: [], lo: [], hi: [] };
      byTable.set(table, ranges);
    }
    ranges.tag.push(tag);
    ranges.lo.push(new Date(fromMs));
    ranges.hi.push(to);
  };
  days.forEach((d, i) => add('execution_rollups_day', i, d, i + 1 < days.length ? new Date(days[i + 1]!) : END_OF_TIME));
  const correctionOf: Array<{ point: number; sign: 1 | -1 }> = [];
  plans.forEach((plan, point) => {
    for (const c of plan.corrections) {
      add(c.table, days.length + correctionOf.length, c.fromMs, new Date(c.toMs));
      correctionOf.push({ point, sign: c.sign });
    }
  });
  const params: unknown[] = [];
  let idFilter = '';
  if (workflowIds) {
    params.push(workflowIds);
    idFilter = ` AND r.workflow_id = ANY($1::text[])`;
  }
  const selects: string[] = [];
  for (const [table, ranges] of byTable) {
    params.push(ranges.tag, ranges.lo, ranges.hi);
    const n = params.length;
    const ranged = `FROM unnest($${n - 2}::int[], $${n - 1}::timestamptz[], $${n}::timestamptz[]) AS v(tag, lo, hi)`;
    selects.push(
      `SELECT r.workflow_id, v.tag, sum(r.successes + r.degraded)::bigint AS good, sum(r.failures)::bigint AS failed, 0::bigint AS missed
         ${ranged} JOIN ${table} r ON r.bucket >= v.lo AND r.bucket < v.hi${idFilter} GROUP BY 1, 2`,
      `SELECT r.workflow_id, v.tag, 0::bigint, 0::bigint, sum(r.slots)::bigint
         ${ranged} JOIN ${MISSED_TABLE[table]} r ON r.bucket >= v.lo AND r.bucket < v.hi${idFilter} GROUP BY 1, 2`
    );
  }
  const { rows } = await db.query<TagRow>(
    `SELECT workflow_id, tag, sum(good)::bigint AS good, sum(failed)::bigint AS failed, sum(missed)::bigint AS missed
       FROM (${selects.join(' UNION ALL ')}) s GROUP BY 1, 2`,
    params
  );
  const byWorkflow = new Map<string, TagRow[]>();
  for (const row of rows) {
    byWorkflow.set(row.workflow_id, [...(byWorkflow.get(row.workflow_id) ?? []), row]);
  }
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  for (const [workflowId, tagged] of byWorkflow) {
    const daySegments = days.map(() => ({ good: 0, failed: 0, missed: 0 }));
    const suffix = points.map(() => ({ good: 0, failed: 0, missed: 0 }));
    for (const row of tagged) {
      const counts = { good: Number(row.good), failed: Number(row.failed), missed: Number(row.missed) };
      if (row.tag < days.length) {
        addCounts(daySegments[row.tag]!, counts);
      } else {
        const { point, sign } = correctionOf[row.tag - days.length]!;
        addCounts(suffix[point]!, { good: sign * counts.good, failed: sign * counts.failed, missed: sign * counts.missed });
      }
    }
    // Day suffixes: segment i and every later one.
    const daySuffix = daySegments.map(() => ({ good: 0, failed: 0, missed: 0 }));
    for (let i = days.length - 1; i >= 0; i -= 1) {
      addCounts(daySuffix[i]!, daySegments[i]!);
      if (i + 1 < days.length) {
        addCounts(daySuffix[i]!, daySuffix[i + 1]!);
      }
    }
    plans.forEach((plan, point) => addCounts(suffix[point]!, daySuffix[dayIndex.get(plan.dayFromMs)!]!));
    result.set(workflowId, suffix);
  }
  return result;
}

function difference(a: SloCounts, b: SloCounts): SloCounts {
  return { good: a.good - b.good, failed: a.failed - b.failed, missed: a.missed - b.missed };
}

/**
 * Good, failed and missed counts per workflow for each of `segments` ([from, to) in whole minutes;
 * they may overlap): S(from) − S(to), every distinct instant read once.
 */
export async function segmentCounts(db: Db, segments: Array<{ fromMs: number; toMs: number }>, workflowIds?: string[], minuteHorizonMs?: number): Promise<Map<string, SloCounts[]>> {
  const points = [...new Set(segments.flatMap((s) => [s.fromMs, s.toMs]))];
  const index = new Map(points.map((p, i) => [p, i]));
  const suffix = await suffixCounts(db, points, workflowIds, minuteHorizonMs);
  return new Map(
    [...suffix].map(([id, at]) => [id, segments.map((s) => (s.fromMs >= s.toMs ? { good: 0, failed: 0, missed: 0 } : difference(at[index.get(s.fromMs)!]!, at[index.get(s.toMs)!]!)))])
  );
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
  const { rows } = await db.query<TagRow>(
    `SELECT workflow_id, tag, sum(good)::bigint AS good, sum(failed)::bigint AS failed, sum(missed)::bigint AS missed FROM (
       SELECT r.workflow_id, ${step} AS tag, sum(r.successes + r.degraded)::bigint AS good, sum(r.failures)::bigint AS failed, 0::bigint AS missed
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
    addCounts(counts[row.tag]!, { good: Number(row.good), failed: Number(row.failed), missed: Number(row.missed) });
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
 * Counts per workflow for several windows ending at the same instant: S(to − w) − S(to) for each
 * window w (suffixCounts), every rollup row read once. Keyed by workflow, then window length.
 */
export async function sloWindowCounts(db: Db, opts: WindowCountsOptions): Promise<Map<string, Map<number, SloCounts>>> {
  const windows = [...new Set(opts.windowsMs)];
  const counts = await segmentCounts(db, windows.map((w) => ({ fromMs: opts.toMs - w, toMs: opts.toMs })), opts.workflowIds, opts.minuteHorizonMs);
  return new Map([...counts].map(([id, perWindow]) => [id, new Map(windows.map((w, i) => [w, perWindow[i]!]))]));
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
      // Only the workflows with an SLO: the others' rollup rows are not read.
      workflowIds: workflows.map((w) => w.id),
      minuteHorizonMs: opts.minuteHorizonMs,
    });
    return workflows.map((w) => sloStatus(w, counts.get(w.id), nowMs));
  });
}
