import { z } from 'zod';
import type { Feature, FeatureFactory } from '../feature';
import { ValidationError, coerceError } from '../../errors/errors';
import { applyRetention } from '../../rollups/retention';
import { timestamp } from '../../schema/timestamp';
import { monitoringMetrics } from '../../metricsApi/monitoringMetrics';
import { PERIODS, type Period } from '../../metricsApi/periods';
import { queryRequestSchema, runQuery } from '../../metricsApi/queryApi';
import { labelFilterSchema } from '../../schema/labelFilter';

const periodNames = Object.keys(PERIODS) as Period[];
const metricsQuerySchema = z
  .object({
    period: z.enum(periodNames as [Period, ...Period[]], { message: `period must be one of ${periodNames.join(', ')}` }).default('24h'),
    details: z.enum(['true', 'false'], { message: 'details must be one of true, false' }).default('false'),
  })
  .strict();

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
        summary: 'Summary, per-workflow breakdown, system health, trends and alerts for a period (from rollups)',
        tags: ['metrics'],
        query: metricsQuerySchema,
        responses: { 200: { description: 'The summary (see docs/metrics.md for how each figure is computed)', schema: z.object({ success: z.boolean(), data: z.record(z.string(), z.unknown()) }) } },
        handler: async ({ query }) => ({ body: await monitoringMetrics(ctx.pool, ctx.health, { period: query.period, details: query.details === 'true' }) }),
      });
      routes.add({
        method: 'post',
        path: '/api/v1/query',
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
        summary: 'Workflows for Grafana template variables, filterable by label',
        tags: ['metrics'],
        query: z.object({ label: labelFilterSchema }),
        responses: { 200: { description: 'Workflows', schema: z.object({ workflows: z.array(z.object({ id: z.string(), name: z.string(), labels: z.record(z.string(), z.string()) })) }) } },
        handler: async ({ query }) => {
          const params: unknown[] = [];
          let where = 'deleted_at IS NULL';
          if (query.label && Object.keys(query.label).length > 0) {
            params.push(JSON.stringify(query.label));
            where += ' AND labels @> $1::jsonb';
          }
          const { rows } = await ctx.pool.query(`SELECT id, name, labels FROM workflows WHERE ${where} ORDER BY name`, params);
          return { body: { workflows: rows } };
        },
      });
      routes.add({
        method: 'get',
        path: '/api/v1/annotations',
        summary: 'Alert openings, acknowledgements and resolutions as Grafana annotation events',
        tags: ['metrics'],
        query: z.object({ from: timestamp('past'), to: timestamp('past'), workflowId: z.string().optional() }).strict(),
        responses: { 200: { description: 'Annotation events', schema: z.object({ annotations: z.array(z.record(z.string(), z.unknown())) }) } },
        handler: async ({ query }) => {
          if (query.from > query.to) {
            throw new ValidationError('invalid query: from is after to', [{ path: 'query.from', message: 'must not be after to' }]);
          }
          const { rows: exists } = await ctx.pool.query<{ t: string | null }>(`SELECT to_regclass('alert_events')::text AS t`);
          if (!exists[0]?.t) {
            return { body: { annotations: [] } };
          }
          const { rows } = await ctx.pool.query(
            `SELECT (extract(epoch FROM e.at) * 1000)::bigint AS time, a.title, coalesce(e.comment, a.message) AS text,
                    e.type, a.id AS "alertId", a.workflow_id AS "workflowId", a.severity
               FROM alert_events e JOIN alerts a ON a.id = e.alert_id
              WHERE e.at >= $1 AND e.at <= $2 AND ($3::text IS NULL OR a.workflow_id = $3)
              ORDER BY e.at LIMIT 5000`,
            [query.from, query.to, query.workflowId ?? null]
          );
          return { body: { annotations: rows.map((r) => ({ ...r, time: Number(r.time), tags: [r.severity, r.type, r.workflowId].filter(Boolean) })) } };
        },
      });
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
