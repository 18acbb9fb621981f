import { z } from 'zod';
import type { Pool } from '../../db/pool';
import { ValidationError } from '../../errors/errors';
import { actingUser } from '../../http/actingUser';
import type { RouteTable } from '../../http/route';
import { OPEN_ALERT_STATES } from '../../model/alertStates';
import { listAlertNotifications } from '../../notify/notificationStore';
import { acknowledgeBody, actionBody, alertDetailSchema, alertIdParams, alertListQuery, alertSchema } from '../alertApiSchemas';
import type { AlertEngine } from '../alertEngine';
import { alertEventForApi, alertForApi, getAlert, listAlertEvents, listAlerts } from '../alertStore';

async function alertDetail(pool: Pool, id: number) {
  const alert = await getAlert(pool, id);
  const [events, notifications] = await Promise.all([listAlertEvents(pool, id), listAlertNotifications(pool, id)]);
  return { ...alertForApi(alert), events: events.map(alertEventForApi), notifications };
}

export function registerAlertRoutes(routes: RouteTable, deps: { pool: Pool; engine: AlertEngine }): void {
  const { pool, engine } = deps;

  routes.add({
    method: 'get',
    path: '/api/v1/alerts',
    operationId: 'listAlerts',
    summary: 'List alerts, newest first; filter by state (or "open"), severity, workflow, rule and time',
    tags: ['alerts'],
    query: alertListQuery,
    responses: { 200: { description: 'A page of alerts', schema: z.object({ alerts: z.array(alertSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query }) => {
      if (query.from && query.to && query.from > query.to) {
        throw new ValidationError('invalid query: from is after to', [{ path: 'query.from', message: 'must not be after to' }]);
      }
      const states = query.state?.includes('open') ? [...OPEN_ALERT_STATES, ...query.state.filter((s) => s !== 'open')] : query.state;
      const rows = await listAlerts(pool, {
        states, severities: query.severity, workflowId: query.workflowId, ruleId: query.ruleId, from: query.from, to: query.to, beforeId: query.cursor, limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return { body: { alerts: page.map(alertForApi), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null } };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/v1/alerts/{id}',
    operationId: 'getAlert',
    summary: 'One alert with its event history (who, when, from, to, comment) and the notifications sent',
    tags: ['alerts'],
    params: alertIdParams,
    responses: { 200: { description: 'The alert', schema: alertDetailSchema }, 404: { description: 'No such alert' } },
    handler: async ({ params }) => ({ body: await alertDetail(pool, params.id) }),
  });

  for (const [action, body, summary] of [
    ['acknowledge', acknowledgeBody, 'Acknowledge: stops escalation; with `timeout` the alert returns to active when it passes'],
    ['unacknowledge', actionBody, 'Take an acknowledgement back: the alert is active again and escalation resumes'],
    ['resolve', actionBody, 'Resolve by hand; every notified channel gets a resolved notice'],
  ] as const) {
    routes.add({
      method: 'post',
      path: `/api/v1/alerts/{id}/${action}`,
      operationId: `${action}Alert`,
      summary,
      tags: ['alerts'],
      params: alertIdParams,
      body,
      responses: { 200: { description: 'The alert after the change', schema: alertDetailSchema }, 404: { description: 'No such alert' }, 409: { description: 'Not allowed from the current state (details.currentState)' } },
      handler: async ({ params, body: b, req }) => {
        const input = b as z.output<typeof acknowledgeBody>;
        const user = actingUser(req, input.user, 'user');
        await engine.act(params.id, action, { user, comment: input.comment, timeoutMs: input.timeout });
        return { body: await alertDetail(pool, params.id) };
      },
    });
  }
}
