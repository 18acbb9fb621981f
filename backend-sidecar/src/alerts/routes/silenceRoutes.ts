import { z } from 'zod';
import type { Pool } from '../../db/pool';
import { NotFoundError, ValidationError } from '../../errors/errors';
import { actingUser, grafanaUser } from '../../http/actingUser';
import type { RouteTable } from '../../http/route';
import { LATEST_TIME_MS } from '../../schema/timestamp';
import { alertIdParams } from '../alertApiSchemas';
import type { AlertEngine } from '../alertEngine';
import { silenceInput, silenceSchema } from '../silenceApiSchemas';
import type { Silence } from '../silences';
import { createSilence, endSilence, listSilences, silenceForApi } from '../silenceStore';

export function registerSilenceRoutes(routes: RouteTable, deps: { pool: Pool; engine: AlertEngine; isActive: (s: Silence) => boolean }): void {
  const { pool, engine, isActive } = deps;

  routes.add({
    method: 'get',
    path: '/api/v1/silences',
    operationId: 'listSilences',
    summary: 'Silences and maintenance windows (expired ones with ?expired=true)',
    tags: ['alerts'],
    query: z.object({ expired: z.enum(['true', 'false']).default('false') }).strict(),
    responses: { 200: { description: 'Silences', schema: z.object({ silences: z.array(silenceSchema) }) } },
    handler: async ({ query }) => {
      const silences = await listSilences(pool, { expired: query.expired === 'true' });
      return { body: { silences: silences.map((s) => silenceForApi(s, isActive(s))) } };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/v1/silences',
    operationId: 'createSilence',
    summary: 'Silence matching alerts for a time (endsAt or duration), or on a recurring schedule (maintenance window)',
    tags: ['alerts'],
    body: silenceInput,
    responses: { 201: { description: 'Created', schema: silenceSchema } },
    handler: async ({ body, req }) => {
      const createdBy = actingUser(req, body.createdBy, 'createdBy');
      const startsAt = body.startsAt ?? new Date();
      const endsAt = body.endsAt ?? (body.duration !== undefined ? new Date(startsAt.getTime() + body.duration) : undefined);
      if (!endsAt) {
        throw new ValidationError('a silence needs endsAt or duration; silences are always bounded in time', [{ path: 'endsAt', message: 'required unless duration is given' }]);
      }
      if (endsAt.getTime() > LATEST_TIME_MS) {
        throw new ValidationError(`a silence ends by ${new Date(LATEST_TIME_MS).toISOString()}`, [{ path: 'duration', message: `startsAt + duration is ${endsAt.toISOString()}, after ${new Date(LATEST_TIME_MS).toISOString()}` }]);
      }
      if (endsAt <= startsAt) {
        throw new ValidationError('endsAt must be after startsAt', [{ path: 'endsAt', message: `must be after ${startsAt.toISOString()}` }]);
      }
      if (endsAt.getTime() - startsAt.getTime() > 366 * 86_400_000) {
        throw new ValidationError('a silence may last at most 366 days', [{ path: 'endsAt', message: 'at most 366 days after startsAt' }]);
      }
      if (body.recurrence) {
        const { CronExpressionParser } = await import('cron-parser');
        try {
          CronExpressionParser.parse(body.recurrence.cron, { tz: body.recurrence.timezone });
        } catch (error) {
          throw new ValidationError(`recurrence.cron: ${(error as Error).message}`, [{ path: 'recurrence.cron', message: `not a cron expression: ${(error as Error).message}` }]);
        }
      }
      const silence = await createSilence(pool, {
        matchers: body.matchers,
        startsAt,
        endsAt,
        ...(body.recurrence ? { cron: body.recurrence.cron, durationMs: body.recurrence.window, timezone: body.recurrence.timezone } : {}),
        createdBy,
        comment: body.comment,
      });
      await engine.sweepSilences();
      return { status: 201, body: silenceForApi(silence, isActive(silence)) };
    },
  });

  routes.add({
    method: 'delete',
    path: '/api/v1/silences/{id}',
    operationId: 'endSilence',
    summary: 'End a silence now (suppressed alerts it covered become active again); X-Grafana-User is recorded as who ended it',
    tags: ['alerts'],
    params: alertIdParams,
    responses: { 204: { description: 'Ended' }, 404: { description: 'No such silence' } },
    handler: async ({ params, req }) => {
      if (!(await endSilence(pool, params.id, grafanaUser(req) ?? null))) {
        throw new NotFoundError(`silence ${params.id} does not exist`);
      }
      await engine.sweepSilences();
      return { status: 204 };
    },
  });
}
