import { z } from 'zod';
import type { Pool } from '../db/pool';
import { NotFoundError } from '../errors/errors';
import { assertBodyIdMatchesPath } from '../http/pathId';
import type { RouteTable } from '../http/route';
import { reportScheduleInputSchema, reportScheduleViewSchema } from './reportScheduleSchema';
import { deleteSchedule, getSchedule, lastRuns, listSchedules, saveSchedule, scheduleForApi } from './reportScheduleStore';

const idParams = z.object({ id: z.string().min(1).max(200) });

async function view(pool: Pool, id: string) {
  const row = await getSchedule(pool, id);
  if (!row) {
    throw new NotFoundError(`report schedule "${id}" does not exist`);
  }
  return scheduleForApi(row, (await lastRuns(pool, [id])).get(id));
}

/** /api/v1/report-schedules: weekly or monthly SLA reports delivered through the outbox. */
export function registerReportScheduleRoutes(routes: RouteTable, deps: { pool: Pool }): void {
  const { pool } = deps;
  routes.add({
    method: 'get',
    path: '/api/v1/report-schedules',
    operationId: 'listReportSchedules',
    summary: 'Report schedules (from alerting/*.yaml `reports:` and the API)',
    tags: ['reports'],
    responses: { 200: { description: 'Schedules', schema: z.object({ schedules: z.array(reportScheduleViewSchema) }) } },
    handler: async () => {
      const rows = await listSchedules(pool);
      const runs = await lastRuns(pool, rows.map((r) => r.id));
      return { body: { schedules: rows.map((r) => scheduleForApi(r, runs.get(r.id))) } };
    },
  });
  routes.add({
    method: 'post',
    path: '/api/v1/report-schedules',
    operationId: 'createReportSchedule',
    summary: 'Create a report schedule',
    tags: ['reports'],
    body: reportScheduleInputSchema,
    responses: { 201: { description: 'Created', schema: reportScheduleViewSchema }, 409: { description: 'The id exists' } },
    handler: async ({ body }) => {
      await saveSchedule(pool, body, { source: 'api', mode: 'create' });
      return { status: 201, body: await view(pool, body.id) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/v1/report-schedules/{id}',
    operationId: 'getReportSchedule',
    summary: 'One report schedule, with its next run and the last period sent',
    tags: ['reports'],
    params: idParams,
    responses: { 200: { description: 'The schedule', schema: reportScheduleViewSchema }, 404: { description: 'No such schedule' } },
    handler: async ({ params }) => ({ body: await view(pool, params.id) }),
  });
  routes.add({
    method: 'put',
    path: '/api/v1/report-schedules/{id}',
    operationId: 'replaceReportSchedule',
    summary: 'Create or replace a report schedule (file-managed ones are read-only)',
    tags: ['reports'],
    params: idParams,
    body: reportScheduleInputSchema,
    responses: { 200: { description: 'Replaced', schema: reportScheduleViewSchema }, 201: { description: 'Created', schema: reportScheduleViewSchema }, 409: { description: 'Defined in a file (code file_managed)' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await saveSchedule(pool, body, { source: 'api', mode: 'upsert' });
      return { status: created ? 201 : 200, body: await view(pool, body.id) };
    },
  });
  routes.add({
    method: 'delete',
    path: '/api/v1/report-schedules/{id}',
    operationId: 'deleteReportSchedule',
    summary: 'Delete an API-defined report schedule',
    tags: ['reports'],
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such schedule' }, 409: { description: 'Defined in a file (code file_managed)' } },
    handler: async ({ params }) => {
      await deleteSchedule(pool, params.id);
      return { status: 204 };
    },
  });
}
