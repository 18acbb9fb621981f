import { setMaxListeners } from 'node:events';
import type { Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import type { ExecutionResult } from '../model/execution';
import { DEFAULT_LOCATION } from '../model/location';
import { claimDueRuns, type ClaimedRun } from './claimDueRuns';
import { markOverduePushes, type MissedPush } from './markOverduePushes';
import { PLAN_BATCH, planUntilCaughtUp, sweepMissedSlots } from './planDueSlots';

export interface SchedulerOptions {
  pool: Pool;
  log: Logger;
  workerId: string;
  /** This replica's location (default `default`): it claims slots of no location and of this one. */
  location?: string;
  /** A replica not seen for this long is gone (its location's slots are then recorded missed). */
  replicaExpiryMs?: number;
  /** A pending slot superseded by a newer due one for this long is recorded missed (default 5 s). */
  supersededMs?: number;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  misfireMs: number;
  horizonMs: number;
  /** Runs one claimed slot; must not throw (the executor turns every failure into a result). */
  execute: (run: ClaimedRun, signal: AbortSignal) => Promise<ExecutionResult>;
  /** Stores the result; throwing means "try again later" (the database is away). */
  record: (run: ClaimedRun, result: ExecutionResult) => Promise<void>;
  onMissedPush?: (missed: MissedPush) => void;
  /** Slots recorded as missed (each collapsed row counts its `missed_slots`). */
  onMissedSlots?: (slots: number) => void;
  /** Observes how late each run started relative to its slot. */
  onStarted?: (run: ClaimedRun, lagMs: number) => void;
  /**
   * Slots due within this many milliseconds are claimed now and started at their time on a local
   * timer, so the claim's database round trip does not make them late (default CLAIM_AHEAD_MS; 0:
   * claim only what is due).
   */
  claimAheadMs?: number;
}

const PLAN_INTERVAL_MS = 1_000;
/**
 * How far ahead a claim looks. A claim takes 1–5 ms on an idle machine and tens under load; 50 ms
 * covers that while holding few concurrency slots idle (at 300 runs/s, about 15 waiting runs).
 */
export const CLAIM_AHEAD_MS = 50;
const RECORD_RETRY_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * One replica's share of the durable schedule. Three loops, all driven by PostgreSQL state:
 * - the planner writes upcoming slots (and collapsed missed ones) into scheduled_runs;
 * - the claimer takes due runs with SKIP LOCKED up to the concurrency limit and sleeps until the
 *   next pending slot (or the poll interval, whichever is sooner), so a slot starts within a few
 *   milliseconds of its time without hammering the database;
 * - finished results are recorded; if the database is away the result is kept and retried, and if
 *   this process dies the lease expires and another replica runs the slot again.
 */
export class Scheduler {
  /** Runs executing now (bounded by `concurrency`). */
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Finished runs whose results are being stored (bounded by `maxUnrecorded`). */
  private readonly recording = new Set<Promise<void>>();
  private readonly maxUnrecorded: number;
  private readonly abort = new AbortController();
  private planTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private pumping = false;
  private claiming: Promise<unknown> = Promise.resolve();
  private pumpAgain = false;
  private stopped = false;

  private readonly batchMin: number;
  private readonly aheadMs: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.batchMin = Math.max(1, Math.floor(opts.concurrency / 5));
    this.aheadMs = Math.max(0, opts.claimAheadMs ?? CLAIM_AHEAD_MS);
    this.maxUnrecorded = opts.concurrency * 2;
    // Every running execution's deadline listens to this signal (and stops listening when it
    // ends): `concurrency` listeners at once are expected, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  start(): void {
    void this.planTick();
    void this.pump();
  }

  /** Called when a run was enqueued in this process (run now): no need to wait for the poll. */
  wake(): void {
    void this.pump();
  }

  get running(): number {
    return this.inFlight.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.planTimer);
    clearTimeout(this.wakeTimer);
    // A claim in progress may still hand us runs: let it finish, then wait for every in-flight
    // execution, including ones it launched (the caller bounds the wait; leases cover a hard stop).
    await this.claiming;
    while (this.inFlight.size > 0 || this.recording.size > 0) {
      await Promise.allSettled([...this.inFlight.values(), ...this.recording]);
    }
  }

  private async planTick(): Promise<void> {
    if (this.stopped) {
      return;
    }
    const { pool, log } = this.opts;
    try {
      await planUntilCaughtUp(pool, { horizonMs: this.opts.horizonMs, misfireMs: this.opts.misfireMs, batch: PLAN_BATCH, shouldStop: () => this.stopped }, (plan) => {
        if (plan.missed > 0) {
          this.opts.onMissedSlots?.(plan.missed);
          log.warn({ missedSlots: plan.missed }, 'slots fell due while no sidecar was running; recorded as missed, not replayed');
        }
        if (plan.planned > 0) {
          void this.pump();
        }
      });
      const swept = await sweepMissedSlots(pool, { misfireMs: this.opts.misfireMs, supersededMs: this.opts.supersededMs, replicaExpiryMs: this.opts.replicaExpiryMs });
      if (swept.missed > 0) {
        this.opts.onMissedSlots?.(swept.missed);
        for (const [location, slots] of swept.noReplica) {
          log.warn({ missedSlots: slots, location }, `no replica in location ${location}: its slots were recorded as missed`);
        }
        const late = swept.missed - [...swept.noReplica.values()].reduce((a, b) => a + b, 0);
        if (late > 0) {
          log.warn({ missedSlots: late }, 'planned slots were not started in time; recorded as missed');
        }
      }
      const pushes = await markOverduePushes(pool, { workerId: this.opts.workerId, location: this.opts.location ?? DEFAULT_LOCATION });
      for (const missed of pushes) {
        this.opts.onMissedPush?.(missed);
      }
    } catch (error) {
      log.warn({ err: coerceError(error) }, 'scheduler planning failed; retrying');
    }
    if (!this.stopped) {
      this.planTimer = setTimeout(() => void this.planTick(), Math.min(PLAN_INTERVAL_MS, this.opts.horizonMs / 4));
    }
  }

  private async pump(): Promise<void> {
    if (this.stopped) {
      return;
    }
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    clearTimeout(this.wakeTimer);
    let delay = this.opts.pollIntervalMs;
    try {
      let nextAt: Date | null = null;
      do {
        this.pumpAgain = false;
        // Results waiting to be stored hold back new claims: a slow database slows the claiming
        // down instead of piling up finished runs in memory.
        const free = this.recording.size >= this.maxUnrecorded ? 0 : this.opts.concurrency - this.inFlight.size;
        // Under load, claim in batches rather than one run per finished run: a finishing run
        // calls pump again, and waiting for a few free slots saves round trips.
        if (free <= 0 || (free < this.batchMin && this.inFlight.size > 0 && !this.pumpAgain)) {
          return;
        }
        const claim = claimDueRuns(this.opts.pool, { workerId: this.opts.workerId, limit: free, leaseMs: this.opts.leaseMs, location: this.opts.location ?? DEFAULT_LOCATION, aheadMs: this.aheadMs });
        this.claiming = claim.catch(() => undefined);
        const claimed = await claim;
        nextAt = claimed.nextAt;
        for (const run of claimed.runs) {
          this.launch(run);
        }
        if (claimed.runs.length === free) {
          this.pumpAgain = true;
        }
      } while (this.pumpAgain && !this.stopped);
      if (nextAt) {
        // Wake when the next slot comes within claiming distance.
        delay = Math.max(0, Math.min(delay, nextAt.getTime() - this.aheadMs - Date.now()));
      }
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'claiming due runs failed; retrying');
      delay = Math.max(delay, 1_000);
    } finally {
      this.pumping = false;
    }
    if (!this.stopped) {
      this.wakeTimer = setTimeout(() => void this.pump(), delay);
    }
  }

  /**
   * A run holds its concurrency slot while it executes; storing its result happens after the slot
   * is given back, so the next due run does not wait for a database round trip. The run stays
   * `running` (leased) in PostgreSQL until its result is stored.
   */
  private launch(run: ClaimedRun): void {
    const task = this.atSlotTime(run)
      .then(() => {
        this.opts.onStarted?.(run, Math.max(0, Date.now() - run.slotAt.getTime()));
        return this.opts.execute(run, this.abort.signal);
      })
      .then(
        (result) => this.store(run, result),
        (error: unknown) => this.opts.log.error({ err: coerceError(error), runId: run.id }, 'run failed unexpectedly')
      )
      .finally(() => {
        this.inFlight.delete(run.id);
        void this.pump();
      });
    this.inFlight.set(run.id, task);
  }

  /**
   * Resolves at the run's slot time (at once for a run already due). A run claimed ahead holds its
   * concurrency slot while it waits; a stopping scheduler still starts it (it is claimed and leased,
   * and stop() waits for it), so nothing claimed is left for the lease to expire.
   */
  private atSlotTime(run: ClaimedRun): Promise<void> {
    // At most the claim-ahead distance: a database clock ahead of this one must not hold runs back.
    const startAt = Math.min(run.slotAt.getTime(), Date.now() + this.aheadMs);
    if (startAt <= Date.now()) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const check = (): void => {
        // Timers may fire a little early against the wall clock: never start before the slot.
        const left = startAt - Date.now();
        if (left <= 0) {
          resolve();
        } else {
          setTimeout(check, left);
        }
      };
      check();
    });
  }

  private store(run: ClaimedRun, result: ExecutionResult): void {
    const task: Promise<void> = this.recordWithRetry(run, result)
      .catch((error) => this.opts.log.error({ err: coerceError(error), runId: run.id }, 'storing the result failed unexpectedly'))
      .finally(() => {
        const wasFull = this.recording.size >= this.maxUnrecorded;
        this.recording.delete(task);
        if (wasFull) {
          void this.pump();
        }
      });
    this.recording.add(task);
  }

  private async recordWithRetry(run: ClaimedRun, result: ExecutionResult): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.opts.record(run, result);
        return;
      } catch (error) {
        if (this.stopped && attempt >= 3) {
          // The lease will expire and another replica runs the slot again: nothing is lost.
          this.opts.log.error({ err: coerceError(error), runId: run.id }, 'could not store the result before shutdown; the slot will run again');
          return;
        }
        const wait = RECORD_RETRY_MS[Math.min(attempt, RECORD_RETRY_MS.length - 1)]!;
        this.opts.log.warn({ err: coerceError(error), runId: run.id, retryInMs: wait }, 'storing the execution failed; keeping it and retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
