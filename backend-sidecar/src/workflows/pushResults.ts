import type { z } from 'zod';
import { withTransaction, type Pool } from '../db/pool';
import { ConflictError, NotFoundError } from '../errors/errors';
import type { ExecutionResult } from '../model/execution';
import { pushGraceMs } from '../model/pushSchedule';
import { recordExecution, type RecordedExecution } from '../store/recordExecution';
import type { pushExecutionSchema } from './workflowApiSchemas';
import { lockPushWorkflow, notePush } from './workflowStore';

export type PushedExecution = z.output<typeof pushExecutionSchema>;

/** A pushed body as an execution: missing times follow from the others, steps run back to back. */
export function pushedExecutionResult(body: PushedExecution): ExecutionResult {
  const finishedAt = body.finishedAt ?? new Date();
  const durationMs = body.durationMs ?? (body.startedAt ? Math.max(0, finishedAt.getTime() - body.startedAt.getTime()) : 0);
  const startedAt = body.startedAt ?? new Date(finishedAt.getTime() - durationMs);
  let cursor = startedAt.getTime();
  const failed = body.steps?.find((s) => s.status === 'failed');
  return {
    workflowId: body.workflowId,
    status: body.status,
    trigger: 'push',
    startedAt,
    finishedAt,
    durationMs,
    errorType: body.errorType ?? failed?.errorType ?? (body.status === 'failed' ? 'unknown' : undefined),
    errorMessage: body.errorMessage ?? failed?.errorMessage,
    ...(body.location !== undefined ? { location: body.location } : {}),
    steps: (body.steps ?? []).map((s, position) => {
      const stepStart = new Date(cursor);
      cursor += s.durationMs;
      return {
        position,
        name: s.name,
        status: s.status,
        startedAt: stepStart,
        durationMs: s.durationMs,
        httpStatus: s.httpStatus,
        errorType: s.errorType,
        errorMessage: s.errorMessage,
        assertions: [],
        extracted: {},
        attempts: s.status === 'skipped' ? [] : [{ number: 1, startedAt: stepStart, durationMs: s.durationMs, delayMs: 0, httpStatus: s.httpStatus, errorType: s.status === 'failed' ? (s.errorType ?? 'unknown') : undefined, errorMessage: s.errorMessage }],
      };
    }),
  };
}

/**
 * Records a pushed result and moves the workflow's next missing-result check, in one transaction
 * holding the workflow's row, so the check never runs against a push it has not seen.
 */
export async function recordPushedResult(
  pool: Pool,
  body: PushedExecution
): Promise<{ result: ExecutionResult; recorded: RecordedExecution & { executionId: number }; labels: Record<string, string> }> {
  const result = pushedExecutionResult(body);
  let labels: Record<string, string> = {};
  const recorded = await withTransaction(pool, async (client) => {
    const workflow = await lockPushWorkflow(client, body.workflowId);
    if (!workflow) {
      throw new NotFoundError(`workflow "${body.workflowId}" does not exist; define it with schedule: { push: { expected: ... } }`);
    }
    if (workflow.mode !== 'push') {
      throw new ConflictError(`workflow "${body.workflowId}" is scheduled by the sidecar; only push workflows accept pushed results`, undefined, 'not_push_workflow');
    }
    labels = workflow.labels;
    const stored = await recordExecution(client, result, { workerId: null });
    const expected = workflow.push_expected_ms ?? 0;
    await notePush(client, body.workflowId, result.finishedAt, { expected, grace: workflow.push_grace_ms ?? pushGraceMs({ expected }) });
    return stored;
  });
  // A push has no slot, so nothing can already hold its result.
  return { result, recorded: { ...recorded, executionId: recorded.executionId! }, labels };
}
