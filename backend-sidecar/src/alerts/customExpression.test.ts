import { checkCustomExpression, evaluateCustomExpression } from './customExpression';

const context = {
  execution: {
    workflowId: 'checkout',
    status: 'failed',
    errorMessage: 'pay: HTTP 503',
    durationMs: 1200,
    steps: [
      { name: 'login', status: 'passed' },
      { name: 'pay', status: 'failed' },
    ],
  },
  window: { executions: 10, failures: 4 },
  workflow: { id: 'checkout', name: 'Checkout', critical: true, labels: { team: 'payments', re: '(a)\\1' } },
  consecutiveFailures: 2,
};

const evaluate = (expression: string) => {
  expect(checkCustomExpression(expression)).toEqual({ ok: true });
  return evaluateCustomExpression(expression, context);
};

describe('custom expressions: evaluation sees own enumerable data properties only', () => {
  it.each([
    ['execution.workflowId["toString"]'],
    ['window["hasOwnProperty"]'],
    ['workflow.labels["valueOf"]'],
    ['execution.workflowId.length'],
    ['execution.steps[1]["toString"]'],
  ])('%s reads as undefined: nothing inherited, not even a string\'s length', (expression) => {
    expect(evaluate(expression)).toBeUndefined();
  });

  it('keeps the language: paths, literal keys and indexes, list filters, operators, functions and transforms', () => {
    expect(evaluate('execution.steps[.status == "failed"].name')).toBe('pay');
    expect(evaluate('workflow.labels["team"] == "payments" && execution.steps[0].name == "login"')).toBe(true);
    expect(evaluate('execution.workflowId[0]')).toBe('c');
    expect(evaluate('window.failures / window.executions * 100 >= 40 ? "hot" : "cold"')).toBe('hot');
    expect(evaluate('max(consecutiveFailures, 1) == 2 && round(execution.durationMs / 1000) == 1')).toBe(true);
    expect(evaluate('"503" in execution.errorMessage && execution.status in ["failed", "degraded"]')).toBe(true);
    expect(evaluate(String.raw`execution.errorMessage|lower|matches("http 5\d\d")`)).toBe(true);
    expect(evaluate('!workflow.critical || consecutiveFailures > 5')).toBe(false);
  });

  it('|matches runs on the linear-time engine: a catastrophic pattern answers, an unsupported one computed at run time fails the evaluation', () => {
    expect(evaluateCustomExpression('execution.errorMessage|matches("^(a+)+$")', { ...context, execution: { ...context.execution, errorMessage: `${'a'.repeat(40)}!` } })).toBe(false);
    expect(() => evaluate('execution.errorMessage|matches(workflow.labels.re)')).toThrow(/backreferences such as \\1 are not supported/);
  });
});

describe('custom expressions: the save-time check', () => {
  it.each([
    ['execution.workflowId["constr"+"uctor"]["constr"+"uctor"]["na"+"me"]', /needs a literal key/],
    ['execution[execution.workflowId]', /needs a literal key/],
    ['execution.steps[0]["na" + "me"]', /needs a literal key/],
    ['execution[consecutiveFailures > 1 ? "steps" : "status"]', /needs a literal key/],
    ['workflow.labels[("constr" + "uctor")]', /needs a literal key/],
    ['execution["__proto__"]', /"__proto__" may not be used/],
    ['execution.steps[.name == "x"]["constructor"]', /"constructor" may not be used/],
    ['process.exit', /"process" may not be used/],
    ['execution.errorMessage|matches("(a)\\\\1")', /backreferences/],
    ['execution.errorMessage|matches()', /\|matches needs a pattern/],
    ['execution.errorMessage|exec("x")', /unknown transform "exec"/],
  ])('refuses %s', (expression, reason) => {
    const check = checkCustomExpression(expression);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.message).toMatch(reason);
    expect(() => evaluateCustomExpression(expression, context)).toThrow(reason);
  });
});
