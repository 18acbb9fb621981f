import { z } from 'zod';
import { labelFilterSchema } from '../schema/labelFilter';
import type { Pool } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors';
import type { RouteTable } from '../http/route';
import { formatDuration } from '../schema/duration';
import { enqueueManualRuns } from '../scheduler/claimDueRuns';
import { ensureRoomFor } from '../store/resourceLimits';
import { getExecutionDetail, getExecutionSummary, listExecutions } from '../store/executionQueries';
import { workflowDefinitionSchema } from '../model/workflowDefinition';
import {
  executionDetailSchema,
  executionListQuerySchema,
  executionPageSchema,
  executionSummarySchema,
  pushExecutionSchema,
  runNowQuerySchema,
  runQueuedSchema,
  workflowListSchema,
  workflowSchema,
} from './workflowApiSchemas';
import { deleteWorkflow, getWorkflowRow, listWorkflows, upsertWorkflow, workflowEverExisted, type WorkflowListRow, type WorkflowRow } from './workflowStore';
import type { LoadError } from './workflowFileSync';
import { assertBodyIdMatchesPath } from '../http/pathId';
import { assertApiManaged } from '../model/fileManaged';

const idParams = z.object({ id: z.string().min(1).max(200) });
const executionIdParams = z.object({ id: z.coerce.number().int().positive('must be a positive execution id') });

export function toWorkflow(row: WorkflowRow, extra?: Pick<WorkflowListRow, 'last_execution_id' | 'last_status' | 'last_started_at' | 'last_duration_ms' | 'next_run_at'>) {
  return {
    id: row.id,
    name: row.name,
    ...(row.description ? { description: row.description } : {}),
    source: row.source,
    ...(row.source_file ? { sourceFile: row.source_file } : {}),
    enabled: row.enabled,
    critical: row.critical,
    labels: row.labels,
    mode: row.mode,
    schedule:
      row.mode === 'push'
        ? { push: { expected: formatDuration(row.push_expected_ms ?? 0), grace: formatDuration(row.push_grace_ms ?? 0) } }
        : row.every_ms !== null
          ? { every: formatDuration(row.every_ms) }
          : { cron: row.cron ?? undefined, ...(row.cron_timezone ? { timezone: row.cron_timezone } : {}) },
    definition: row.definition,
    ...(row.locations && row.locations.length > 0 ? { locations: row.locations } : {}),
    ...(row.load_error ? { loadError: row.load_error } : {}),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastExecution:
      extra?.last_execution_id != null
        ? {
            id: extra.last_execution_id,
            status: extra.last_status as 'success' | 'degraded' | 'failed',
            startedAt: extra.last_started_at!.toISOString(),
            durationMs: extra.last_duration_ms ?? 0,
          }
        : null,
    nextRunAt: extra?.next_run_at ? extra.next_run_at.toISOString() : row.mode === 'push' && row.next_slot_at ? row.next_slot_at.toISOString() : null,
  };
}

async function loadWorkflow(pool: Pool, id: string) {
  const [row] = await listWorkflows(pool, { id });
  if (!row) {
    throw new NotFoundError(`workflow "${id}" does not exist`);
  }
  return toWorkflow(row, row);
}

function assertWorkflowApiManaged(row: WorkflowRow): void {
  assertApiManaged('workflow', row.id, { source: row.source, sourceFile: row.source_file });
}

export interface WorkflowRouteDeps {
  pool: Pool;
  /** MAX_WORKFLOWS: creating one more is a 409. */
  maxWorkflows: number;
  loadErrors: () => LoadError[];
  /** Wakes the local scheduler after a manual run was queued. */
  wake: () => void;
  /** Records a pushed result (the workflows feature owns events and metrics). */
  recordPush: (body: z.output<typeof pushExecutionSchema>) => Promise<z.input<typeof executionSummarySchema>>;
}

export function registerWorkflowRoutes(routes: RouteTable, deps: WorkflowRouteDeps): void {
  const { pool } = deps;

  routes.add({
    method: 'get',
    path: '/api/v1/workflows',
    operationId: 'listWorkflows',
    summary: 'List workflows (file and API defined) with their last execution, and file load errors',
    tags: ['workflows'],
    query: z.object({ label: labelFilterSchema }),
    responses: { 200: { description: 'Workflows', schema: workflowListSchema } },
    handler: async ({ query }) => {
      const rows = await listWorkflows(pool, { labels: query.label });
      return { body: { workflows: rows.map((r) => toWorkflow(r, r)), loadErrors: deps.loadErrors() } };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/v1/workflows',
    operationId: 'createWorkflow',
    summary: 'Create a workflow (same schema as the YAML files)',
    tags: ['workflows'],
    body: workflowDefinitionSchema,
    responses: { 201: { description: 'Created', schema: workflowSchema }, 409: { description: 'The id exists, or MAX_WORKFLOWS workflows exist (code limit_reached)' } },
    handler: async ({ body, req }) => {
      const existing = await getWorkflowRow(pool, body.id);
      if (existing) {
        throw new ConflictError(`workflow "${body.id}" already exists; PUT /api/v1/workflows/${body.id} replaces it`, undefined, 'exists');
      }
      await ensureRoomFor(pool, 'workflows', body.id, deps.maxWorkflows);
      await upsertWorkflow(pool, { spec: body, definition: req.body, source: 'api' });
      deps.wake();
      return { status: 201, body: await loadWorkflow(pool, body.id) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/workflows/{id}',
    operationId: 'getWorkflow',
    summary: 'One workflow',
    tags: ['workflows'],
    params: idParams,
    responses: { 200: { description: 'The workflow', schema: workflowSchema }, 404: { description: 'No such workflow' } },
    handler: async ({ params }) => ({ body: await loadWorkflow(pool, params.id) }),
  });

  routes.add({
    method: 'put',
    path: '/api/v1/workflows/{id}',
    operationId: 'replaceWorkflow',
    summary: 'Create or replace an API-defined workflow',
    tags: ['workflows'],
    params: idParams,
    body: workflowDefinitionSchema,
    responses: {
      200: { description: 'Replaced', schema: workflowSchema },
      201: { description: 'Created', schema: workflowSchema },
      409: { description: 'Defined in a file, or creating it would exceed MAX_WORKFLOWS (code limit_reached)' },
    },
    handler: async ({ params, body, req }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const existing = await getWorkflowRow(pool, params.id);
      if (existing) {
        assertWorkflowApiManaged(existing);
      } else {
        await ensureRoomFor(pool, 'workflows', body.id, deps.maxWorkflows);
      }
      await upsertWorkflow(pool, { spec: body, definition: req.body, source: 'api' });
      deps.wake();
      return { status: existing ? 200 : 201, body: await loadWorkflow(pool, params.id) };
    },
  });

  routes.add({
    method: 'delete',
    path: '/api/v1/workflows/{id}',
    operationId: 'deleteWorkflow',
    summary: 'Delete an API-defined workflow (its executions stay for history)',
    tags: ['workflows'],
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such workflow' }, 409: { description: 'Defined in a file' } },
    handler: async ({ params }) => {
      const existing = await getWorkflowRow(pool, params.id);
      if (!existing) {
        throw new NotFoundError(`workflow "${params.id}" does not exist`);
      }
      assertWorkflowApiManaged(existing);
      await deleteWorkflow(pool, params.id);
      return { status: 204 };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/v1/workflows/{id}/run',
    operationId: 'runWorkflow',
    summary: 'Run a workflow now (queued as a run a replica picks up: once in each of its locations, or in the one asked for)',
    tags: ['workflows'],
    params: idParams,
    query: runNowQuerySchema,
    responses: {
      202: { description: 'Queued', schema: runQueuedSchema },
      400: { description: "The location is not one of the workflow's locations" },
      404: { description: 'No such workflow' },
      409: { description: 'Push workflow, or its stored definition is rejected (loadError)' },
    },
    handler: async ({ params, query }) => {
      const existing = await getWorkflowRow(pool, params.id);
      if (!existing) {
        throw new NotFoundError(`workflow "${params.id}" does not exist`);
      }
      if (existing.mode === 'push') {
        throw new ConflictError(`workflow "${params.id}" is a push workflow: it runs elsewhere and reports with POST /api/v1/executions`, undefined, 'push_workflow');
      }
      if (existing.load_error) {
        throw new ConflictError(
          `workflow "${params.id}" cannot run: its stored definition is rejected at ${existing.load_error.path}: ${existing.load_error.message}; save a corrected definition`,
          existing.load_error,
          'invalid_definition'
        );
      }
      const listed = existing.locations && existing.locations.length > 0 ? existing.locations : undefined;
      if (query.location !== undefined && listed && !listed.includes(query.location)) {
        throw new ValidationError(`invalid query: location: "${query.location}" is not one of the locations of workflow "${params.id}" (${listed.join(', ')})`, [
          { path: 'query.location', message: `"${query.location}" is not one of ${listed.join(', ')}` },
        ]);
      }
      const queued = await enqueueManualRuns(pool, params.id, query.location !== undefined ? [query.location] : (listed ?? [null]));
      deps.wake();
      return {
        status: 202,
        body: {
          runId: queued[0]!.runId,
          workflowId: params.id,
          queuedAt: queued[0]!.queuedAt.toISOString(),
          runs: queued.map((q) => ({ runId: q.runId, location: q.location })),
        },
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/workflows/{id}/executions',
    operationId: 'listWorkflowExecutions',
    summary: 'Executions of a workflow, newest first, filterable by status and time, cursor-paged',
    tags: ['executions'],
    params: idParams,
    query: executionListQuerySchema,
    responses: { 200: { description: 'A page of executions', schema: executionPageSchema }, 404: { description: 'No such workflow' } },
    handler: async ({ params, query }) => {
      if (!(await workflowEverExisted(pool, params.id))) {
        throw new NotFoundError(`workflow "${params.id}" does not exist`);
      }
      if (query.from && query.to && query.from > query.to) {
        throw new ValidationError('invalid query: from is after to', [{ path: 'query.from', message: 'must not be after to' }]);
      }
      return {
        body: await listExecutions(pool, {
          workflowId: params.id,
          status: query.status,
          locations: query.location,
          from: query.from,
          to: query.to,
          limit: query.limit,
          cursor: query.cursor !== undefined ? Number(query.cursor) : undefined,
        }),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/executions/{id}',
    operationId: 'getExecution',
    summary: 'One execution with its steps, assertions and every attempt',
    tags: ['executions'],
    params: executionIdParams,
    responses: { 200: { description: 'The execution', schema: executionDetailSchema }, 404: { description: 'No such execution' } },
    handler: async ({ params }) => {
      const detail = await getExecutionDetail(pool, params.id);
      if (!detail) {
        throw new NotFoundError(`execution ${params.id} does not exist`);
      }
      return { body: detail };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/v1/executions',
    operationId: 'recordExecution',
    summary: 'Record a result pushed by a workflow that runs elsewhere (CI pipeline, cron job)',
    tags: ['executions'],
    body: pushExecutionSchema,
    responses: { 201: { description: 'Recorded', schema: executionSummarySchema }, 404: { description: 'No such workflow' }, 409: { description: 'Not a push workflow' } },
    handler: async ({ body }) => ({ status: 201, body: await deps.recordPush(body) }),
  });
}

export { getExecutionSummary };
