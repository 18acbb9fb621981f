import type { Pool } from '../db/pool';
import type { ExecutionResult } from '../model/execution';
import { recordExecutionBatch, type RecordedExecution } from './recordExecution';

/**
 * Collects results finished at about the same moment and writes them together, group-commit
 * style: at most `maxWriters` batch statements are in flight; results arriving meanwhile wait and
 * go out together in the next one (up to `maxBatch`). A lone result is written on the next turn of
 * the event loop, so under light load nothing waits; under heavy load batches grow by themselves,
 * and the per-statement costs (planning, the rollup trigger, the round trip) are paid once for
 * many executions.
 */
export class ExecutionBatcher {
  private pending: Array<{ item: { result: ExecutionResult; runId: number; workerId: string | null }; resolve: (r: RecordedExecution) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private writers = 0;

  constructor(private readonly pool: Pool, private readonly maxBatch = 100, private readonly maxWriters = 2) {}

  record(result: ExecutionResult, runId: number, workerId: string | null): Promise<RecordedExecution> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item: { result, runId, workerId }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.scheduled && this.writers < this.maxWriters && this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) {
      return;
    }
    this.writers += 1;
    try {
      const recorded = await recordExecutionBatch(this.pool, batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(recorded[i]!));
    } catch (error) {
      batch.forEach((b) => b.reject(error));
    } finally {
      this.writers -= 1;
      this.schedule();
    }
  }
}
