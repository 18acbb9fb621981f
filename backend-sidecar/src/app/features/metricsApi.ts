import { z } from 'zod';
import type { Feature, FeatureFactory } from '../feature';
import { ValidationError, coerceError } from '../../errors/errors';
import { applyRetention } from '../../rollups/retention';
import { metricsQuerySchema, monitoringMetrics } from '../../metricsApi/monitoringMetrics';
import { queryRequestSchema, runQuery } from '../../metricsApi/queryApi';
import { labelFilterSchema } from '../../schema/labelFilter';
import { alertAnnotations, annotationsQuerySchema } from '../../metricsApi/annotations';
import { LABEL_VALUES_LIMIT, listLabelValues, listWorkflowNames } from '../../workflows/workflowStore';

/** A label name as workflow definitions allow it (model/workflowDefinition.ts: at most 100 characters). */
const labelValuesQuerySchema = z.object({
  label: z.string().min(1, 'label is required, e.g. label=env').max(100, 'a label name has at most 100 characters'),
});
import { registerSloRoutes } from '../../slo/sloRoutes';

/** Rollups upkeep, the metrics summary, the Grafana query API, template variables, annotations. */
export const metricsApiFeature: FeatureFactory = (ctx): Feature => {
  const retention = ctx.config;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = applyRetention(ctx.pool, { rawMs: retention.RETENTION_RAW, rollupsMs: retention.RETENTION_ROLLUPS, batchSize: 5_000 })
      .then((deleted) => {
        if (deleted.executions + deleted.rollups > 0) {
          ctx.log.info(deleted, 'retention removed old executions and rollups');
        }
      })
      .catch((error) => ctx.log.warn({ err: coerceError(error) }, 'retention sweep failed; retrying next interval'));
  };
  return {
    name: 'metricsApi',
    routes(routes) {
      routes.add({
        method: 'get',
        path: '/api/monitoring/metrics',
        operationId: 'getMonitoringMetrics',
        summary: 'Summary, per-workflow breakdown, system health, trends and alerts for a period (from rollups)',
        tags: ['metrics'],
        query: metricsQuerySchema,
        responses: { 200: { description: 'The summary (see docs/metrics.md for how each figure is computed)', schema: z.object({ success: z.boolean(), data: z.record(z.string(), z.unknown()) }) } },
        handler: async ({ query }) => ({ body: await monitoringMetrics(ctx.pool, ctx.health, { period: query.period, details: query.details === 'true', locations: query.locations, groupBy: query.groupBy }) }),
      });
      routes.add({
        method: 'post',
        path: '/api/v1/query',
        operationId: 'queryTimeSeries',
        summary: 'Grafana data source query: time series frames per refId',
        tags: ['metrics'],
        // A query changes nothing: the read-only token may run it (Grafana viewers do).
        readOnlyAllowed: true,
        body: queryRequestSchema,
        responses: { 200: { description: 'Data frames in the /api/ds/query layout', schema: z.object({ results: z.record(z.string(), z.unknown()) }) } },
        handler: async ({ body }) => ({ body: await runQuery(ctx.pool, body) }),
      });
      routes.add({
        method: 'get',
        path: '/api/v1/variables/workflows',
        operationId: 'listWorkflowVariables',
        summary: 'Workflows for Grafana template variables, filterable by label',
        tags: ['metrics'],
        query: z.object({ label: labelFilterSchema }),
        responses: { 200: { description: 'Workflows', schema: z.object({ workflows: z.array(z.object({ id: z.string(), name: z.string(), labels: z.record(z.string(), z.string()) })) }) } },
        handler: async ({ query }) => ({ body: { workflows: await listWorkflowNames(ctx.pool, query.label) } }),
      });
      routes.add({
        method: 'get',
        path: '/api/v1/variables/label-values',
        operationId: 'listLabelValues',
        summary: 'The distinct values of one workflow label, for Grafana template variables (label_values(env))',
        tags: ['metrics'],
        query: labelValuesQuerySchema,
        responses: {
          200: {
            description: `The values, sorted; at most ${LABEL_VALUES_LIMIT} (truncated says there were more)`,
            schema: z.object({ label: z.string(), values: z.array(z.string()), truncated: z.boolean() }),
          },
        },
        handler: async ({ query }) => ({ body: { label: query.label, ...(await listLabelValues(ctx.pool, query.label)) } }),
      });
      routes.add({
        method: 'get',
        path: '/api/v1/annotations',
        operationId: 'listAnnotations',
        summary: 'Alert openings, acknowledgements and resolutions as Grafana annotation events',
        tags: ['metrics'],
        query: annotationsQuerySchema,
        responses: { 200: { description: 'Annotation events', schema: z.object({ annotations: z.array(z.record(z.string(), z.unknown())) }) } },
        handler: async ({ query }) => {
          if (query.from > query.to) {
            throw new ValidationError('invalid query: from is after to', [{ path: 'query.from', message: 'must not be after to' }]);
          }
          return { body: { annotations: await alertAnnotations(ctx.pool, query) } };
        },
      });
      registerSloRoutes(routes, { pool: ctx.pool, rawRetentionMs: retention.RETENTION_RAW });
    },
    start() {
      sweep();
      timer = setInterval(sweep, retention.RETENTION_INTERVAL);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
};
