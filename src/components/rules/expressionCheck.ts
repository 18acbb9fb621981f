import jexl from 'jexl';

/**
 * A first check of a `custom` condition while it is typed, in the browser: Jexl's own parser (the one
 * the sidecar uses) for the syntax, and the names docs/alerting.md documents. The sidecar has no route
 * that checks an expression without saving it, so the full check (forbidden names, computed keys,
 * RE2 patterns) is the one it makes on save, whose error lands on the same field.
 */
export const CUSTOM_ROOTS = ['execution', 'window', 'workflow', 'consecutiveFailures'];
const FUNCTIONS = ['abs', 'min', 'max', 'round'];
const TRANSFORMS = ['matches', 'lower'];
type Ast = ReturnType<ReturnType<typeof jexl.compile>['_getAst']>;

function names(node: Ast, problems: string[]): void {
  switch (node.type) {
    case 'Identifier':
      if (node.from) {
        names(node.from, problems);
      } else if (!node.relative && !CUSTOM_ROOTS.includes(node.value)) {
        problems.push(`unknown name "${node.value}"; use ${CUSTOM_ROOTS.join(', ')}`);
      }
      return;
    case 'FunctionCall': {
      const known = node.pool === 'transforms' ? TRANSFORMS : FUNCTIONS;
      if (!known.includes(node.name)) {
        problems.push(
          `unknown ${node.pool === 'transforms' ? 'transform' : 'function'} "${node.name}"; known: ${known.join(', ')}`
        );
      }
      node.args.forEach((arg) => names(arg, problems));
      return;
    }
    case 'FilterExpression':
      names(node.subject, problems);
      names(node.expr, problems);
      return;
    case 'BinaryExpression':
      names(node.left, problems);
      names(node.right, problems);
      return;
    case 'UnaryExpression':
      names(node.right, problems);
      return;
    case 'ConditionalExpression':
      names(node.test, problems);
      if (node.consequent) {
        names(node.consequent, problems);
      }
      names(node.alternate, problems);
      return;
    case 'ArrayLiteral':
      node.value.forEach((item) => names(item, problems));
      return;
    case 'ObjectLiteral':
      Object.values(node.value).forEach((value) => names(value, problems));
      return;
    default:
      return;
  }
}

/** undefined when the expression parses and uses only documented names; otherwise what is wrong. */
export function expressionProblem(source: string): string | undefined {
  if (!source.trim()) {
    return 'required';
  }
  if (source.length > 2000) {
    return 'expression is longer than 2000 characters';
  }
  let ast: Ast;
  try {
    ast = jexl.compile(source)._getAst();
  } catch (error) {
    return `does not parse: ${(error as Error).message}`;
  }
  const problems: string[] = [];
  names(ast, problems);
  return problems[0];
}
