import { z } from 'zod';
import type { Pool } from '../db/pool';
import { ValidationError } from '../errors/errors';
import '../http/openapiRegistry';
import { ERROR_TYPES } from '../model/execution';
import { BUCKET_COUNT, addBuckets, quantileFromBuckets, sumArray } from '../rollups/histogram';
import { formatDuration } from '../schema/duration';
import { timestampMs } from '../schema/timestamp';
import { locationNameSchema } from '../model/location';
import { exactRangeParts, partsSql, type RollupTable } from './rollupParts';
import { BURN_RATE_WINDOW_KEYS } from '../slo/sloMath';
import { isSloQueryMetric, sloSeries } from '../slo/sloSeries';

export const QUERY_METRICS = Object.freeze([
  'executions', 'successes', 'failures', 'degraded', 'success_rate', 'duration_avg', 'duration_p50', 'duration_p95', 'duration_p99', 'attempts', 'retries', 'active_alerts',
  'sli', 'error_budget_remaining', 'burn_rate',
  'step_duration_avg', 'step_duration_p50', 'step_duration_p95', 'step_duration_p99',
] as const);
export type QueryMetric = (typeof QUERY_METRICS)[number];
/** Per-step metrics have no rollup: they read the newest executions of the range, at most this many (see stepRows). */
export const STEP_SAMPLE_EXECUTIONS = 2000;
const STEP_METRICS: readonly QueryMetric[] = ['step_duration_avg', 'step_duration_p50', 'step_duration_p95', 'step_duration_p99'];
const isStepMetric = (metric: QueryMetric) => STEP_METRICS.includes(metric);
export const MAX_RANGE_MS = 400 * 86_400_000;
/** The finest rollup is per minute: a smaller interval (Grafana sends sub-second ones for short ranges) is raised to it. */
export const MIN_STEP_MS = 60_000;
/** Points per series one query may return; the cost of a request is bounded by it. */
export const MAX_POINTS = 11_000;
/** Values (series × points, all targets together) one answer may carry: some 10 MB of JSON. */
export const MAX_VALUES = 1_000_000;
/** maxDataPoints only caps the points (it widens the step); past this it is nonsense, not a request. */
export const MAX_DATA_POINTS_LIMIT = 1_000_000;

export const queryRequestSchema = z
  .object({
    from: timestampMs('past'),
    to: timestampMs('past'),
    intervalMs: z
      .number()
      .min(0, 'intervalMs must not be negative')
      .max(MAX_RANGE_MS, `intervalMs may be at most ${MAX_RANGE_MS} (400 days)`)
      .default(MIN_STEP_MS)
      .openapi({ description: `The step wanted, in ms; below ${MIN_STEP_MS} (the finest rollup) it is raised to ${MIN_STEP_MS}` }),
    maxDataPoints: z
      .number()
      .int(`maxDataPoints must be a whole number between 1 and ${MAX_DATA_POINTS_LIMIT}`)
      .min(1, `maxDataPoints must be between 1 and ${MAX_DATA_POINTS_LIMIT}`)
      .max(MAX_DATA_POINTS_LIMIT, `maxDataPoints must be between 1 and ${MAX_DATA_POINTS_LIMIT}`)
      .default(1000)
      .openapi({ description: `At most this many points per series (the step is widened to fit); a query may return at most ${MAX_POINTS}` }),
    targets: z
      .array(
        z
          .object({
            refId: z.string().min(1).max(50),
            metric: z.enum(QUERY_METRICS, { message: `metric must be one of ${QUERY_METRICS.join(', ')}` }),
            workflowIds: z.array(z.string()).max(500).optional(),
            labels: z.record(z.string(), z.string()).optional(),
            // Only executions from these locations.
            locations: z.array(locationNameSchema).max(100).optional(),
            groupBy: z.enum(['none', 'workflow', 'error_type', 'step', 'location'], { message: 'groupBy must be one of none, workflow, error_type, step, location' }).default('none'),
            alias: z.string().max(200).optional(),
            hide: z.boolean().optional(),
            burnRateWindow: z
              .enum(BURN_RATE_WINDOW_KEYS as unknown as ['5m', '30m', '1h', '6h', '24h', '72h'], { message: `burnRateWindow must be one of ${BURN_RATE_WINDOW_KEYS.join(', ')}` })
              .optional()
              .openapi({ description: 'For metric burn_rate: the window each point\'s burn rate is over (default 1h)' }),
            instant: z
              .boolean()
              .optional()
              .openapi({ description: 'One point (at `to`) for the whole range [from, to] instead of a series: the range figure, read exactly at minute resolution' }),
          })
          .passthrough()
      )
      .min(1, 'targets needs at least one query')
      .max(50),
  })
  .passthrough()
  .superRefine((q, ctx) => {
    q.targets.forEach((target, i) => {
      if (target.groupBy === 'error_type' && isSloQueryMetric(target.metric)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'groupBy'], message: `${target.metric} is per workflow with an SLO: groupBy none or workflow` });
      } else if (target.groupBy === 'error_type' && target.metric !== 'attempts' && target.metric !== 'retries') {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'groupBy'], message: 'groupBy error_type applies to the metrics attempts (failed attempts) and retries only' });
      }
      // Metrics that belong to a workflow, not to one location: an alert (quorum alerts span several
      // locations) and an SLO (over every location the workflow runs in).
      const notPerLocation =
        target.metric === 'active_alerts'
          ? 'active_alerts cannot be split or filtered by location: an alert belongs to a workflow, not to a location'
          : isSloQueryMetric(target.metric)
            ? `${target.metric} is per workflow with an SLO, over all its locations: it cannot be split or filtered by location`
            : undefined;
      if (notPerLocation && (target.groupBy === 'location' || target.locations !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, target.groupBy === 'location' ? 'groupBy' : 'locations'], message: notPerLocation });
      }
      if (target.groupBy === 'step' && !isStepMetric(target.metric)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'groupBy'], message: `groupBy step applies to the metrics ${STEP_METRICS.join(', ')} only` });
      }
      if (isStepMetric(target.metric) && target.groupBy !== 'step' && target.groupBy !== 'none') {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'groupBy'], message: `${target.metric} may be grouped by step or none only` });
      }
    });
    // The size of the answer is known before anything is read or built.
    if (q.from > q.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from must not be after to (${new Date(q.from).toISOString()} > ${new Date(q.to).toISOString()})` });
      return;
    }
    if (q.to - q.from > MAX_RANGE_MS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most 400 days (${new Date(q.from).toISOString()} to ${new Date(q.to).toISOString()})` });
      return;
    }
    const plan = planPoints(q);
    if (plan.pointCount > MAX_POINTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDataPoints'],
        message: `maxDataPoints ${q.maxDataPoints} asks for ${plan.pointCount} points at a ${formatDuration(plan.stepMs)} step; a query returns at most ${MAX_POINTS}: lower maxDataPoints or raise intervalMs`,
      });
    }
  })
  .openapi('QueryRequest');

export type QueryRequest = z.output<typeof queryRequestSchema>;

/** A summed (series, step) row; only the sums the target's metric needs are read. */
interface Row {
  workflow_id: string;
  t: number;
  executions?: number;
  successes?: number;
  degraded?: number;
  failures?: number;
  attempts?: number;
  retries?: number;
  duration_sum?: number;
  duration_min?: number | null;
  duration_max?: number | null;
  duration_buckets?: number[] | null;
  errors_by_type?: number[] | null;
  retries_by_type?: number[] | null;
  /** A per-step metric, computed in SQL (one row per series and point). */
  value?: number | null;
}

interface Acc {
  executions: number;
  successes: number;
  degraded: number;
  failures: number;
  attempts: number;
  retries: number;
  duration_sum: number;
  min: number | null;
  max: number | null;
  buckets: number[];
  value: number | null;
}

function emptyAcc(): Acc {
  return { executions: 0, successes: 0, degraded: 0, failures: 0, attempts: 0, retries: 0, duration_sum: 0, min: null, max: null, buckets: Array.from({ length: BUCKET_COUNT }, () => 0), value: null };
}

function valueOf(metric: QueryMetric, a: Acc | undefined): number | null {
  const acc = a ?? emptyAcc();
  switch (metric) {
    case 'executions':
      return acc.executions;
    case 'successes':
      return acc.successes + acc.degraded;
    case 'failures':
      return acc.failures;
    case 'degraded':
      return acc.degraded;
    case 'attempts':
      return acc.attempts;
    case 'retries':
      return acc.retries;
    case 'success_rate':
      return acc.executions === 0 ? null : ((acc.successes + acc.degraded) / acc.executions) * 100;
    case 'duration_avg':
      return acc.executions === 0 ? null : acc.duration_sum / acc.executions;
    case 'duration_p50':
      return quantileFromBuckets(acc.buckets, 0.5, acc.min ?? 0, acc.max ?? undefined);
    case 'duration_p95':
      return quantileFromBuckets(acc.buckets, 0.95, acc.min ?? 0, acc.max ?? undefined);
    case 'duration_p99':
      return quantileFromBuckets(acc.buckets, 0.99, acc.min ?? 0, acc.max ?? undefined);
    case 'active_alerts':
      return 0;
    case 'sli':
    case 'error_budget_remaining':
    case 'burn_rate':
      // Read by slo/sloSeries.ts over each point's window, not from the step's sums.
      return null;
    case 'step_duration_avg':
    case 'step_duration_p50':
    case 'step_duration_p95':
    case 'step_duration_p99':
      return acc.value;
  }
}

const UNITS: Partial<Record<QueryMetric, string>> = {
  success_rate: 'percent', duration_avg: 'ms', duration_p50: 'ms', duration_p95: 'ms', duration_p99: 'ms',
  step_duration_avg: 'ms', step_duration_p50: 'ms', step_duration_p95: 'ms', step_duration_p99: 'ms',
  sli: 'percent', error_budget_remaining: 'percent',
};

/**
 * The step is `intervalMs` (at least a minute, the finest rollup), widened so there are never more
 * than maxDataPoints buckets, and rounded up to whole minutes — past ten minutes to whole hours read
 * from the hour rollups, and from a day up to whole days read from the day rollups.
 */
export function chooseStep(q: Pick<QueryRequest, 'from' | 'to' | 'intervalMs' | 'maxDataPoints'>): { stepMs: number; table: RollupTable } {
  const raw = Math.max(q.intervalMs, MIN_STEP_MS, Math.ceil((q.to - q.from) / q.maxDataPoints));
  if (raw >= 86_400_000) {
    return { stepMs: Math.ceil(raw / 86_400_000) * 86_400_000, table: 'execution_rollups_day' };
  }
  // Past ten minutes a step is rounded up to whole hours: fewer points (still within
  // maxDataPoints) read from the hour rollups, 60× fewer rows than the minute ones.
  if (raw > 600_000) {
    return { stepMs: Math.ceil(raw / 3_600_000) * 3_600_000, table: 'execution_rollups_hour' };
  }
  return { stepMs: Math.ceil(raw / 60_000) * 60_000, table: 'execution_rollups_minute' };
}

/**
 * The points of the answer: `pointCount` steps from `fromAligned` (from rounded down to the step)
 * up to `to`. Integer arithmetic on validated times (2000–2100, whole ms, a step of at least a
 * minute), so the count is exact and small; nothing loops over the range to find it.
 */
export function planPoints(q: Pick<QueryRequest, 'from' | 'to' | 'intervalMs' | 'maxDataPoints'>): { stepMs: number; table: RollupTable; fromAligned: number; pointCount: number } {
  const { stepMs, table } = chooseStep(q);
  const fromAligned = Math.floor(q.from / stepMs) * stepMs;
  return { stepMs, table, fromAligned, pointCount: Math.floor((q.to - fromAligned) / stepMs) + 1 };
}

const SUM = {
  executions: 'sum(r.executions)::int AS executions',
  successes: 'sum(r.successes)::int AS successes',
  degraded: 'sum(r.degraded)::int AS degraded',
  failures: 'sum(r.failures)::int AS failures',
  attempts: 'sum(r.attempts)::int AS attempts',
  retries: 'sum(r.retries)::int AS retries',
  duration_sum: 'sum(r.duration_sum)::bigint AS duration_sum',
  histogram: `min(r.duration_min) AS duration_min, max(r.duration_max) AS duration_max, ${sumArray('r.duration_buckets', BUCKET_COUNT, 'json')} AS duration_buckets`,
  errors_by_type: `${sumArray('r.errors_by_type', ERROR_TYPES.length, 'json')} AS errors_by_type`,
  retries_by_type: `${sumArray('r.retries_by_type', ERROR_TYPES.length, 'json')} AS retries_by_type`,
};

/**
 * The sums a metric is computed from. Measured on a 30-day, 12-series panel: most of the time
 * went to moving and parsing the histogram arrays of every row, so only percentiles read them,
 * and as JSON.
 */
function columnsFor(metric: QueryMetric, groupBy: QueryRequest['targets'][number]['groupBy']): string[] {
  if (groupBy === 'error_type') {
    return [metric === 'retries' ? SUM.retries_by_type : SUM.errors_by_type];
  }
  switch (metric) {
    case 'successes':
      return [SUM.successes, SUM.degraded];
    case 'success_rate':
      return [SUM.executions, SUM.successes, SUM.degraded];
    case 'duration_avg':
      return [SUM.executions, SUM.duration_sum];
    case 'duration_p50':
    case 'duration_p95':
    case 'duration_p99':
      return [SUM.histogram];
    case 'failures':
    case 'degraded':
    case 'attempts':
    case 'retries':
      return [SUM[metric]];
    case 'executions':
    case 'active_alerts':
    case 'sli':
    case 'error_budget_remaining':
    case 'burn_rate':
      return [SUM.executions];
    case 'step_duration_avg':
    case 'step_duration_p50':
    case 'step_duration_p95':
    case 'step_duration_p99':
      // Read by stepRows from the executions themselves, not from rollups.
      return [];
  }
}

/**
 * The target's workflow, label and location filters over the rows aliased `alias` (rollups or
 * executions), their values appended to `params`; a label filter joins `workflows w`.
 */
function targetFilter(target: QueryRequest['targets'][number], alias: 'r' | 'e', params: unknown[]): { join: string; filter: string } {
  let filter = '';
  let join = '';
  if (target.workflowIds && target.workflowIds.length > 0) {
    params.push(target.workflowIds);
    filter += ` AND ${alias}.workflow_id = ANY($${params.length}::text[])`;
  }
  if (target.labels && Object.keys(target.labels).length > 0) {
    params.push(JSON.stringify(target.labels));
    join = ` JOIN workflows w ON w.id = ${alias}.workflow_id`;
    filter += ` AND w.labels @> $${params.length}::jsonb`;
  }
  if (target.locations && target.locations.length > 0) {
    params.push(target.locations);
    filter += ` AND ${alias}.location = ANY($${params.length}::text[])`;
  }
  return { join, filter };
}

/** The series a rollup row counts towards, by the target's groupBy ('' for one series). */
function rollupSeries(target: QueryRequest['targets'][number]): string {
  return target.groupBy === 'workflow' ? 'r.workflow_id' : target.groupBy === 'location' ? 'r.location' : `''`;
}

/** One target's rows summed per (series, step) in PostgreSQL, so only the points travel. */
async function targetRows(pool: Pool, table: RollupTable, fromAligned: number, to: number, stepMs: number, target: QueryRequest['targets'][number], columns: string[]): Promise<Row[]> {
  const params: unknown[] = [new Date(fromAligned), new Date(to), stepMs];
  const { join, filter } = targetFilter(target, 'r', params);
  const series = rollupSeries(target);
  const { rows } = await pool.query<Row>(
    `SELECT ${series} AS workflow_id, (floor(extract(epoch FROM r.bucket) * 1000 / $3) * $3)::bigint AS t, ${columns.join(', ')}
       FROM ${table} r${join}
      WHERE r.bucket >= $1 AND r.bucket <= $2${filter}
      GROUP BY 1, 2
      LIMIT ${MAX_VALUES + 1}`,
    params
  );
  return rows;
}

/** The raw rollup columns an instant read sums (every rollup table has them). */
const PART_COLUMNS = 'workflow_id, location, executions, successes, degraded, failures, attempts, retries, duration_sum, duration_min, duration_max, duration_buckets, errors_by_type, retries_by_type';

/**
 * One target's rows summed over the whole range, one row per series at `to`: minutes at the ragged
 * edges, hours up to the day edges, whole days in between (exactRangeParts), so a 30-day figure reads
 * some 30 + 46 + 118 rows per workflow and is still exact to the minute.
 */
async function instantRows(pool: Pool, from: number, to: number, target: QueryRequest['targets'][number], columns: string[]): Promise<Row[]> {
  const params: unknown[] = [to];
  const union = partsSql(exactRangeParts(new Date(from), new Date(to)), PART_COLUMNS, params);
  const { join, filter } = targetFilter(target, 'r', params);
  const series = rollupSeries(target);
  const { rows } = await pool.query<Row>(
    `SELECT ${series} AS workflow_id, $1::bigint AS t, ${columns.join(', ')}
       FROM (${union}) r${join}
      WHERE true${filter}
      GROUP BY 1
      LIMIT ${MAX_VALUES + 1}`,
    params
  );
  return rows;
}

const STEP_AGGREGATE: Record<string, string> = {
  step_duration_avg: 'avg(s.duration_ms)::float8',
  step_duration_p50: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY s.duration_ms)',
  step_duration_p95: 'percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ms)',
  step_duration_p99: 'percentile_cont(0.99) WITHIN GROUP (ORDER BY s.duration_ms)',
};

/**
 * Step durations per step name (or all steps together) from the newest STEP_SAMPLE_EXECUTIONS
 * executions of the range that match the filter. Rollups carry no per-step data, and keeping step
 * rollups would add a second trigger's upserts to every recorded execution on the hot write path;
 * a bounded read of the newest executions (an index scan on executions_workflow_started_idx, then
 * their steps by primary key) costs the same at 10 M rows as at 10 k and answers what a step
 * breakdown is for: where the time of recent runs goes. Skipped steps did not run and are left out.
 * The frame's meta says how many executions were read.
 */
async function stepRows(pool: Pool, from: number, to: number, stepMs: number | undefined, target: QueryRequest['targets'][number]): Promise<{ rows: Row[]; sampled: number }> {
  const params: unknown[] = [new Date(from), new Date(to), STEP_SAMPLE_EXECUTIONS];
  const { join, filter } = targetFilter(target, 'e', params);
  // An unreferenced parameter has no type PostgreSQL can infer: push only the one used.
  params.push(stepMs ?? to);
  const time = stepMs === undefined ? `$${params.length}::bigint` : `(floor(extract(epoch FROM sample.started_at) * 1000 / $${params.length}::bigint) * $${params.length}::bigint)::bigint`;
  const series = target.groupBy === 'step' ? 's.name' : `''`;
  const { rows } = await pool.query<Row & { sampled: number }>(
    `WITH sample AS (
       SELECT e.id, e.started_at FROM executions e${join}
        WHERE e.started_at >= $1 AND e.started_at <= $2${filter}
        ORDER BY e.started_at DESC
        LIMIT $3
     )
     SELECT ${series} AS workflow_id, ${time} AS t, ${STEP_AGGREGATE[target.metric]} AS value, (SELECT count(*) FROM sample)::int AS sampled
       FROM sample JOIN execution_steps s ON s.execution_id = sample.id
      WHERE s.status <> 'skipped'
      GROUP BY 1, 2
      LIMIT ${MAX_VALUES + 1}`,
    params
  );
  return { rows, sampled: rows[0]?.sampled ?? 0 };
}

/**
 * Open alerts per point, per series, in one statement whatever the number of points: an alert
 * counts at point t when it opened before t + step and was not resolved before t, so it covers a
 * run of consecutive points [first, last], computed from its two times. Each run adds +1 at its
 * first point and −1 after its last; a running sum over the points gives the counts. The cost is
 * the alerts overlapping the range plus the points, not their product.
 */
async function activeAlertSeries(
  pool: Pool,
  plan: { fromAligned: number; stepMs: number; pointCount: number },
  filter: { workflowIds?: string[]; byWorkflow: boolean }
): Promise<Map<string, number[]>> {
  const counts = new Map<string, number[]>();
  const { fromAligned, stepMs, pointCount } = plan;
  const { rows } = await pool.query<{ series: string; point: number; delta: number }>(
    `WITH runs AS (
       SELECT ${filter.byWorkflow ? 'a.workflow_id' : `''`} AS series,
              greatest(floor((extract(epoch FROM a.opened_at) * 1000 - $1) / $2), 0)::int AS first_point,
              least(coalesce(floor((extract(epoch FROM a.resolved_at) * 1000 - $1) / $2), $3 - 1), $3 - 1)::int AS last_point
         FROM alerts a
        WHERE a.opened_at < $4 AND (a.resolved_at IS NULL OR a.resolved_at >= $5)
          AND ($6::text[] IS NULL OR a.workflow_id = ANY($6))
     )
     SELECT series, point, sum(delta)::int AS delta
       FROM (SELECT series, first_point AS point, 1 AS delta FROM runs WHERE first_point <= last_point
             UNION ALL
             SELECT series, last_point + 1, -1 FROM runs WHERE first_point <= last_point AND last_point + 1 < $3) d
      GROUP BY 1, 2`,
    [fromAligned, stepMs, pointCount, new Date(fromAligned + pointCount * stepMs), new Date(fromAligned), filter.workflowIds ?? null]
  );
  for (const row of rows) {
    let series = counts.get(row.series);
    if (!series) {
      series = Array.from({ length: pointCount }, () => 0);
      counts.set(row.series, series);
    }
    series[row.point]! += row.delta;
  }
  for (const series of counts.values()) {
    for (let i = 1; i < series.length; i += 1) {
      series[i]! += series[i - 1]!;
    }
  }
  return counts;
}

/**
 * Rows split per error type (the series key in `workflow_id`): failed attempts as `attempts` and
 * retries as `retries`, so valueOf reads them like any other count. Types never seen are left out.
 */
function byErrorType(rows: Row[], metric: QueryMetric): Row[] {
  return rows.flatMap((row) =>
    ERROR_TYPES.flatMap((type, i) => {
      const attempts = row.errors_by_type?.[i] ?? 0;
      const retries = row.retries_by_type?.[i] ?? 0;
      return (metric === 'retries' ? retries : attempts) === 0 ? [] : [{ ...row, workflow_id: type, attempts, retries }];
    })
  );
}

/** POST /api/v1/query → Grafana data-frame JSON (the /api/ds/query shape), wide time series. */
export async function runQuery(pool: Pool, q: QueryRequest) {
  const plan = planPoints(q);
  const { stepMs, table, fromAligned, pointCount } = plan;
  if (pointCount > MAX_POINTS) {
    // The schema refuses these; a caller that skipped it must not get a loop over the range.
    throw new ValidationError(`the query would return ${pointCount} points; at most ${MAX_POINTS}`, [{ path: 'maxDataPoints', message: `at most ${MAX_POINTS} points` }]);
  }
  const seriesTimes = Array.from({ length: pointCount }, (_, i) => fromAligned + i * stepMs);
  const results: Record<string, { frames: unknown[]; error?: string }> = {};
  const visible = q.targets.filter((target) => !target.hide);
  const sampledBy = new Map<string, number>();
  // Targets are independent: their reads run side by side, and identical ones are read once.
  const reads = new Map<string, Promise<Row[]>>();
  const allRows = await Promise.all(
    visible.map((target) => {
      if (isSloQueryMetric(target.metric)) {
        return { rows: [] as Row[], key: '' };
      }
      const columns = columnsFor(target.metric, target.groupBy);
      const key = JSON.stringify([target.workflowIds ?? null, target.labels ?? null, target.locations ?? null, target.groupBy, columns, target.instant ?? false, isStepMetric(target.metric) ? target.metric : null]);
      let read = reads.get(key);
      if (!read) {
        read = isStepMetric(target.metric)
          ? stepRows(pool, q.from, q.to, target.instant ? undefined : stepMs, target).then(({ rows, sampled }) => {
              sampledBy.set(key, sampled);
              return rows;
            })
          : target.instant
            ? instantRows(pool, q.from, q.to, target, columns)
            : targetRows(pool, table, fromAligned, q.to, stepMs, target, columns);
        reads.set(key, read);
      }
      return read.then((rows) => ({ rows, key }));
    })
  );
  let valueCount = 0;
  for (const [index, target] of visible.entries()) {
    if (isSloQueryMetric(target.metric)) {
      const series = await sloSeries(pool, plan, { ...target, metric: target.metric });
      valueCount += series.length * pointCount;
      if (valueCount > MAX_VALUES) {
        const where = `targets[${q.targets.indexOf(target)}]`;
        throw new ValidationError(`invalid body: ${where}: the answer would hold more than ${MAX_VALUES} values`, [
          { path: where, message: `${series.length} series × ${pointCount} points (with the targets before it) is more than ${MAX_VALUES} values: filter by workflowIds or labels, or lower maxDataPoints` },
        ]);
      }
      const fields: unknown[] = [{ name: 'time', type: 'time', config: { interval: stepMs } }];
      const values: unknown[][] = [seriesTimes];
      for (const { workflow, values: points } of series) {
        const display = target.alias ? target.alias.replace(/\{\{\s*workflow\s*\}\}/g, workflow.id) : workflow.id;
        fields.push({
          name: target.metric,
          type: 'number',
          labels: { workflow: workflow.id, ...workflow.labels },
          config: { displayNameFromDS: display, ...(UNITS[target.metric] ? { unit: UNITS[target.metric] } : {}) },
        });
        values.push(points);
      }
      results[target.refId] = {
        frames: [{ schema: { name: target.refId, refId: target.refId, fields, meta: { custom: { stepMs, source: table } } }, data: { values } }],
      };
      continue;
    }
    const { rows, key: readKey } = allRows[index]!;
    const times = target.instant ? [q.to] : seriesTimes;
    const series = new Map<string, Map<number, Acc>>();
    for (const row of target.groupBy === 'error_type' ? byErrorType(rows, target.metric) : rows) {
      const key = target.groupBy === 'none' ? '' : row.workflow_id;
      let points = series.get(key);
      if (!points) {
        points = new Map();
        series.set(key, points);
      }
      const t = Number(row.t);
      const acc = points.get(t) ?? emptyAcc();
      acc.executions += row.executions ?? 0;
      acc.successes += row.successes ?? 0;
      acc.degraded += row.degraded ?? 0;
      acc.failures += row.failures ?? 0;
      acc.attempts += row.attempts ?? 0;
      acc.retries += row.retries ?? 0;
      acc.duration_sum += Number(row.duration_sum ?? 0);
      acc.min = row.duration_min == null ? acc.min : Math.min(acc.min ?? row.duration_min, row.duration_min);
      acc.max = row.duration_max == null ? acc.max : Math.max(acc.max ?? row.duration_max, row.duration_max);
      if (row.duration_buckets) {
        addBuckets(acc.buckets, row.duration_buckets);
      }
      if (row.value != null) {
        acc.value = Number(row.value);
      }
      points.set(t, acc);
    }
    if (target.groupBy === 'none' && series.size === 0) {
      series.set('', new Map());
    }
    valueCount += series.size * times.length;
    if (rows.length > MAX_VALUES || valueCount > MAX_VALUES) {
      const where = `targets[${q.targets.indexOf(target)}]`;
      throw new ValidationError(`invalid body: ${where}: the answer would hold more than ${MAX_VALUES} values`, [
        { path: where, message: `${series.size} series × ${times.length} points (with the targets before it) is more than ${MAX_VALUES} values: filter by workflowIds or labels, or lower maxDataPoints` },
      ]);
    }
    const labelsOf = new Map<string, Record<string, string>>();
    if (target.groupBy === 'workflow' && series.size > 0) {
      const { rows: ws } = await pool.query<{ id: string; labels: Record<string, string> }>(`SELECT id, labels FROM workflows WHERE id = ANY($1::text[])`, [[...series.keys()]]);
      for (const w of ws) {
        labelsOf.set(w.id, w.labels);
      }
    }
    // An instant count of open alerts is the alerts open at any time in the range: one point spanning it.
    const alertPlan = target.instant ? { fromAligned: q.from, stepMs: q.to - q.from + 1, pointCount: 1 } : plan;
    const alertCounts =
      target.metric === 'active_alerts'
        ? await activeAlertSeries(pool, alertPlan, target.groupBy === 'workflow' ? { workflowIds: [...series.keys()], byWorkflow: true } : { workflowIds: target.workflowIds, byWorkflow: false })
        : undefined;
    const fields: unknown[] = [{ name: 'time', type: 'time', config: target.instant ? {} : { interval: stepMs } }];
    const values: unknown[][] = [times];
    for (const [key, points] of [...series.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const labels = !key ? undefined : target.groupBy === 'error_type' ? { error_type: key } : target.groupBy === 'step' ? { step: key } : target.groupBy === 'location' ? { location: key } : { workflow: key, ...labelsOf.get(key) };
      const display = target.alias ? target.alias.replace(/\{\{\s*(workflow|error_type|step|location)\s*\}\}/g, key) : key || target.metric;
      fields.push({
        name: target.metric,
        type: 'number',
        ...(labels ? { labels } : {}),
        config: { displayNameFromDS: display, ...(UNITS[target.metric] ? { unit: UNITS[target.metric] } : {}) },
      });
      values.push(alertCounts ? (alertCounts.get(key) ?? times.map(() => 0)) : times.map((t) => valueOf(target.metric, points.get(t))));
    }
    const meta = isStepMetric(target.metric)
      ? { custom: { stepMs: target.instant ? null : stepMs, source: 'executions', sampledExecutions: sampledBy.get(readKey) ?? 0, sampleLimit: STEP_SAMPLE_EXECUTIONS } }
      : { custom: { stepMs: target.instant ? null : stepMs, source: target.instant ? 'rollups' : table } };
    results[target.refId] = {
      frames: [{ schema: { name: target.refId, refId: target.refId, fields, meta }, data: { values } }],
    };
  }
  return { results };
}
