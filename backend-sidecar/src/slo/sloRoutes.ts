import { z } from 'zod';
import type { Pool } from '../db/pool';
import { NotFoundError } from '../errors/errors';
import '../http/openapiRegistry';
import type { RouteTable } from '../http/route';
import { BURN_RATE_WINDOW_KEYS } from './sloMath';
import { sloStatuses } from './sloStore';

const burnRatesSchema = z
  .object(Object.fromEntries(BURN_RATE_WINDOW_KEYS.map((key) => [key, z.number()])) as Record<(typeof BURN_RATE_WINDOW_KEYS)[number], z.ZodNumber>)
  .openapi('SloBurnRates', { description: 'Per window ending now: the bad fraction ÷ (1 − objective/100); 0 without events' });

export const sloStatusSchema = z
  .object({
    workflowId: z.string(),
    objective: z.number().openapi({ description: 'As declared, in percent (e.g. 99.5)' }),
    window: z.string().openapi({ description: 'As declared (e.g. "30d")' }),
    sli: z.number().nullable().openapi({ description: 'Good (success or degraded) ÷ all (executions plus missed slots) in the window, percent; null without events' }),
    errorBudgetRemaining: z.number().openapi({ description: 'Percent of the error budget left: 100 untouched (also without events), 0 spent, negative overspent' }),
    burnRates: burnRatesSchema,
    budgetExhaustedAt: z.string().nullable().openapi({ description: 'When the budget left runs out at the 6h burn rate (ISO 8601); null when not burning' }),
  })
  .openapi('SloStatus');

export function registerSloRoutes(routes: RouteTable, deps: { pool: Pool; rawRetentionMs: number }): void {
  const { pool } = deps;
  // Minute rollups go when raw executions go; a window reaching further starts at a whole hour.
  const minuteHorizonMs = () => Date.now() - deps.rawRetentionMs + 3_600_000;
  routes.add({
    method: 'get',
    path: '/api/v1/slos',
    operationId: 'listSlos',
    summary: 'SLO, error budget and burn rates of every workflow that declares an SLO (from rollups)',
    tags: ['slo'],
    responses: { 200: { description: 'One entry per workflow with an SLO, by workflow id', schema: z.object({ slos: z.array(sloStatusSchema) }) } },
    handler: async () => ({ body: { slos: await sloStatuses(pool, { minuteHorizonMs: minuteHorizonMs() }) } }),
  });
  routes.add({
    method: 'get',
    path: '/api/v1/workflows/{id}/slo',
    operationId: 'getWorkflowSlo',
    summary: "One workflow's SLO, error budget and burn rates",
    tags: ['slo'],
    params: z.object({ id: z.string().min(1).max(200) }),
    responses: {
      200: { description: 'The SLO status', schema: sloStatusSchema },
      404: { description: 'No such workflow, or it declares no SLO' },
    },
    handler: async ({ params }) => {
      const [status] = await sloStatuses(pool, { workflowIds: [params.id], minuteHorizonMs: minuteHorizonMs() });
      if (!status) {
        throw new NotFoundError(`workflow "${params.id}" does not exist or declares no slo`);
      }
      return { body: status };
    },
  });
}
