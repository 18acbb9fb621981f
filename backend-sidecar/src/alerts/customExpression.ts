import { Jexl } from 'jexl';

/**
 * The `custom` condition language: Jexl (a well-kept expression library with its own parser and
 * evaluator — no `eval`, no `Function`). Jexl cannot call methods, but it can read any property,
 * so we check the parsed tree at save time: only the documented roots, no prototype-reaching names,
 * and evaluation sees plain null-prototype objects.
 */
const jexl = new Jexl();
jexl.addFunction('abs', Math.abs);
jexl.addFunction('min', Math.min);
jexl.addFunction('max', Math.max);
jexl.addFunction('round', Math.round);
jexl.addTransform('matches', (value: unknown, pattern: unknown) => typeof value === 'string' && typeof pattern === 'string' && pattern.length <= 200 && new RegExp(pattern).test(value));
jexl.addTransform('lower', (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));

export const CUSTOM_ROOTS = ['execution', 'window', 'workflow', 'consecutiveFailures'] as const;
const ALLOWED_FUNCTIONS = new Set(['abs', 'min', 'max', 'round']);
const ALLOWED_TRANSFORMS = new Set(['matches', 'lower']);
const FORBIDDEN_NAMES = /^(constructor|prototype|__proto__|__defineGetter__|__defineSetter__|__lookupGetter__|__lookupSetter__|process|require|global|globalThis|module|exports|this|Function|eval)$/;

interface AstNode {
  type: string;
  value?: unknown;
  name?: string;
  from?: AstNode;
  relative?: boolean;
  subject?: AstNode;
  expr?: AstNode;
  left?: AstNode;
  right?: AstNode;
  test?: AstNode;
  consequent?: AstNode;
  alternate?: AstNode;
  args?: AstNode[];
  pool?: string;
  right_?: AstNode;
}

function walk(node: unknown, problems: string[]): void {
  if (!node || typeof node !== 'object') {
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((child) => walk(child, problems));
    return;
  }
  const n = node as AstNode;
  switch (n.type) {
    case 'Identifier': {
      const name = String(n.value);
      if (FORBIDDEN_NAMES.test(name)) {
        problems.push(`"${name}" may not be used in an expression`);
      } else if (!n.from && !n.relative && !(CUSTOM_ROOTS as readonly string[]).includes(name)) {
        problems.push(`unknown name "${name}"; use ${CUSTOM_ROOTS.join(', ')}`);
      }
      break;
    }
    case 'FunctionCall':
      if (n.pool === 'transforms' ? !ALLOWED_TRANSFORMS.has(String(n.name)) : !ALLOWED_FUNCTIONS.has(String(n.name))) {
        problems.push(`unknown ${n.pool === 'transforms' ? 'transform' : 'function'} "${String(n.name)}"`);
      }
      break;
    case 'Literal':
      if (typeof n.value === 'string' && FORBIDDEN_NAMES.test(n.value)) {
        // `execution["constructor"]` reaches the same place as `execution.constructor`.
        problems.push(`"${n.value}" may not be used in an expression`);
      }
      break;
    default:
      break;
  }
  for (const [key, child] of Object.entries(n)) {
    if (key !== 'type' && child && typeof child === 'object') {
      walk(child, problems);
    }
  }
}

export type CheckResult = { ok: true } | { ok: false; message: string };

/** Parses and vets an expression; the message says what is wrong. */
export function checkCustomExpression(source: string): CheckResult {
  if (source.length > 2000) {
    return { ok: false, message: 'expression is longer than 2000 characters' };
  }
  let ast: unknown;
  try {
    ast = (jexl.compile(source) as unknown as { _getAst(): unknown })._getAst();
  } catch (error) {
    return { ok: false, message: `does not parse: ${(error as Error).message}` };
  }
  const problems: string[] = [];
  walk(ast, problems);
  return problems.length > 0 ? { ok: false, message: problems[0]! } : { ok: true };
}

/** Deep copy into null-prototype objects, so no property read can reach Object.prototype. */
function sealed(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sealed);
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      out[k] = sealed(v);
    }
    return out;
  }
  return value instanceof Date ? value.getTime() : value;
}

const compiled = new Map<string, ReturnType<typeof jexl.compile>>();

/** Evaluates a vetted expression; the result counts as firing when truthy. */
export function evaluateCustomExpression(source: string, context: Record<(typeof CUSTOM_ROOTS)[number], unknown>): unknown {
  let expression = compiled.get(source);
  if (!expression) {
    const check = checkCustomExpression(source);
    if (!check.ok) {
      throw new Error(check.message);
    }
    expression = jexl.compile(source);
    if (compiled.size > 5000) {
      compiled.clear();
    }
    compiled.set(source, expression);
  }
  return expression.evalSync(sealed(context) as Record<string, unknown>);
}
