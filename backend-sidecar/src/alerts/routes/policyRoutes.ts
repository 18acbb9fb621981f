import { z } from 'zod';
import type { Pool } from '../../db/pool';
import { assertBodyIdMatchesPath } from '../../http/pathId';
import type { RouteTable } from '../../http/route';
import type { AlertEngine } from '../alertEngine';
import { getPolicy, listPolicies, policyForApi, savePolicy } from '../policyStore';
import { definitionIdParams, escalationPolicyViewSchema } from '../ruleApiSchemas';
import { escalationPolicyInputSchema } from '../ruleSchema';

export function registerPolicyRoutes(routes: RouteTable, deps: { pool: Pool; engine: AlertEngine }): void {
  const { pool, engine } = deps;

  routes.add({
    method: 'get',
    path: '/api/v1/escalation-policies',
    operationId: 'listEscalationPolicies',
    summary: 'Escalation policies: ordered tiers and reminders',
    tags: ['rules'],
    responses: { 200: { description: 'Policies', schema: z.object({ policies: z.array(escalationPolicyViewSchema) }) } },
    handler: async () => ({ body: { policies: (await listPolicies(pool)).map(policyForApi) } }),
  });
  routes.add({
    method: 'post',
    path: '/api/v1/escalation-policies',
    operationId: 'createEscalationPolicy',
    summary: 'Create an escalation policy',
    tags: ['rules'],
    body: escalationPolicyInputSchema,
    responses: { 201: { description: 'Created', schema: escalationPolicyViewSchema }, 409: { description: 'The id exists' } },
    handler: async ({ body }) => {
      await savePolicy(pool, body, { source: 'api', mode: 'create' });
      engine.invalidate();
      return { status: 201, body: policyForApi((await getPolicy(pool, body.id))!) };
    },
  });
  routes.add({
    method: 'put',
    path: '/api/v1/escalation-policies/{id}',
    operationId: 'replaceEscalationPolicy',
    summary: 'Create or replace an escalation policy',
    tags: ['rules'],
    params: definitionIdParams,
    body: escalationPolicyInputSchema,
    responses: { 200: { description: 'Replaced', schema: escalationPolicyViewSchema }, 201: { description: 'Created', schema: escalationPolicyViewSchema }, 409: { description: 'Defined in a file' } },
    handler: async ({ params, body }) => {
      assertBodyIdMatchesPath(body.id, params.id);
      const { created } = await savePolicy(pool, body, { source: 'api', mode: 'upsert' });
      engine.invalidate();
      return { status: created ? 201 : 200, body: policyForApi((await getPolicy(pool, body.id))!) };
    },
  });
}
