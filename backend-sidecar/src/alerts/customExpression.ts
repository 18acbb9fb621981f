import { Jexl } from 'jexl';
import { compileSafeRegex, regexProblem } from '../regex/safeRegex';

/**
 * The `custom` condition language: Jexl's syntax, parsed by Jexl (a well-kept expression library,
 * no `eval`, no `Function`). The parsed tree is vetted at save time — only the documented roots,
 * functions and transforms, no prototype-reaching names, and `x[…]` only with a literal key — and
 * evaluated by the small walker below rather than Jexl's evaluator, because Jexl reads members with
 * a plain `subject[key]`: `"id"["constructor"]` reaches `String`, and from there `Function`. Ours
 * reads own enumerable data properties only, so nothing inherited is ever visible.
 */
const jexl = new Jexl();
type Ast = ReturnType<ReturnType<InstanceType<typeof Jexl>['compile']>['_getAst']>;

/** Jexl's own patterns, cut to the first 200 characters; linear-time like every user regex. */
const MATCHES_PATTERN_LIMIT = 200;

function matches(value: unknown, pattern: unknown): boolean {
  if (typeof value !== 'string' || typeof pattern !== 'string' || pattern.length > MATCHES_PATTERN_LIMIT) {
    return false;
  }
  return compileSafeRegex(pattern).test(value);
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  abs: (x) => Math.abs(x as number),
  min: (...xs) => Math.min(...(xs as number[])),
  max: (...xs) => Math.max(...(xs as number[])),
  round: (x) => Math.round(x as number),
};
const TRANSFORMS: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  matches,
  lower: (value) => (typeof value === 'string' ? value.toLowerCase() : value),
};

export const CUSTOM_ROOTS = ['execution', 'window', 'workflow', 'consecutiveFailures'] as const;
const FORBIDDEN_NAMES = /^(constructor|prototype|__proto__|__defineGetter__|__defineSetter__|__lookupGetter__|__lookupSetter__|process|require|global|globalThis|module|exports|this|Function|eval)$/;

function forbidden(name: string, problems: string[]): void {
  if (FORBIDDEN_NAMES.test(name)) {
    problems.push(`"${name}" may not be used in an expression`);
  }
}

function vet(node: Ast, problems: string[]): void {
  switch (node.type) {
    case 'Literal':
      // `execution["constructor"]` reaches the same place as `execution.constructor`.
      if (typeof node.value === 'string') {
        forbidden(node.value, problems);
      }
      return;
    case 'Identifier':
      forbidden(node.value, problems);
      if (node.from) {
        vet(node.from, problems);
      } else if (!node.relative && !(CUSTOM_ROOTS as readonly string[]).includes(node.value)) {
        problems.push(`unknown name "${node.value}"; use ${CUSTOM_ROOTS.join(', ')}`);
      }
      return;
    case 'FilterExpression':
      // `list[.status == "failed"]` filters a list; `x[key]` reads a member, and its key must be
      // written out, or `x["constr" + "uctor"]` would slip past the name check.
      if (!node.relative && node.expr.type !== 'Literal') {
        problems.push('a member read with [...] needs a literal key, such as ["name"] or [0]; computed keys are not allowed');
      }
      vet(node.subject, problems);
      vet(node.expr, problems);
      return;
    case 'FunctionCall': {
      const known = node.pool === 'transforms' ? TRANSFORMS : FUNCTIONS;
      if (!Object.prototype.hasOwnProperty.call(known, node.name)) {
        problems.push(`unknown ${node.pool === 'transforms' ? 'transform' : 'function'} "${node.name}"`);
      }
      if (node.pool === 'transforms' && node.name === 'matches') {
        vetMatchesPattern(node.args[1], problems);
      }
      node.args.forEach((arg) => vet(arg, problems));
      return;
    }
    case 'ObjectLiteral':
      for (const [key, value] of Object.entries(node.value)) {
        forbidden(key, problems);
        vet(value, problems);
      }
      return;
    case 'ArrayLiteral':
      node.value.forEach((item) => vet(item, problems));
      return;
    case 'BinaryExpression':
      vet(node.left, problems);
      vet(node.right, problems);
      return;
    case 'UnaryExpression':
      vet(node.right, problems);
      return;
    case 'ConditionalExpression':
      vet(node.test, problems);
      if (node.consequent) {
        vet(node.consequent, problems);
      }
      vet(node.alternate, problems);
      return;
  }
}

/** A written-out `|matches("…")` pattern is checked now; one computed at run time is checked then. */
function vetMatchesPattern(pattern: Ast | undefined, problems: string[]): void {
  if (!pattern) {
    problems.push('|matches needs a pattern: value|matches("regex")');
    return;
  }
  if (pattern.type !== 'Literal') {
    return;
  }
  if (typeof pattern.value !== 'string') {
    problems.push('|matches needs a string pattern: value|matches("regex")');
  } else if (pattern.value.length > MATCHES_PATTERN_LIMIT) {
    problems.push(`|matches pattern is longer than ${MATCHES_PATTERN_LIMIT} characters`);
  } else {
    const problem = regexProblem(pattern.value);
    if (problem) {
      problems.push(`|matches("${pattern.value}") cannot be used: ${problem}`);
    }
  }
}

export type CheckResult = { ok: true } | { ok: false; message: string };

function parse(source: string): { ast: Ast } | { problem: string } {
  if (source.length > 2000) {
    return { problem: 'expression is longer than 2000 characters' };
  }
  let ast: Ast;
  try {
    ast = jexl.compile(source)._getAst();
  } catch (error) {
    return { problem: `does not parse: ${(error as Error).message}` };
  }
  const problems: string[] = [];
  vet(ast, problems);
  return problems.length > 0 ? { problem: problems[0]! } : { ast };
}

/** Parses and vets an expression; the message says what is wrong. */
export function checkCustomExpression(source: string): CheckResult {
  const parsed = parse(source);
  return 'problem' in parsed ? { ok: false, message: parsed.problem } : { ok: true };
}

/** An own, enumerable data property of `subject`, or undefined: never anything inherited, never a getter. */
function ownValue(subject: unknown, key: unknown): unknown {
  if (subject === null || subject === undefined || (typeof key !== 'string' && typeof key !== 'number')) {
    return undefined;
  }
  const descriptor = Object.getOwnPropertyDescriptor(Object(subject), key);
  return descriptor?.enumerable && 'value' in descriptor ? descriptor.value : undefined;
}

interface Scope {
  context: unknown;
  /** The element a relative filter (`list[.name == "x"]`) is looking at; the context outside one, as in Jexl. */
  relative: unknown;
}

// Jexl's semantics node by node (an Identifier read from a list reads from its first element, a
// boolean key filters, `&&`/`||` short-circuit), with the operators taken from Jexl's grammar.
function evaluate(node: Ast, scope: Scope): unknown {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'Identifier': {
      if (!node.from) {
        return ownValue(node.relative ? scope.relative : scope.context, node.value);
      }
      const subject = evaluate(node.from, scope);
      return ownValue(Array.isArray(subject) ? subject[0] : subject, node.value);
    }
    case 'FilterExpression': {
      const subject = evaluate(node.subject, scope);
      if (node.relative) {
        const list: unknown[] = Array.isArray(subject) ? subject : subject === undefined ? [] : [subject];
        return list.filter((element) => evaluate(node.expr, { context: scope.context, relative: element }));
      }
      const key = evaluate(node.expr, scope);
      return typeof key === 'boolean' ? (key ? subject : undefined) : ownValue(subject, key);
    }
    case 'BinaryExpression': {
      const left = evaluate(node.left, scope);
      if (node.operator === '&&') {
        return left ? evaluate(node.right, scope) : left;
      }
      if (node.operator === '||') {
        return left ? left : evaluate(node.right, scope);
      }
      const element = jexl._grammar.elements[node.operator];
      if (!element || element.type !== 'binaryOp' || !element.eval) {
        throw new Error(`unknown operator ${node.operator}`);
      }
      return element.eval(left, evaluate(node.right, scope));
    }
    case 'UnaryExpression': {
      const element = jexl._grammar.elements[node.operator] as { eval?: (right: unknown) => unknown } | undefined;
      if (!element?.eval) {
        throw new Error(`unknown operator ${node.operator}`);
      }
      return element.eval(evaluate(node.right, scope));
    }
    case 'ConditionalExpression': {
      const test = evaluate(node.test, scope);
      if (test) {
        return node.consequent ? evaluate(node.consequent, scope) : test;
      }
      return evaluate(node.alternate, scope);
    }
    case 'ArrayLiteral':
      return node.value.map((item) => evaluate(item, scope));
    case 'ObjectLiteral': {
      const out = Object.create(null) as Record<string, unknown>;
      for (const [key, value] of Object.entries(node.value)) {
        out[key] = evaluate(value, scope);
      }
      return out;
    }
    case 'FunctionCall': {
      const pool: Record<string, (...args: unknown[]) => unknown> = node.pool === 'transforms' ? TRANSFORMS : FUNCTIONS;
      if (!Object.prototype.hasOwnProperty.call(pool, node.name)) {
        throw new Error(`unknown ${node.pool === 'transforms' ? 'transform' : 'function'} "${node.name}"`);
      }
      return pool[node.name]!(...node.args.map((arg) => evaluate(arg, scope)));
    }
  }
}

/** Deep copy into null-prototype objects holding JSON-like data (dates become epoch milliseconds). */
function sealed(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sealed);
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      out[k] = sealed(v);
    }
    return out;
  }
  return typeof value === 'function' ? undefined : value;
}

const vetted = new Map<string, Ast>();

/** Evaluates a vetted expression; the result counts as firing when truthy. */
export function evaluateCustomExpression(source: string, context: Record<(typeof CUSTOM_ROOTS)[number], unknown>): unknown {
  let ast = vetted.get(source);
  if (!ast) {
    const parsed = parse(source);
    if ('problem' in parsed) {
      throw new Error(parsed.problem);
    }
    ast = parsed.ast;
    if (vetted.size > 5000) {
      vetted.clear();
    }
    vetted.set(source, ast);
  }
  const root = sealed(context);
  return evaluate(ast, { context: root, relative: root });
}
