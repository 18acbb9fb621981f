import { withTransaction, type Pool } from '../db/pool';
import { everySchedule, planSlots, type SlotSchedule } from './slotSchedule';
import { RUN_KIND, RUN_STATE } from '../model/runState';

interface PlannableWorkflow {
  id: string;
  every_ms: number | null;
  cron: string | null;
  cron_timezone: string | null;
  next_slot_at: Date;
  locations: string[] | null;
}

/** Where each slot of a workflow runs: once per listed location, or once anywhere (null). */
function slotLocations(w: PlannableWorkflow): Array<string | null> {
  return w.locations && w.locations.length > 0 ? w.locations : [null];
}

export interface PlanOutcome {
  workflows: number;
  planned: number;
  missed: number;
}

function scheduleOf(w: PlannableWorkflow): SlotSchedule | undefined {
  if (w.every_ms !== null) {
    return everySchedule(w.id, w.every_ms);
  }
  if (w.cron !== null) {
    return { kind: 'cron', expression: w.cron, timezone: w.cron_timezone ?? undefined };
  }
  return undefined;
}

/** Workflows planned per pass (one transaction). */
export const PLAN_BATCH = 1_000;

/**
 * Plans the slots of scheduled workflows up to `now + horizon` into scheduled_runs. Workflows are
 * locked with SKIP LOCKED, so replicas planning at the same moment split the work; the unique slot
 * index makes a slot exist once even if two planners computed it. Slots that fell due longer ago
 * than the misfire threshold (the sidecar was down) become one collapsed 'missed' row per workflow.
 */
export async function planDueSlots(pool: Pool, opts: { horizonMs: number; misfireMs: number; batch?: number; nowMs?: number }): Promise<PlanOutcome> {
  const nowMs = opts.nowMs ?? Date.now();
  const untilMs = nowMs + opts.horizonMs;
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<PlannableWorkflow>(
      `SELECT id, every_ms, cron, cron_timezone, next_slot_at, locations FROM workflows
        WHERE next_slot_at <= $1 AND enabled AND deleted_at IS NULL AND mode = 'scheduled'
        ORDER BY next_slot_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [new Date(untilMs), opts.batch ?? PLAN_BATCH]
    );
    const slotWorkflow: string[] = [];
    const slotAt: Date[] = [];
    const slotState: string[] = [];
    const slotMissed: number[] = [];
    const slotLocation: Array<string | null> = [];
    const slotMissedUntil: Array<Date | null> = [];
    const nextIds: string[] = [];
    const nextAt: Array<Date | null> = [];
    let planned = 0;
    let missed = 0;
    for (const w of rows) {
      const schedule = scheduleOf(w);
      nextIds.push(w.id);
      if (!schedule) {
        nextAt.push(null);
        continue;
      }
      const plan = planSlots(schedule, w.next_slot_at.getTime(), untilMs, nowMs - opts.misfireMs);
      for (const location of slotLocations(w)) {
        if (plan.missed) {
          slotWorkflow.push(w.id);
          slotAt.push(new Date(plan.missed.firstSlotAt));
          slotState.push(RUN_STATE.missed);
          slotMissed.push(plan.missed.count);
          slotMissedUntil.push(new Date(plan.missed.untilMs));
          slotLocation.push(location);
          missed += plan.missed.count;
        }
        for (const at of plan.due) {
          slotWorkflow.push(w.id);
          slotAt.push(new Date(at));
          slotState.push(RUN_STATE.pending);
          slotMissed.push(1);
          slotMissedUntil.push(null);
          slotLocation.push(location);
        }
        planned += plan.due.length;
      }
      nextAt.push(new Date(plan.nextSlotAt));
    }
    if (slotWorkflow.length > 0) {
      await client.query(
        `INSERT INTO scheduled_runs (workflow_id, slot_at, state, missed_slots, missed_until, finished_at, location)
         SELECT w, s, st, m, mu, CASE WHEN st = '${RUN_STATE.missed}' THEN now() END, l
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::timestamptz[], $6::text[]) AS t(w, s, st, m, mu, l)
         ON CONFLICT DO NOTHING`,
        [slotWorkflow, slotAt, slotState, slotMissed, slotMissedUntil, slotLocation]
      );
    }
    if (nextIds.length > 0) {
      await client.query(
        `UPDATE workflows w SET next_slot_at = v.next_at
           FROM unnest($1::text[], $2::timestamptz[]) AS v(id, next_at) WHERE w.id = v.id`,
        [nextIds, nextAt]
      );
    }
    return { workflows: rows.length, planned, missed };
  });
}

/**
 * Plans in passes of `batch` workflows (one transaction each) until a pass comes back short, so
 * planning keeps up however many workflows fall into the horizon at once: 10,000 workflows every
 * 10 s is 1,000 a second, as many as one pass takes, and a single pass per tick fell behind the
 * slots (runs started up to a second late). `onPass` sees each pass as it commits.
 */
export async function planUntilCaughtUp(
  pool: Pool,
  opts: { horizonMs: number; misfireMs: number; batch: number; shouldStop?: () => boolean },
  onPass?: (plan: PlanOutcome) => void
): Promise<PlanOutcome> {
  const total: PlanOutcome = { workflows: 0, planned: 0, missed: 0 };
  for (;;) {
    const plan = await planDueSlots(pool, opts);
    total.workflows += plan.workflows;
    total.planned += plan.planned;
    total.missed += plan.missed;
    onPass?.(plan);
    if (plan.workflows < opts.batch || opts.shouldStop?.()) {
      return total;
    }
  }
}

export interface SweptSlots {
  /** Slots recorded missed by this sweep. */
  missed: number;
  /** Of those, per location: slots no live replica of their location could run. */
  noReplica: Map<string, number>;
}

/**
 * Pending slots that were planned but not started in time (every worker was down or overloaded)
 * are recorded as missed instead of being run in a burst: one older than the misfire threshold,
 * or one a newer slot of the same workflow and location has already superseded for more than
 * `supersededMs`. A slot of a location that has no live replica (no heartbeat within
 * `replicaExpiryMs`, see replicas/heartbeat.ts) waits for the misfire threshold — its replica
 * may be restarting — and is then recorded with the reason "no replica in location X"; so is a
 * manual run queued there, and a run whose worker died there and whose lease expired. The live
 * replicas of other locations record this, since the empty location cannot.
 */
export async function sweepMissedSlots(pool: Pool, opts: { misfireMs: number; supersededMs?: number; replicaExpiryMs?: number }): Promise<SweptSlots> {
  const supersededMs = opts.supersededMs ?? 5_000;
  const { rows } = await pool.query<{ location: string | null; reason: string | null; n: number }>(
    `WITH live AS (
       SELECT DISTINCT location FROM replicas
        WHERE scheduling AND last_seen_at > now() - make_interval(secs => $3 / 1000.0)
     ), due AS (
       SELECT r.id FROM scheduled_runs r
        WHERE r.state = '${RUN_STATE.pending}' AND r.slot_at < now() - make_interval(secs => $4 / 1000.0)
          AND ((r.kind = '${RUN_KIND.scheduled}'
                AND (r.slot_at < now() - make_interval(secs => $1 / 1000.0)
                     OR (r.slot_at < now() - make_interval(secs => $2 / 1000.0)
                         AND (r.location IS NULL OR r.location IN (SELECT location FROM live))
                         AND EXISTS (SELECT 1 FROM scheduled_runs n
                                      WHERE n.workflow_id = r.workflow_id AND n.state = '${RUN_STATE.pending}' AND n.kind = '${RUN_KIND.scheduled}'
                                        AND n.location IS NOT DISTINCT FROM r.location
                                        AND n.slot_at > r.slot_at AND n.slot_at <= now()))))
               OR (r.kind = '${RUN_KIND.manual}' AND r.location IS NOT NULL AND r.location NOT IN (SELECT location FROM live)
                   AND r.slot_at < now() - make_interval(secs => $1 / 1000.0)))
       UNION ALL
       SELECT r.id FROM scheduled_runs r
        WHERE r.state = '${RUN_STATE.running}' AND r.location IS NOT NULL AND r.locked_until < now()
          AND r.slot_at < now() - make_interval(secs => $1 / 1000.0)
          AND r.location NOT IN (SELECT location FROM live)
     ), swept AS (
       UPDATE scheduled_runs r
          SET state = '${RUN_STATE.missed}', finished_at = now(), locked_until = NULL,
              missed_reason = CASE WHEN r.location IS NOT NULL AND r.location NOT IN (SELECT location FROM live)
                                   THEN 'no replica in location ' || r.location END
         FROM due
        WHERE r.id = due.id AND (r.state = '${RUN_STATE.pending}' OR (r.state = '${RUN_STATE.running}' AND r.locked_until < now()))
       RETURNING r.location, r.missed_reason
     )
     SELECT location, missed_reason AS reason, count(*)::int AS n FROM swept GROUP BY 1, 2`,
    [opts.misfireMs, supersededMs, opts.replicaExpiryMs ?? 30_000, Math.min(opts.misfireMs, supersededMs)]
  );
  const noReplica = new Map<string, number>();
  let missed = 0;
  for (const row of rows) {
    missed += row.n;
    if (row.reason !== null && row.location !== null) {
      noReplica.set(row.location, row.n);
    }
  }
  return { missed, noReplica };
}
