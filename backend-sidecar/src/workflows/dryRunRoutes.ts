import { z } from 'zod';
import { errorBodySchema } from '../http/openapiRegistry';
import type { RouteTable } from '../http/route';
import { workflowDefinitionSchema } from '../model/workflowDefinition';
import { DRY_RUN_RETRY_AFTER_SECONDS, DryRunInterruptedError, TooManyDryRunsError, type DryRunner } from './dryRun';
import { executionDetailSchema } from './workflowApiSchemas';

type DefinitionShape = typeof workflowDefinitionSchema.shape;
type DryRunShape = Omit<DefinitionShape, 'id' | 'schedule'> & { id: z.ZodOptional<DefinitionShape['id']>; schedule: z.ZodDefault<DefinitionShape['schedule']> };

/**
 * A workflow definition as POST /api/v1/workflows takes it, with `id` and `schedule` optional:
 * a dry run neither stores nor schedules it. The schedule still validates when given; left out,
 * the definition is checked as a scheduled one (it needs steps).
 *
 * `safeExtend` keeps the definition's own checks (unique step names, push ⇔ no steps) — neither
 * reads `id`, and the schedule is defaulted before they run. Its types refuse loosening a field,
 * which is exactly what is wanted here, hence the cast to the loosened shape.
 */
export const dryRunDefinitionSchema = (
  workflowDefinitionSchema.safeExtend({
    id: workflowDefinitionSchema.shape.id.optional(),
    schedule: workflowDefinitionSchema.shape.schedule.default({ every: 60_000 }),
  } as never) as unknown as z.ZodObject<DryRunShape, z.core.$strict>
)
  .superRefine((def, ctx) => {
    if ('push' in def.schedule) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'a push workflow runs elsewhere and reports its results: it has nothing to dry-run' });
    }
  })
  .openapi('DryRunDefinition');

/**
 * GET /api/v1/executions/{id}'s shape without what only a stored execution has (`id`, `runId`,
 * `workerId`); `workflowId` is null when the definition had no id.
 */
export const dryRunResultSchema = executionDetailSchema
  .omit({ id: true, runId: true, workerId: true })
  .extend({ workflowId: z.string().nullable() })
  .openapi('DryRunResult');

export function registerDryRunRoutes(routes: RouteTable, runner: DryRunner): void {
  routes.add({
    method: 'post',
    path: '/api/v1/dry-runs',
    operationId: 'dryRunWorkflow',
    summary:
      'Run a workflow definition once now, with its retry policy and timeout, and answer with the execution; nothing is stored, ' +
      'published or counted. At most DRY_RUN_CONCURRENCY in flight per replica.',
    tags: ['workflows'],
    body: dryRunDefinitionSchema,
    responses: {
      200: { description: 'The execution as GET /api/v1/executions/{id} would show it (its status may be failed)', schema: dryRunResultSchema },
      429: { description: 'DRY_RUN_CONCURRENCY dry runs are in flight on this replica; Retry-After says when to try again', schema: errorBodySchema },
      503: { description: 'The sidecar began shutting down during the dry run', schema: errorBodySchema },
    },
    handler: async ({ body, res }) => {
      // The caller going away ends its dry run and gives the slot back.
      const gone = new AbortController();
      const onClose = () => {
        if (!res.writableFinished) {
          gone.abort(new DOMException('the client closed the connection', 'AbortError'));
        }
      };
      res.once('close', onClose);
      try {
        return { status: 200, body: await runner.run(body, gone.signal) };
      } catch (error) {
        if (error instanceof TooManyDryRunsError) {
          res.setHeader('Retry-After', String(DRY_RUN_RETRY_AFTER_SECONDS));
        } else if (error instanceof DryRunInterruptedError) {
          // This replica is going away: an idle keep-alive connection would hold its shutdown open.
          res.setHeader('Connection', 'close');
        }
        throw error;
      } finally {
        res.off('close', onClose);
      }
    },
  });
}
