import type { Pool } from '../db/pool';
import type { RollupTable } from '../metricsApi/rollupParts';
import { BURN_RATE_WINDOWS, burnRate, errorBudgetRemaining, sli, type BurnRateWindow, type SloCounts } from './sloMath';
import { listSloWorkflows, segmentCounts, stepCounts, type SloWorkflow } from './sloStore';

export const SLO_QUERY_METRICS = Object.freeze(['sli', 'error_budget_remaining', 'burn_rate'] as const);
export type SloQueryMetric = (typeof SLO_QUERY_METRICS)[number];

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const GRAIN: Record<RollupTable, number> = { execution_rollups_minute: MINUTE_MS, execution_rollups_hour: HOUR_MS, execution_rollups_day: DAY_MS };

export function isSloQueryMetric(metric: string): metric is SloQueryMetric {
  return (SLO_QUERY_METRICS as readonly string[]).includes(metric);
}

/** The plan of a query's points, as queryApi.planPoints makes it. */
export interface PointPlan {
  stepMs: number;
  table: RollupTable;
  fromAligned: number;
  pointCount: number;
}

/** The finest table needed to read steps that start `offsetMs` off the step grid. */
function tableFor(table: RollupTable, offsetMs: number): RollupTable {
  if (offsetMs % GRAIN[table] === 0) {
    return table;
  }
  return offsetMs % HOUR_MS === 0 ? 'execution_rollups_hour' : 'execution_rollups_minute';
}

/**
 * Counts over the window of `windowMs` ending at each point's end (t + step), for every point, per
 * workflow: the window before the first point is read exactly once, then each step adds what came
 * in during it and takes away what left the window (read shifted back by the window). Two reads of
 * one row per step and workflow, whatever the window's length.
 */
async function slidingCounts(pool: Pool, plan: PointPlan, windowMs: number, workflowIds: string[]): Promise<Map<string, SloCounts[]>> {
  const firstEnd = plan.fromAligned + plan.stepMs;
  const steps = plan.pointCount - 1;
  const [base, inflow, outflow] = await Promise.all([
    segmentCounts(pool, [{ fromMs: firstEnd - windowMs, toMs: firstEnd }], workflowIds),
    stepCounts(pool, { table: plan.table, originMs: firstEnd, stepMs: plan.stepMs, count: steps, workflowIds }),
    stepCounts(pool, { table: tableFor(plan.table, windowMs), originMs: firstEnd - windowMs, stepMs: plan.stepMs, count: steps, workflowIds }),
  ]);
  const result = new Map<string, SloCounts[]>();
  for (const id of workflowIds) {
    const running: SloCounts = { ...(base.get(id)?.[0] ?? { good: 0, failed: 0, missed: 0 }) };
    const series: SloCounts[] = [{ ...running }];
    const into = inflow.get(id);
    const out = outflow.get(id);
    for (let i = 0; i < steps; i += 1) {
      running.good += (into?.[i]?.good ?? 0) - (out?.[i]?.good ?? 0);
      running.failed += (into?.[i]?.failed ?? 0) - (out?.[i]?.failed ?? 0);
      running.missed += (into?.[i]?.missed ?? 0) - (out?.[i]?.missed ?? 0);
      series.push({ ...running });
    }
    result.set(id, series);
  }
  return result;
}

export interface SloSeriesTarget {
  metric: SloQueryMetric;
  workflowIds?: string[];
  labels?: Record<string, string>;
  burnRateWindow?: BurnRateWindow;
}

/**
 * One series per workflow that declares an SLO (within the target's workflowIds / labels): the SLI
 * or error budget left over its SLO window, or the burn rate over `burnRateWindow` (default 1h),
 * each window ending at the end of the point's step.
 */
export async function sloSeries(pool: Pool, plan: PointPlan, target: SloSeriesTarget): Promise<Array<{ workflow: SloWorkflow; values: Array<number | null> }>> {
  let workflows = await listSloWorkflows(pool, target.workflowIds && target.workflowIds.length > 0 ? target.workflowIds : undefined);
  const labels = Object.entries(target.labels ?? {});
  workflows = workflows.filter((w) => labels.every(([key, value]) => w.labels[key] === value));
  const burnWindowMs = BURN_RATE_WINDOWS[target.burnRateWindow ?? '1h'];
  const byWindow = new Map<number, SloWorkflow[]>();
  for (const w of workflows) {
    const windowMs = target.metric === 'burn_rate' ? burnWindowMs : w.windowMs;
    byWindow.set(windowMs, [...(byWindow.get(windowMs) ?? []), w]);
  }
  const counts = new Map<string, SloCounts[]>();
  await Promise.all(
    [...byWindow].map(async ([windowMs, group]) => {
      for (const [id, series] of await slidingCounts(pool, plan, windowMs, group.map((w) => w.id))) {
        counts.set(id, series);
      }
    })
  );
  return workflows.map((workflow) => {
    const { objective } = workflow.slo;
    const values = counts.get(workflow.id)!.map((c) => {
      switch (target.metric) {
        case 'sli':
          return sli(c);
        case 'error_budget_remaining':
          return errorBudgetRemaining(c, objective);
        case 'burn_rate':
          return burnRate(c, objective);
      }
    });
    return { workflow, values };
  });
}
