import type { Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import { pruneReplicas, recordHeartbeat, removeReplica, type ReplicaBeat } from './replicaStore';

/** Rows of replicas not seen for a day are deleted (killed replicas never remove their own). */
const PRUNE_AFTER_MS = 86_400_000;

/**
 * Keeps this replica's row in `replicas` fresh: written at start, refreshed every `intervalMs`,
 * deleted on a clean stop. A database outage only delays the next beat; the replica then simply
 * counts as gone once the expiry passes, as it would from any other replica's point of view.
 */
export class ReplicaHeartbeat {
  private timer?: NodeJS.Timeout;
  private beating: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: { pool: Pool; log: Logger; beat: ReplicaBeat; intervalMs: number }) {}

  /** Writes the first beat (so the replica is listed as soon as it serves) and starts the timer. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() => this.beat());
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.stopped) {
      return;
    }
    try {
      await recordHeartbeat(this.opts.pool, this.opts.beat);
      await pruneReplicas(this.opts.pool, PRUNE_AFTER_MS);
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'replica heartbeat failed; retrying on the next beat');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    try {
      await removeReplica(this.opts.pool, this.opts.beat.id);
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error) }, 'could not remove this replica from the heartbeat table; it drops out when its heartbeat expires');
    }
  }
}
