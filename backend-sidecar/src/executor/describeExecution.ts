import type { ExecutionResult } from '../model/execution';

/** One readable line per execution: what a newcomer watching `npm start` wants to see. */
export function describeExecution(result: ExecutionResult): string {
  const attempts = result.steps.flatMap((s) => s.attempts);
  const errors = attempts.flatMap((a) => (a.errorType ? [a.errorType] : []));
  const retryText = errors.length > 0 ? ` (${errors.join(', ')})` : '';
  const failure = result.status === 'failed' && result.errorMessage ? ` — ${result.errorMessage}` : '';
  return `${result.workflowId}: ${result.status}, ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}${retryText}, ${Math.round(result.durationMs)} ms${failure}`;
}
