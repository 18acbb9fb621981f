import type { Pool, PoolClient } from '../db/pool';
import { BUCKET_COUNT, addBuckets } from '../rollups/histogram';
import { burnRate } from '../slo/sloMath';
import { listSloWorkflows, sloWindowCounts, windowEnd, withReaders, type Readers, type SloWorkflow } from '../slo/sloStore';
import type { AnomalySample, SpanSample } from './anomaly';
import type { Condition } from './ruleSchema';
import type { WorkflowFacts } from './workflowFacts';

type Db = Pool | PoolClient;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 86_400_000;

/** What burn-rate rules read about a workflow with an SLO: its burn rate per window length. */
export interface SloFacts {
  objective: number;
  window: string;
  burnRates: Map<number, number>;
}

/** The burn windows the rules ask for, per workflow of `workflows` (those declaring an SLO), read from rollups. */
export async function loadSloFacts(db: Db | Readers, workflows: SloWorkflow[], windowsMs: number[], nowMs: number): Promise<Map<string, SloFacts>> {
  const facts = new Map<string, SloFacts>();
  if (workflows.length === 0) {
    return facts;
  }
  const counts = await sloWindowCounts(db, { windowsMs, toMs: windowEnd(nowMs), workflowIds: workflows.map((w) => w.id) });
  for (const w of workflows) {
    const perWindow = counts.get(w.id);
    facts.set(w.id, {
      objective: w.slo.objective,
      window: w.slo.window,
      burnRates: new Map(windowsMs.map((ms) => [ms, burnRate(perWindow?.get(ms) ?? { good: 0, failed: 0, missed: 0 }, w.slo.objective)])),
    });
  }
  return facts;
}

/** Anomaly rules with the same window and number of weeks read the same sample. */
export function anomalyKey(condition: { window: number; weeks: number }): string {
  return `${condition.window}:${condition.weeks}`;
}

interface SpanRow {
  workflow_id: string;
  executions: number;
  failures: number;
  duration_min: number | null;
  duration_max: number | null;
  duration_buckets: number[];
}

function toSpan(row: SpanRow): SpanSample {
  return {
    executions: Number(row.executions),
    failures: Number(row.failures),
    durationMin: row.duration_min,
    durationMax: row.duration_max,
    durationBuckets: row.duration_buckets.map(Number),
  };
}

/**
 * The current window [end − window, end) as signed reads: the hour row of the hour holding now holds
 * exactly this hour's runs so far, so the window is that row, plus the previous hour's tail or the
 * previous hour's row minus its head, or minutes alone — whichever reads the fewest minute rows (at
 * most 30 per workflow). Histograms are counts and subtract; min and max come from what is added.
 */
export function currentWindowReads(end: number, windowMs: number): Array<{ table: 'execution_rollups_minute' | 'execution_rollups_hour'; fromMs: number; toMs: number; sign: 1 | -1 }> {
  const start = end - windowMs;
  const hour = Math.floor((end - 1) / HOUR_MS) * HOUR_MS;
  if (start >= hour) {
    return end - start <= start - hour
      ? [{ table: 'execution_rollups_minute', fromMs: start, toMs: end, sign: 1 }]
      : [
          { table: 'execution_rollups_hour', fromMs: hour, toMs: hour + HOUR_MS, sign: 1 },
          { table: 'execution_rollups_minute', fromMs: hour, toMs: start, sign: -1 },
        ];
  }
  const previous = hour - HOUR_MS;
  const reads: ReturnType<typeof currentWindowReads> = [{ table: 'execution_rollups_hour', fromMs: hour, toMs: hour + HOUR_MS, sign: 1 }];
  if (hour - start <= start - previous) {
    reads.push({ table: 'execution_rollups_minute', fromMs: start, toMs: hour, sign: 1 });
  } else {
    reads.push({ table: 'execution_rollups_hour', fromMs: previous, toMs: hour, sign: 1 }, { table: 'execution_rollups_minute', fromMs: previous, toMs: start, sign: -1 });
  }
  return reads;
}

const SIGNED_SPAN_COLUMNS = `sum(sign * executions)::int AS executions, sum(sign * failures)::int AS failures,
  min(duration_min) FILTER (WHERE sign > 0) AS duration_min, max(duration_max) FILTER (WHERE sign > 0) AS duration_max,
  json_build_array(${Array.from({ length: BUCKET_COUNT }, (_, i) => `coalesce(sum(sign * duration_buckets[${i + 1}]), 0)`).join(', ')}) AS duration_buckets`;

function mergeSpan(into: SpanSample, more: SpanSample): void {
  into.executions += more.executions;
  into.failures += more.failures;
  into.durationMin = more.durationMin === null ? into.durationMin : into.durationMin === null ? more.durationMin : Math.min(into.durationMin, more.durationMin);
  into.durationMax = more.durationMax === null ? into.durationMax : into.durationMax === null ? more.durationMax : Math.max(into.durationMax, more.durationMax);
  addBuckets(into.durationBuckets, more.durationBuckets);
}

const emptySpan = (): SpanSample => ({ executions: 0, failures: 0, durationMin: null, durationMax: null, durationBuckets: Array.from({ length: BUCKET_COUNT }, () => 0) });

/**
 * The current window and the hour of the week its middle falls in, in each of the previous `weeks`
 * weeks, per workflow. Baseline hours come from the hour rollups (kept as long as RETENTION_ROLLUPS),
 * read as they are and merged here: almost every (workflow, hour) is one row, and summing 13 buckets
 * per group in SQL cost twice the read. The current window's minute rows are what costs: with two
 * readers, its minute range is read in two halves at once, each summed per workflow in SQL.
 */
export async function loadAnomalySamples(db: Db | Readers, workflowIds: string[] | 'all', spec: { window: number; weeks: number }, nowMs: number): Promise<Map<string, AnomalySample>> {
  const end = windowEnd(nowMs);
  const ids = workflowIds === 'all' ? null : workflowIds;
  const hourOfWeek = Math.floor((end - spec.window / 2) / HOUR_MS) * HOUR_MS;
  const baselineHours = Array.from({ length: spec.weeks }, (_, k) => new Date(hourOfWeek - (k + 1) * WEEK_MS));
  const currentStatement = (reads: ReturnType<typeof currentWindowReads>) => {
    const params: unknown[] = ids ? [ids] : [];
    const selects = reads.map((read) => {
      params.push(new Date(read.fromMs), new Date(read.toMs));
      const n = params.length;
      return `SELECT workflow_id, ${read.sign} AS sign, executions, failures, duration_min, duration_max, duration_buckets FROM ${read.table}
               WHERE bucket >= $${n - 1} AND bucket < $${n}${ids ? ' AND workflow_id = ANY($1::text[])' : ''}`;
    });
    return { text: `SELECT workflow_id, ${SIGNED_SPAN_COLUMNS} FROM (${selects.join(' UNION ALL ')}) r GROUP BY 1`, params };
  };
  // The bucket as epoch milliseconds: parsing 4,000 timestamps into Dates cost more than the read.
  const baselineStatement = (hours: Date[]) => ({
    text: `SELECT workflow_id, extract(epoch FROM bucket)::float8 * 1000 AS at, executions, failures, duration_min, duration_max, array_to_json(duration_buckets) AS duration_buckets
             FROM execution_rollups_hour WHERE bucket = ANY($1::timestamptz[])${ids ? ' AND workflow_id = ANY($2::text[])' : ''}`,
    params: ids ? [hours, ids] : [hours],
  });
  const [currentParts, baselineParts] = await withReaders(db, async (readers) => {
    const reads = currentWindowReads(end, spec.window);
    const current = [currentStatement(reads)];
    const baseline = [baselineStatement(baselineHours)];
    if (readers.length >= 2) {
      // Both halves of the work on both readers: the current window's minutes, and the baseline weeks.
      const minutes = reads.find((read) => read.table === 'execution_rollups_minute');
      if (minutes && minutes.toMs - minutes.fromMs >= 2 * MINUTE_MS) {
        const middle = minutes.fromMs + Math.floor((minutes.toMs - minutes.fromMs) / 2 / MINUTE_MS) * MINUTE_MS;
        current.splice(0, 1, currentStatement([{ ...minutes, toMs: middle }]), currentStatement([...reads.filter((read) => read !== minutes), { ...minutes, fromMs: middle }]));
      }
      const half = Math.ceil(baselineHours.length / 2);
      baseline.splice(0, 1, baselineStatement(baselineHours.slice(half)), baselineStatement(baselineHours.slice(0, half)));
    }
    return Promise.all([
      Promise.all(current.map((stmt, i) => readers[i % readers.length]!.query<SpanRow>(stmt.text, stmt.params))),
      Promise.all(baseline.map((stmt, i) => readers[(current.length + i) % readers.length]!.query<SpanRow & { at: number }>(stmt.text, stmt.params))),
    ]);
  });
  const samples = new Map<string, AnomalySample>();
  const sampleOf = (id: string) => {
    let sample = samples.get(id);
    if (!sample) {
      sample = { current: emptySpan(), baseline: [] };
      samples.set(id, sample);
    }
    return sample;
  };
  for (const part of currentParts) {
    for (const row of part.rows) {
      mergeSpan(sampleOf(row.workflow_id).current, toSpan(row));
    }
  }
  // Per workflow and hour (rows of several locations are merged), newest week first.
  const hours = new Map<string, Map<number, SpanSample>>();
  for (const row of baselineParts.flatMap((part) => part.rows)) {
    let byHour = hours.get(row.workflow_id);
    if (!byHour) {
      byHour = new Map();
      hours.set(row.workflow_id, byHour);
    }
    const at = row.at;
    const span = byHour.get(at);
    if (span) {
      mergeSpan(span, toSpan(row));
    } else {
      byHour.set(at, toSpan(row));
    }
  }
  for (const [id, byHour] of hours) {
    sampleOf(id).baseline.push(...[...byHour].sort((a, b) => b[0] - a[0]).map(([, span]) => span));
  }
  return samples;
}

/** The long and short windows of every burn-rate condition among `conditions`. */
export function burnWindowsOf(conditions: Condition[]): number[] {
  const windows = new Set<number>();
  for (const condition of conditions) {
    if (condition.type === 'burn_rate') {
      for (const pair of condition.pairs) {
        windows.add(pair.long);
        windows.add(pair.short);
      }
    }
  }
  return [...windows];
}

/** The distinct (window, weeks) samples the anomaly conditions among `conditions` read. */
export function anomalySpecsOf(conditions: Condition[]): Array<{ window: number; weeks: number }> {
  const specs = new Map<string, { window: number; weeks: number }>();
  for (const condition of conditions) {
    if (condition.type === 'anomaly') {
      specs.set(anomalyKey(condition), { window: condition.window, weeks: condition.weeks });
    }
  }
  return [...specs.values()];
}

/**
 * Adds what burn-rate and anomaly conditions read (from rollups, not raw rows) to the facts of the
 * workflows about to be judged; nothing is read when no rule has such a condition.
 */
export async function attachRollupFacts(db: Db, facts: Map<string, WorkflowFacts>, workflowIds: string[] | 'all', conditions: Condition[], nowMs: number): Promise<void> {
  const burnWindows = burnWindowsOf(conditions);
  const specs = anomalySpecsOf(conditions);
  if (facts.size === 0 || (burnWindows.length === 0 && specs.length === 0)) {
    return;
  }
  const ids = workflowIds === 'all' ? 'all' : [...facts.keys()];
  // Most batches judge workflows without an SLO: one indexed look-up, and nothing more to read.
  const sloWorkflows = burnWindows.length > 0 ? await listSloWorkflows(db, ids === 'all' ? undefined : ids) : [];
  if (sloWorkflows.length === 0 && specs.length === 0) {
    return;
  }
  const [slo, samples] = await withReaders(db, async (readers) => [
    await loadSloFacts(readers, sloWorkflows, burnWindows, nowMs),
    await Promise.all(specs.map((spec) => loadAnomalySamples(readers, ids, spec, nowMs))),
  ] as const);
  for (const [id, f] of facts) {
    const own = slo?.get(id);
    if (own) {
      f.slo = own;
    }
    if (specs.length > 0) {
      f.anomaly = new Map(specs.flatMap((spec, i) => {
        const sample = samples[i]!.get(id);
        return sample ? [[anomalyKey(spec), sample] as const] : [];
      }));
    }
  }
}
