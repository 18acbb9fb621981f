import { withTransaction, type Pool } from '../db/pool';
import type { Logger } from '../log/logger';
import { parseAssertion } from '../executor/assertions';
import { clearDefinitionProblem, initialNextSlot, markDefinitionProblem, type WorkflowRow } from './workflowStore';

export interface StoredDefinitionProblem {
  path: string;
  message: string;
}

/**
 * The first assertion of a stored definition that no longer parses, e.g. a `matches` regex the
 * linear-time engine cannot run, saved before that check existed. Only assertions are looked at:
 * every other part of a stored definition passed the same checks it would pass today.
 */
export function storedDefinitionProblem(definition: unknown): StoredDefinitionProblem | undefined {
  const steps = (definition as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) {
    return undefined;
  }
  for (const [i, step] of steps.entries()) {
    const assertions = (step as { assert?: unknown } | null)?.assert;
    if (!Array.isArray(assertions)) {
      continue;
    }
    for (const [j, text] of assertions.entries()) {
      if (typeof text !== 'string') {
        continue;
      }
      try {
        parseAssertion(text);
      } catch (error) {
        return { path: `steps[${i}].assert[${j}]`, message: (error as Error).message };
      }
    }
  }
  return undefined;
}

type VettedRow = Pick<WorkflowRow, 'id' | 'name' | 'source' | 'source_file' | 'definition' | 'load_error' | 'mode' | 'every_ms' | 'cron' | 'cron_timezone' | 'push_expected_ms' | 'push_grace_ms' | 'last_push_at'>;

/**
 * Run on start, after the workflow files are synced. A stored workflow whose definition fails is
 * not scheduled (no next slot, pending runs cancelled) and carries `load_error`, shown by the API,
 * until a corrected definition is saved (saving clears it); one that passes again is replanned.
 * Each rejected workflow is logged on every start. Safe when replicas start together: the updates
 * are idempotent.
 */
export async function vetStoredWorkflows(pool: Pool, log: Logger, nowMs = Date.now()): Promise<{ rejected: string[]; restored: string[] }> {
  const { rows } = await pool.query<VettedRow>(
    `SELECT id, name, source, source_file, definition, load_error, mode, every_ms, cron, cron_timezone, push_expected_ms, push_grace_ms, last_push_at
       FROM workflows WHERE deleted_at IS NULL`
  );
  const rejected: string[] = [];
  const restored: string[] = [];
  for (const row of rows) {
    const problem = storedDefinitionProblem(row.definition);
    if (problem) {
      await withTransaction(pool, (client) => markDefinitionProblem(client, row.id, problem));
      rejected.push(row.id);
      log.error(
        { workflowId: row.id, path: problem.path, ...(row.source_file ? { file: row.source_file } : {}) },
        `stored workflow "${row.id}" is not scheduled: ${problem.path}: ${problem.message}; save a corrected definition to run it again`
      );
    } else if (row.load_error) {
      const next =
        row.mode === 'push'
          ? null
          : initialNextSlot({ id: row.id, name: row.name, schedule: { every: row.every_ms ?? undefined, cron: row.cron ?? undefined, timezone: row.cron_timezone ?? undefined } }, nowMs);
      await clearDefinitionProblem(pool, row.id, next, nowMs);
      restored.push(row.id);
      log.info({ workflowId: row.id }, `stored workflow "${row.id}" validates again and is scheduled`);
    }
  }
  return { rejected, restored };
}
