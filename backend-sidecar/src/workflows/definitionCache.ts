import { EXECUTION_STATUS, type ExecutionResult } from '../model/execution';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../model/workflowDefinition';
import type { ClaimedRun } from '../scheduler/claimDueRuns';

/**
 * Parsed definitions by workflow id, kept while the stored version is unchanged: a claimed run
 * carries the stored JSON, and parsing it on every run would cost more than the run itself.
 */
export class DefinitionCache {
  private readonly definitions = new Map<string, { version: number; definition: WorkflowDefinition }>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The run's definition, or why its stored definition no longer validates. */
  definitionOf(run: ClaimedRun): WorkflowDefinition | string {
    const cached = this.definitions.get(run.workflowId);
    if (cached && cached.version === run.version) {
      return cached.definition;
    }
    // Only a definition that came from a file may read the environment (see model/requestEnv.ts).
    const parsed = parseWorkflowDefinition(run.definition, run.source === 'file' ? { source: 'file', env: this.env } : { source: 'api' });
    if (!parsed.ok) {
      return parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    }
    this.definitions.set(run.workflowId, { version: run.version, definition: parsed.definition });
    return parsed.definition;
  }
}

/** The result of a run whose stored definition no longer validates: failed, permanently, without a request. */
export function invalidDefinitionResult(run: ClaimedRun, trigger: ExecutionResult['trigger'], problem: string): ExecutionResult {
  const now = new Date();
  return { workflowId: run.workflowId, status: EXECUTION_STATUS.failed, trigger, startedAt: now, finishedAt: now, durationMs: 0, errorType: 'permanent', errorMessage: `stored definition no longer validates: ${problem}`, steps: [] };
}
