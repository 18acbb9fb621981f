import { snapshotReads, type Pool, type PoolClient } from '../db/pool';
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
/** Clients reading one snapshot (snapshotReads); statements are spread over them. */
export type Readers = PoolClient[];

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Runs `fn` with the clients its reads go to. A pool gives up to two clients on one snapshot, without
 * parallel workers (snapshotReads: the range reads over rollups read a few thousand rows, and starting
 * workers cost more than the whole read — measured ~250 of 300 ms on a busy 2-core machine); a client
 * passed in is the caller's own (maybe in a transaction) and is used as it is.
 */
export async function withReaders<T>(db: Db | Readers, fn: (readers: Readers) => Promise<T>): Promise<T> {
  if (Array.isArray(db)) {
    return fn(db);
  }
  if ('totalCount' in db) {
    return snapshotReads(db, 2, fn);
  }
  return fn([db]);
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

interface SignedRange {
  table: RollupTable;
  fromMs: number;
  toMs: number;
  sign: 1 | -1;
}

/** Past any bucket: a read from an instant to the end of the data. */
const END_OF_TIME_MS = Date.UTC(9999, 11, 31);

const BUCKET_MS: Record<RollupTable, number> = { execution_rollups_minute: MINUTE_MS, execution_rollups_hour: HOUR_MS, execution_rollups_day: DAY_MS };

/** Rollup rows per workflow a range reads, at most: the buckets it touches up to `endMs` (nothing is recorded later). */
function rangeRows(range: { table: RollupTable; fromMs: number; toMs: number }, endMs: number): number {
  return Math.ceil(Math.max(0, Math.min(range.toMs, endMs) - range.fromMs) / BUCKET_MS[range.table]);
}

export interface SuffixPlan {
  /** The day boundary whose day rows (and every later one's) S(p) starts from; null when it reads no day rows. */
  dayFromMs: number | null;
  corrections: SignedRange[];
  /** Rollup rows per workflow the plan's corrections read at most (its day rows are shared with other points). */
  rows: number;
}

/**
 * How the suffix count S(p) — everything from instant p (a whole minute) on — is read, whichever of three
 * ways reads the fewest rollup rows when the data ends at `endMs` (now):
 * - the minutes from p on (for p within the last hour or so: S(now) itself reads nothing);
 * - the hours from the hour nearest to p on, corrected by the minutes between that hour and p (added when
 *   p lies before it, taken away when after);
 * - the day rows from the UTC day boundary nearest to that hour (read once for every point that uses them),
 *   corrected by the hours between the boundary and the hour, and by the minutes as above.
 * At most 30 minute rows and 12 hour rows per point and workflow; a minute-exact window [a, b) is then
 * S(a) − S(b), and windows ending together share S(b). Minutes before `minuteHorizonMs` are gone
 * (retention): there p is taken at the hour before it.
 */
export function suffixPlan(p: number, opts: { minuteHorizonMs?: number; endMs?: number } = {}): SuffixPlan {
  const { minuteHorizonMs, endMs = windowEnd(Date.now()) } = opts;
  const nearest = (x: number, unit: number, table: RollupTable, floorOnly: boolean, into: SignedRange[]): number => {
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
      into.push({ table, fromMs: down, toMs: x, sign: -1 });
      return down;
    }
    // S(x) = S(up) + rows in [x, up)
    into.push({ table, fromMs: x, toMs: up, sign: 1 });
    return up;
  };
  const minutesKept = minuteHorizonMs === undefined || p >= minuteHorizonMs;
  const toHour: SignedRange[] = [];
  const hour = nearest(p, HOUR_MS, 'execution_rollups_minute', !minutesKept, toHour);
  const fromDay = [...toHour];
  const day = nearest(hour, DAY_MS, 'execution_rollups_hour', false, fromDay);
  const plans: Array<{ dayFromMs: number | null; corrections: SignedRange[] }> = [
    { dayFromMs: day, corrections: fromDay },
    { dayFromMs: null, corrections: [...toHour, { table: 'execution_rollups_hour', fromMs: hour, toMs: END_OF_TIME_MS, sign: 1 }] },
  ];
  if (minutesKept) {
    plans.push({ dayFromMs: null, corrections: [{ table: 'execution_rollups_minute', fromMs: p, toMs: END_OF_TIME_MS, sign: 1 }] });
  }
  const costed = plans.map((plan) => ({ ...plan, rows: plan.corrections.reduce((sum, c) => sum + rangeRows(c, endMs), 0) }));
  // The day rows count too (they are read once for all points, but a point near now should not be the reason).
  const total = (plan: SuffixPlan) => plan.rows + (plan.dayFromMs === null ? 0 : rangeRows({ table: 'execution_rollups_day', fromMs: plan.dayFromMs, toMs: END_OF_TIME_MS }, endMs));
  return costed.reduce((best, plan) => (total(plan) < total(best) ? plan : best));
}

interface TagRow {
  workflow_id: string;
  tag: number;
  good: number;
  failed: number;
  missed: number;
}

/** One SQL statement being built: its SELECTs (joined with UNION ALL) and their parameters. */
class Statement {
  readonly selects: string[] = [];
  readonly params: unknown[] = [];

  param(value: unknown, type: string): string {
    this.params.push(value);
    return `$${this.params.length}::${type}`;
  }

  private ids?: string;

  /** The workflow filter; the id list is sent once per statement however many SELECTs use it. */
  idFilter(workflowIds: string[] | undefined): string {
    if (!workflowIds) {
      return '';
    }
    this.ids ??= this.param(workflowIds, 'text[]');
    return ` AND r.workflow_id = ANY(${this.ids})`;
  }
}

const EXECUTION_COUNTS = 'sum(r.successes + r.degraded)::bigint AS good, sum(r.failures)::bigint AS failed, 0::bigint AS missed';
const MISSED_COUNTS = '0::bigint AS good, 0::bigint AS failed, sum(r.slots)::bigint AS missed';

/**
 * S(p) per workflow for each point (whole minutes): good, failed and missed counts from p on, read
 * from the minute, hour and day rollups of executions and of missed slots (suffixPlan). The day rows
 * are read once, in one pass from the first day boundary on, each tagged with its segment between the
 * points' day boundaries (width_bucket); the hour and minute corrections are index range reads, each
 * tagged with its point and sign. Every part is summed per (workflow, tag) in SQL — rollup rows are
 * never assumed to be one per (workflow, bucket) — and the parts are added up here. With two readers
 * the day and minute parts and the hour part run at once, on one snapshot.
 */
export async function suffixCounts(db: Db | Readers, points: number[], workflowIds?: string[], minuteHorizonMs?: number): Promise<Map<string, SloCounts[]>> {
  const result = new Map<string, SloCounts[]>();
  if (points.length === 0 || (workflowIds && workflowIds.length === 0)) {
    return result;
  }
  const endMs = windowEnd(Date.now());
  const plans = points.map((p) => suffixPlan(p, { minuteHorizonMs, endMs }));
  const days = [...new Set(plans.flatMap((plan) => (plan.dayFromMs === null ? [] : [plan.dayFromMs])))].sort((a, b) => a - b);
  // Tags: day segment i is tag i; corrections follow, each with its point and sign.
  const corrections: Array<SignedRange & { tag: number }> = [];
  const correctionOf: Array<{ point: number; sign: 1 | -1 }> = [];
  plans.forEach((plan, point) => {
    for (const c of plan.corrections) {
      corrections.push({ ...c, tag: days.length + correctionOf.length });
      correctionOf.push({ point, sign: c.sign });
    }
  });
  const dayPart = (stmt: Statement) => {
    const bounds = stmt.param(days.map((d) => new Date(d)), 'timestamptz[]');
    const ids = stmt.idFilter(workflowIds);
    for (const [table, counts] of [['execution_rollups_day', EXECUTION_COUNTS], [MISSED_TABLE.execution_rollups_day, MISSED_COUNTS]] as const) {
      // width_bucket: the (1-based) index of the last boundary at or before the row's bucket.
      stmt.selects.push(`SELECT r.workflow_id, width_bucket(r.bucket, ${bounds}) - 1 AS tag, ${counts} FROM ${table} r WHERE r.bucket >= (${bounds})[1]${ids} GROUP BY 1, 2`);
    }
  };
  const correctionPart = (stmt: Statement, table: RollupTable, reads: typeof corrections) => {
    if (reads.length === 0) {
      return;
    }
    const ids = stmt.idFilter(workflowIds);
    const v = `unnest(${stmt.param(reads.map((c) => c.tag), 'int[]')}, ${stmt.param(reads.map((c) => new Date(c.fromMs)), 'timestamptz[]')}, ${stmt.param(reads.map((c) => new Date(c.toMs)), 'timestamptz[]')}) AS v(tag, lo, hi)`;
    for (const [from, counts] of [[table, EXECUTION_COUNTS], [MISSED_TABLE[table], MISSED_COUNTS]] as const) {
      stmt.selects.push(`SELECT r.workflow_id, v.tag, ${counts} FROM ${v} JOIN ${from} r ON r.bucket >= v.lo AND r.bucket < v.hi${ids} GROUP BY 1, 2`);
    }
  };
  const rows = await withReaders(db, async (readers) => {
    // One statement per reader, of about equal work: rollup rows read per workflow, estimated from each
    // range's length in its table's buckets. The day part goes first; then the longest range goes to the
    // statement with the least work, and so on.
    const work = readers.map(() => ({ stmt: new Statement(), rows: 0, corrections: [] as typeof corrections }));
    work[0]!.rows = days.length === 0 ? 0 : rangeRows({ table: 'execution_rollups_day', fromMs: days[0]!, toMs: END_OF_TIME_MS }, endMs);
    const cost = (c: SignedRange) => rangeRows(c, endMs);
    for (const c of [...corrections].sort((a, b) => cost(b) - cost(a))) {
      const least = work.reduce((a, b) => (b.rows < a.rows ? b : a));
      least.corrections.push(c);
      least.rows += cost(c);
    }
    if (days.length > 0) {
      dayPart(work[0]!.stmt);
    }
    for (const w of work) {
      for (const table of ['execution_rollups_minute', 'execution_rollups_hour'] as const) {
        correctionPart(w.stmt, table, w.corrections.filter((c) => c.table === table));
      }
    }
    const statements = work.filter((w) => w.stmt.selects.length > 0);
    const answers = await Promise.all(statements.map((w, i) => readers[i]!.query<TagRow>(w.stmt.selects.join(' UNION ALL '), w.stmt.params)));
    return answers.flatMap((answer) => answer.rows);
  });
  const byWorkflow = new Map<string, TagRow[]>();
  for (const row of rows) {
    const list = byWorkflow.get(row.workflow_id);
    if (list) {
      list.push(row);
    } else {
      byWorkflow.set(row.workflow_id, [row]);
    }
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
    plans.forEach((plan, point) => {
      if (plan.dayFromMs !== null) {
        addCounts(suffix[point]!, daySuffix[dayIndex.get(plan.dayFromMs)!]!);
      }
    });
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
export async function segmentCounts(db: Db | Readers, segments: Array<{ fromMs: number; toMs: number }>, workflowIds?: string[], minuteHorizonMs?: number): Promise<Map<string, SloCounts[]>> {
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
export async function sloWindowCounts(db: Db | Readers, opts: WindowCountsOptions): Promise<Map<string, Map<number, SloCounts>>> {
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
  return withReaders(db, async (readers) => {
    const workflows = await listSloWorkflows(readers[0]!, opts.workflowIds);
    if (workflows.length === 0) {
      return [];
    }
    const counts = await sloWindowCounts(readers, {
      windowsMs: [...Object.values(BURN_RATE_WINDOWS), ...workflows.map((w) => w.windowMs)],
      toMs: windowEnd(nowMs),
      // Only the workflows with an SLO: the others' rollup rows are not read.
      workflowIds: workflows.map((w) => w.id),
      minuteHorizonMs: opts.minuteHorizonMs,
    });
    return workflows.map((w) => sloStatus(w, counts.get(w.id), nowMs));
  });
}
