import { z } from 'zod';
import type { Pool } from '../../db/pool';
import { NotFoundError } from '../../errors/errors';
import { assertBodyIdMatchesPath } from '../../http/pathId';
import type { RouteTable } from '../../http/route';
import type { AlertEngine } from '../alertEngine';
import { definitionIdParams, ruleViewSchema } from '../ruleApiSchemas';
import { ruleInputSchema } from '../ruleSchema';
import { deleteRule, getRule, listRules, ruleForApi, saveRule } from '../ruleStore';

export function registerRuleRoutes(routes: RouteTable, deps: { pool: Pool; engine: AlertEngine; /** MAX_RULES */ maxRules: number }): void {
  const { pool, engine } = deps;

  routes.add({
    method: 'get',
    path: '/api/v1/rules',
    operationId: 'listRules',
    summary: 'Alert rules, the predefined ones first',
    tags: ['rules'],
    responses: { 200: { description: 'Rules', schema: z.object({ rules: z.array(ruleViewSchema) }) } },
    handler: async () => ({ body: { rules: (await listRules(pool)).map(ruleForApi) } }),
  });
  routes.add({
    method: 'post',
    path: '/api/v1/rules',
    operationId: 'createRule',
    summary: 'Create a rule (threshold, rate, pattern, duration, consecutive_failures, custom, burn_rate, anomaly or certificate_expiry)',
    tags: ['rules'],
    body: ruleInputSchema,
    responses: { 201: { description: 'Created', schema: ruleViewSchema }, 409: { description: 'The id exists, or MAX_RULES rules exist (code limit_reached)' } },
    handler: async ({ body }) => {
      await saveRule(pool, body, { source: 'api', mode: 'create', maxCount: deps.maxRules });
      engine.invalidate();
      return { status: 201, body: ruleForApi((await getRule(pool, body.id))!) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/v1/rules/{id}',
    operationId: 'getRule',
    summary: 'One rule',
    tags: ['rules'],
    params: definitionIdParams,
    responses: { 200: { description: 'The rule', schema: ruleViewSchema }, 404: { description: 'No such rule' } },
    handler: async ({ params }) => {
      const rule = await getRule(pool, params.id);
      if (!rule) {
        throw new NotFoundError(`rule "${params.id}" does not exist`);
      }
      return { body: ruleForApi(rule) };
    },
  });
  routes.add({
    method: 'put',
    path: '/api/v1/rules/{id}',
    operationId: 'replaceRule',
    summary: 'Create or replace a rule (predefined rules can be edited and disabled this way)',
    tags: ['rules'],
    params: definitionIdParams,
    body: ruleInputSchema,
    responses: { 200: { description: 'Replaced', schema: ruleViewSchema }, 201: { description: 'Created', schema: ruleViewSchema }, 409: { description: 'Defined in a file, or creating it would exceed MAX_RULES (code limit_reached)' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await saveRule(pool, body, { source: 'api', mode: 'upsert', maxCount: deps.maxRules });
      engine.invalidate();
      return { status: created ? 201 : 200, body: ruleForApi((await getRule(pool, body.id))!) };
    },
  });
  routes.add({
    method: 'delete',
    path: '/api/v1/rules/{id}',
    operationId: 'deleteRule',
    summary: 'Delete an API-defined rule (predefined rules are disabled instead)',
    tags: ['rules'],
    params: definitionIdParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such rule' }, 409: { description: 'Predefined or defined in a file' } },
    handler: async ({ params }) => {
      await deleteRule(pool, params.id);
      engine.invalidate();
      return { status: 204 };
    },
  });
}
