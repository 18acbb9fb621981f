import { z } from 'zod';
import '../http/openapiRegistry';
import type { Pool } from '../db/pool';
import { coerceError, NotFoundError } from '../errors/errors';
import { grafanaUser } from '../http/actingUser';
import type { RouteTable } from '../http/route';
import { channelViewSchema } from './channelApiSchemas';
import { channelInputSchema, scrub, secretStrings } from './channelSchema';
import { deleteChannel, getChannelForDelivery, getChannelView, listChannels, saveChannel } from './channelStore';
import { deliver, type DeliveryEgress } from './deliver';
import { classifyDeliveryError } from './classifyDeliveryError';
import type { NotificationPayload } from './notificationMessage';
import { assertBodyIdMatchesPath } from '../http/pathId';
import { ALERT_STATE } from '../model/alertStates';

const idParams = z.object({ id: z.string().min(1).max(100) });

const testResultSchema = z.object({
  delivered: z.boolean(),
  httpStatus: z.number().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
}).openapi('ChannelTestResult');

function testPayload(channelId: string, user: string): NotificationPayload {
  const now = new Date().toISOString();
  return {
    kind: 'test',
    note: `Test notification requested by ${user}.`,
    alert: {
      id: 0,
      fingerprint: `test:${channelId}`,
      title: 'Workflow Monitor test notification',
      message: 'If you can read this, the channel works.',
      severity: 'info',
      state: ALERT_STATE.active,
      workflowId: 'test',
      workflowName: 'Test',
      ruleId: 'test',
      ruleName: 'Channel test',
      count: 1,
      labels: {},
      openedAt: now,
      tier: 0,
    },
  };
}

export function registerChannelRoutes(routes: RouteTable, deps: { pool: Pool; timeoutMs: number; /** MAX_CHANNELS */ maxChannels: number; egress: DeliveryEgress; /** GRAFANA_URL */ grafanaUrl?: string }): void {
  const { pool } = deps;
  routes.add({
    method: 'get',
    path: '/api/v1/channels',
    operationId: 'listChannels',
    summary: 'List notification channels (secrets are write-only and never returned)',
    tags: ['notifications'],
    responses: { 200: { description: 'Channels', schema: z.object({ channels: z.array(channelViewSchema) }) } },
    handler: async () => ({ body: { channels: await listChannels(pool) } }),
  });
  routes.add({
    method: 'post',
    path: '/api/v1/channels',
    operationId: 'createChannel',
    summary: 'Create a channel: slack, discord, email, sms, webhook or alertmanager',
    tags: ['notifications'],
    body: channelInputSchema,
    responses: { 201: { description: 'Created', schema: channelViewSchema }, 409: { description: 'The id exists, or MAX_CHANNELS channels exist (code limit_reached)' } },
    handler: async ({ body }) => {
      await saveChannel(pool, body, { source: 'api', mode: 'create', maxCount: deps.maxChannels });
      return { status: 201, body: await getChannelView(pool, body.id) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/v1/channels/{id}',
    operationId: 'getChannel',
    summary: 'One channel (without its secrets)',
    tags: ['notifications'],
    params: idParams,
    responses: { 200: { description: 'The channel', schema: channelViewSchema }, 404: { description: 'No such channel' } },
    handler: async ({ params }) => ({ body: await getChannelView(pool, params.id) }),
  });
  routes.add({
    method: 'put',
    path: '/api/v1/channels/{id}',
    operationId: 'replaceChannel',
    summary: 'Create or replace a channel; secret fields left out keep their stored value',
    tags: ['notifications'],
    params: idParams,
    body: channelInputSchema,
    responses: { 200: { description: 'Replaced', schema: channelViewSchema }, 201: { description: 'Created', schema: channelViewSchema }, 409: { description: 'Defined in a file, or creating it would exceed MAX_CHANNELS (code limit_reached)' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await saveChannel(pool, body, { source: 'api', mode: 'upsert', maxCount: deps.maxChannels });
      return { status: created ? 201 : 200, body: await getChannelView(pool, body.id) };
    },
  });
  routes.add({
    method: 'delete',
    path: '/api/v1/channels/{id}',
    operationId: 'deleteChannel',
    summary: 'Delete an API-defined channel',
    tags: ['notifications'],
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such channel' }, 409: { description: 'Defined in a file' } },
    handler: async ({ params }) => {
      await deleteChannel(pool, params.id);
      return { status: 204 };
    },
  });
  routes.add({
    method: 'post',
    path: '/api/v1/channels/{id}/test',
    operationId: 'testChannel',
    summary: 'Send a test notification now and report what the receiver answered',
    tags: ['notifications'],
    params: idParams,
    body: z.object({ user: z.string().min(1).max(200).default('api') }).strict(),
    responses: { 200: { description: 'The outcome (delivered or the error)', schema: testResultSchema }, 404: { description: 'No such channel' } },
    handler: async ({ params, body, req }) => {
      const user = grafanaUser(req) ?? body.user;
      const channel = await getChannelForDelivery(pool, params.id);
      if (!channel) {
        throw new NotFoundError(`channel "${params.id}" does not exist`);
      }
      const started = Date.now();
      try {
        const outcome = await deliver(channel, testPayload(channel.id, user), { idempotencyKey: `test:${channel.id}:${started}`, timeoutMs: deps.timeoutMs, egress: deps.egress, grafanaUrl: deps.grafanaUrl });
        return { body: { delivered: true, ...(outcome.httpStatus ? { httpStatus: outcome.httpStatus } : {}), durationMs: Date.now() - started } };
      } catch (error) {
        const c = classifyDeliveryError(error);
        return {
          body: {
            delivered: false,
            ...(c.httpStatus ? { httpStatus: c.httpStatus } : {}),
            errorType: c.type,
            error: scrub(coerceError(error).message, secretStrings(channel)),
            durationMs: Date.now() - started,
          },
        };
      }
    },
  });
}
