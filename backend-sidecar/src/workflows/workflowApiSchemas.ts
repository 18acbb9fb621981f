import { z } from 'zod';
import '../http/openapiRegistry';
import { ERROR_TYPES, EXECUTION_STATUSES, EXECUTION_TRIGGERS, STEP_STATUSES } from '../model/execution';
import { timestamp } from '../schema/timestamp';
import { locationListQuerySchema, locationNameSchema } from '../model/location';

/** Response shapes of the workflow and execution routes (docs/api-contract.md). */
const iso = z.string().openapi({ format: 'date-time' });
const errorType = z.enum(ERROR_TYPES).nullable();

export const loadErrorSchema = z
  .object({ file: z.string(), path: z.string(), message: z.string() })
  .openapi('WorkflowLoadError');

export const workflowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    source: z.enum(['file', 'api']),
    sourceFile: z.string().optional(),
    enabled: z.boolean(),
    critical: z.boolean(),
    labels: z.record(z.string(), z.string()),
    mode: z.enum(['scheduled', 'push']),
    schedule: z.object({
      every: z.string().optional(),
      cron: z.string().optional(),
      timezone: z.string().optional(),
      push: z.object({ expected: z.string(), grace: z.string() }).optional(),
    }),
    definition: z.record(z.string(), z.unknown()),
    // Each slot runs once in each of these locations; absent: once by any replica.
    locations: z.array(z.string()).optional(),
    // Present when the stored definition failed a check on start: the workflow is not scheduled.
    loadError: z.object({ path: z.string(), message: z.string() }).optional(),
    version: z.number().int(),
    createdAt: iso,
    updatedAt: iso,
    lastExecution: z
      .object({ id: z.number().int(), status: z.enum(EXECUTION_STATUSES), startedAt: iso, durationMs: z.number() })
      .nullable(),
    nextRunAt: iso.nullable(),
  })
  .openapi('Workflow');

export const workflowListSchema = z
  .object({ workflows: z.array(workflowSchema), loadErrors: z.array(loadErrorSchema) })
  .openapi('WorkflowList');

export const runQueuedSchema = z
  .object({
    runId: z.number().int(),
    workflowId: z.string(),
    queuedAt: iso,
    // One run per location: the one asked for, else each of the workflow's locations (runId is the first).
    runs: z.array(z.object({ runId: z.number().int(), location: z.string().nullable() })),
  })
  .openapi('RunQueued');

export const runNowQuerySchema = z
  .object({
    location: locationNameSchema
      .optional()
      .openapi({ description: "Run only in this location (one of the workflow's locations, if it lists any); without it a workflow with locations runs once in each" }),
  })
  .strict();

export const executionSummarySchema = z
  .object({
    id: z.number().int(),
    workflowId: z.string(),
    runId: z.number().int().nullable(),
    trigger: z.enum(EXECUTION_TRIGGERS),
    status: z.enum(EXECUTION_STATUSES),
    startedAt: iso,
    finishedAt: iso,
    durationMs: z.number(),
    stepCount: z.number().int(),
    attempts: z.number().int(),
    retries: z.number().int(),
    errorType,
    errorMessage: z.string().nullable(),
    failedStep: z.string().nullable(),
    workerId: z.string().nullable(),
    // Where it ran: the location of the replica (`default` for one without LOCATION).
    location: z.string(),
  })
  .openapi('ExecutionSummary');

export const executionPageSchema = z
  .object({ executions: z.array(executionSummarySchema), nextCursor: z.string().nullable() })
  .openapi('ExecutionPage');

/** The certificate an HTTPS attempt's response came with (the leaf). */
export const attemptTlsSchema = z
  .object({
    daysRemaining: z.number().int().openapi({ description: 'Whole days from the attempt until validTo; negative once expired' }),
    subject: z.string().openapi({ description: "Distinguished name, key=value pairs in the certificate's order joined by ', '" }),
    issuer: z.string(),
    validFrom: iso,
    validTo: iso,
  })
  .openapi('AttemptTls');

export const attemptSchema = z
  .object({
    number: z.number().int(),
    startedAt: iso,
    durationMs: z.number(),
    delayMs: z.number(),
    httpStatus: z.number().int().nullable(),
    errorType,
    errorMessage: z.string().nullable(),
    // Null for plain HTTP, TCP, and attempts that got no response.
    tls: attemptTlsSchema.nullable(),
  })
  .openapi('StepAttempt');

export const executionDetailSchema = executionSummarySchema
  .extend({
    steps: z.array(
      z.object({
        position: z.number().int(),
        name: z.string(),
        status: z.enum(STEP_STATUSES),
        startedAt: iso,
        durationMs: z.number(),
        httpStatus: z.number().int().nullable(),
        errorType,
        errorMessage: z.string().nullable(),
        assertions: z.array(
          z.object({
            assertion: z.string(),
            passed: z.boolean(),
            expected: z.unknown().optional(),
            actual: z.unknown().optional(),
            message: z.string().optional(),
          })
        ),
        extracted: z.array(z.string()),
        attempts: z.array(attemptSchema),
      })
    ),
  })
  .openapi('ExecutionDetail');

const MAX_PUSHED_DURATION_MS = 86_400_000;

export const executionListQuerySchema = z
  .object({
    status: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === '') {
          return undefined;
        }
        const list = value.split(',');
        const bad = list.find((s) => !(EXECUTION_STATUSES as readonly string[]).includes(s));
        if (bad !== undefined) {
          ctx.addIssue({ code: 'custom', message: `"${bad}" is not a status; allowed: ${EXECUTION_STATUSES.join(', ')}` });
          return z.NEVER;
        }
        return list;
      }),
    location: locationListQuerySchema.openapi({ description: 'Only executions from these locations (comma-separated)' }),
    from: timestamp('past').optional(),
    to: timestamp('past').optional(),
    limit: z.coerce.number().int().min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(50),
    cursor: z
      .string()
      .regex(/^\d+$/, 'must be the nextCursor of a previous page')
      .optional(),
  })
  .strict();

export const pushExecutionSchema = z
  .object({
    workflowId: z.string().min(1),
    status: z.enum(EXECUTION_STATUSES),
    startedAt: timestamp('past').optional(),
    finishedAt: timestamp('past').optional(),
    durationMs: z.number().int().min(0).max(MAX_PUSHED_DURATION_MS).optional(),
    errorType: z.enum(ERROR_TYPES).optional(),
    errorMessage: z.string().max(2000).optional(),
    // Where the job ran; without it, the location of the replica that received the result.
    location: locationNameSchema.optional(),
    steps: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200),
            status: z.enum(STEP_STATUSES),
            durationMs: z.number().int().min(0).max(86_400_000),
            httpStatus: z.number().int().min(100).max(599).optional(),
            errorType: z.enum(ERROR_TYPES).optional(),
            errorMessage: z.string().max(2000).optional(),
          })
          .strict()
      )
      .max(50)
      .optional(),
  })
  .strict()
  .superRefine((push, ctx) => {
    if (!push.startedAt) {
      return;
    }
    if (push.finishedAt && push.finishedAt < push.startedAt) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: `${push.finishedAt.toISOString()} is before startedAt ${push.startedAt.toISOString()}` });
    } else if (push.durationMs === undefined && (push.finishedAt ?? new Date()).getTime() - push.startedAt.getTime() > MAX_PUSHED_DURATION_MS) {
      // The duration is derived from the two times; it has the same bound as a durationMs sent.
      ctx.addIssue({ code: 'custom', path: ['startedAt'], message: `${push.startedAt.toISOString()} is more than a day before ${push.finishedAt ? 'finishedAt' : 'now'}; an execution lasts at most 1 day (durationMs)` });
    }
  })
  .openapi('PushedExecution');
