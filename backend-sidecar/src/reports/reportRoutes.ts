import { z } from 'zod';
import type { Pool } from '../db/pool';
import '../http/openapiRegistry';
import type { RouteTable } from '../http/route';
import { labelFilterSchema } from '../schema/labelFilter';
import { isoDateTime, timestampMs } from '../schema/timestamp';
import { renderReport, reportScope } from './renderReport';
import { buildSlaReport } from './slaReport';

export const REPORT_FORMATS = ['json', 'csv', 'pdf'] as const;
/** The longest period one report covers: the rollups' default retention (and the query API's bound). */
export const MAX_REPORT_RANGE_MS = 400 * 86_400_000;

/** `workflowIds=a,b` or `workflowIds=a&workflowIds=b`. */
const workflowIdList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))
  .refine((ids) => ids.length <= 1000, { message: 'at most 1000 workflow ids' })
  .refine((ids) => ids.every((id) => id.length <= 200), { message: 'a workflow id is at most 200 characters' });

export const slaReportQuerySchema = z
  .object({
    from: timestampMs('past'),
    to: timestampMs('past'),
    format: z.enum(REPORT_FORMATS, { message: `format must be one of ${REPORT_FORMATS.join(', ')}` }).default('json'),
    workflowIds: workflowIdList.openapi({ description: 'Only these workflows (comma-separated or repeated)' }),
    labels: labelFilterSchema.openapi({ description: 'Only workflows carrying every label: `labels=env=prod,team=payments` (or repeated)' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from >= q.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from must be before to (${new Date(q.from).toISOString()} >= ${new Date(q.to).toISOString()})` });
    } else if (q.to - q.from > MAX_REPORT_RANGE_MS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `a report may span at most 400 days (${new Date(q.from).toISOString()} to ${new Date(q.to).toISOString()})` });
    }
  });

const slaWorkflowRowSchema = z
  .object({
    workflowId: z.string(),
    name: z.string(),
    executions: z.number().int(),
    good: z.number().int().describe('success + degraded executions'),
    bad: z.number().int().describe('failed executions + missed slots'),
    failed: z.number().int(),
    missed: z.number().int().describe('Scheduled slots recorded as missed (no replica ran them)'),
    uptime: z.number().nullable().describe('good ÷ (good + bad), percent, 3 decimals; null when nothing ran'),
    objective: z.number().nullable().describe("The workflow's slo.objective in percent; null without an SLO"),
    met: z.boolean().nullable().describe('uptime ≥ objective; null without an SLO or without runs'),
    errorBudgetUsed: z.number().nullable().describe('bad ÷ the bad the objective allows over the period, percent (over 100: overspent)'),
    p95DurationMs: z.number().nullable().describe('From the rollup duration histograms (exact to within one bucket)'),
    incidents: z.number().int().describe('Alerts opened in the period'),
    alertOpenSeconds: z.number().int().describe('Time in the period with at least one alert open (clipped to the period; overlaps count once)'),
  })
  .openapi('SlaReportWorkflow');

export const slaReportSchema = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    generatedAt: isoDateTime,
    workflows: z.array(slaWorkflowRowSchema),
    summary: z
      .object({
        workflows: z.number().int(),
        executions: z.number().int(),
        good: z.number().int(),
        bad: z.number().int(),
        failed: z.number().int(),
        missed: z.number().int(),
        uptime: z.number().nullable(),
        objectivesMet: z.number().int(),
        objectivesMissed: z.number().int(),
        p95DurationMs: z.number().nullable(),
        incidents: z.number().int(),
        alertOpenSeconds: z.number().int(),
      })
      .openapi('SlaReportSummary'),
  })
  .openapi('SlaReport');

export function registerReportRoutes(routes: RouteTable, deps: { pool: Pool }): void {
  routes.add({
    method: 'get',
    path: '/api/v1/reports/sla',
    operationId: 'getSlaReport',
    summary: 'SLA report for a period: per workflow and a summary, as JSON, CSV (text/csv) or PDF (application/pdf)',
    tags: ['reports'],
    query: slaReportQuerySchema,
    responses: {
      200: {
        description: 'The report. format=csv answers text/csv (header row, one row per workflow, a summary row); format=pdf answers application/pdf; both as an attachment',
        schema: slaReportSchema,
      },
    },
    handler: async ({ query, res }) => {
      const report = await buildSlaReport(deps.pool, { from: query.from, to: query.to, ...reportScope(query) });
      if (query.format === 'json') {
        return { body: report };
      }
      const file = await renderReport(deps.pool, report, query.format);
      res
        .status(200)
        .set({ 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"`, 'Cache-Control': 'no-store' })
        .send(file.content);
      return undefined;
    },
  });
}
