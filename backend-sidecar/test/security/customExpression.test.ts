import { FEATURES } from '../../src/app/features/index';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * Issue 15, acceptance 5: the custom-expression check looked at written-out names only, so
 * `execution.workflowId["constr"+"uctor"]["constr"+"uctor"]["na"+"me"]` was saved and evaluated to
 * "Function". A member read with [...] now needs a literal key that passes the same name check.
 */
jest.setTimeout(180_000);

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { ALERTING: 'false' } });
});

afterAll(async () => {
  await sidecar?.stop();
});

const rule = (id: string, expression: string) => ({ id, name: id, severity: 'info', condition: { type: 'custom', expression } });

describe('custom expressions that compute member names are refused at save', () => {
  it.each([
    ['the reported bypass', 'execution.workflowId["constr"+"uctor"]["constr"+"uctor"]["na"+"me"] == "Function"', /needs a literal key/],
    ['a key read from the data', 'execution[execution.workflowId]', /needs a literal key/],
    ['a computed key deeper in a path', 'execution.steps[0]["na" + "me"] == "x"', /needs a literal key/],
    ['a computed key inside a list filter', 'execution.steps[.status == "failed"][workflow.labels.key]', /needs a literal key/],
    ['a conditional key', 'execution[consecutiveFailures > 1 ? "constructor" : "status"]', /needs a literal key/],
    ['a literal key that fails the name check', 'execution["__proto__"]', /"__proto__" may not be used/],
    ['a literal key nested after a filter', 'execution.steps[.name == "x"]["constructor"]', /"constructor" may not be used/],
  ])('%s → 400 naming condition.expression, on POST and PUT', async (_what, expression, reason) => {
    const created = await sidecar.api('/api/v1/rules', { method: 'POST', json: rule('computed', expression) });
    expect(created.status).toBe(400);
    const { error } = (await created.json()) as { error: { code: string; details: Array<{ path: string; message: string }> } };
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ path: 'condition.expression', message: expect.stringMatching(reason) }]);
    const replaced = await sidecar.api('/api/v1/rules/computed', { method: 'PUT', json: rule('computed', expression) });
    expect(replaced.status).toBe(400);
    expect((await sidecar.api('/api/v1/rules/computed')).status).toBe(404);
  });

  it('literal keys that pass the name check are still accepted', async () => {
    const created = await sidecar.api('/api/v1/rules', { method: 'POST', json: rule('literal-keys', 'workflow.labels["team"] == "payments" && execution.steps[0]["name"] == "login"') });
    expect(created.status).toBe(201);
  });
});
