import type { Pool } from '../../src/db/pool';
import { eventually } from './targetServer';

/**
 * Waits until no scheduled slot due in [from, to) is still pending or running: the replicas have
 * finished the window (a loaded machine runs behind, and runs of killed replicas wait for their lease).
 */
export async function waitUntilWindowSettled(pool: Pool, from: Date, to: Date, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM scheduled_runs WHERE kind = 'scheduled' AND slot_at >= $1 AND slot_at < $2 AND state IN ('pending', 'running')`,
      [from, to]
    );
    return rows[0]!.n === 0;
  }, timeoutMs, 250);
}
