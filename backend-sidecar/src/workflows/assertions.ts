import type { AssertionResult } from '../model/execution';
import { compileSafeRegex, type SafeRegex } from '../regex/safeRegex';

/**
 * The little assertion and extraction language of workflow steps, hand-written because it is our
 * own: `status == 200`, `status in [200, 201]`, `duration < 2000`, `header.content-type contains json`,
 * `body.token exists`, `body.items[0].id == 3`, `body["odd key"] != "x"`, `body matches /ok/i`.
 * Parsed once at load time (a bad one is rejected with its path), evaluated after each response.
 */
export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains' | 'matches' | 'exists' | 'not exists';
export type Subject = { kind: 'status' } | { kind: 'duration' } | { kind: 'header'; name: string } | { kind: 'body'; path: Array<string | number> };

export interface Assertion {
  source: string;
  subject: Subject;
  operator: Operator;
  expected?: unknown;
  /** Linear-time (RE2); searches the first 64 KiB of the value. */
  regex?: SafeRegex;
}

export interface ResponseView {
  status: number;
  durationMs: number;
  headers: { get(name: string): string | null };
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json?: unknown;
  isJson: boolean;
}

const SUBJECT_RE = /^(status|duration|response_time|header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+|body(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)/;
const OPERATORS: Operator[] = ['not exists', 'exists', '==', '!=', '<=', '>=', '<', '>', 'in', 'contains', 'matches'];

export function parsePath(text: string): Array<string | number> {
  const path: Array<string | number> = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    if (match[1] !== undefined) {
      path.push(match[1]);
    } else if (match[2] !== undefined) {
      path.push(Number(match[2]));
    } else {
      path.push(JSON.parse(`"${match[3]}"`) as string);
    }
  }
  return path;
}

function parseSubject(text: string): Subject {
  if (text === 'status') {
    return { kind: 'status' };
  }
  if (text === 'duration' || text === 'response_time') {
    return { kind: 'duration' };
  }
  if (text.startsWith('header.')) {
    return { kind: 'header', name: text.slice('header.'.length).toLowerCase() };
  }
  return { kind: 'body', path: parsePath(text.slice('body'.length)) };
}

function parseRegex(text: string): SafeRegex {
  const match = /^\/(.*)\/([a-z]*)$/.exec(text);
  if (!match) {
    throw new Error(`expected a /regex/ after "matches", got ${text}`);
  }
  try {
    return compileSafeRegex(match[1]!, match[2]!);
  } catch (error) {
    throw new Error(`${text} cannot be used: ${(error as Error).message}`);
  }
}

function parseLiteral(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (/^[\w.+/-]+$/.test(text)) {
      // A bare word: `header.content-type contains json`.
      return text;
    }
    throw new Error(`cannot read the expected value ${text}: use a number, "a string", true, false, null or [a, list]`);
  }
}

/** Parses one assertion; throws an Error whose message says what is wrong. */
export function parseAssertion(source: string): Assertion {
  const text = source.trim();
  const subjectMatch = SUBJECT_RE.exec(text);
  if (!subjectMatch) {
    throw new Error(`"${source}" does not start with status, duration, header.<name> or body[.path]`);
  }
  const subjectText = subjectMatch[1]!;
  const rest = text.slice(subjectText.length).trim();
  const operator = OPERATORS.find((op) => rest === op || rest.startsWith(`${op} `));
  if (!operator) {
    throw new Error(`"${source}": expected an operator (${OPERATORS.join(', ')}) after ${subjectText}`);
  }
  const subject = parseSubject(subjectText);
  const valueText = rest.slice(operator.length).trim();
  if (operator === 'exists' || operator === 'not exists') {
    if (valueText) {
      throw new Error(`"${source}": nothing may follow "${operator}"`);
    }
    return { source, subject, operator };
  }
  if (!valueText) {
    throw new Error(`"${source}": expected a value after "${operator}"`);
  }
  if (operator === 'matches') {
    return { source, subject, operator, regex: parseRegex(valueText) };
  }
  const expected = parseLiteral(valueText);
  if (operator === 'in' && !Array.isArray(expected)) {
    throw new Error(`"${source}": "in" needs a list like [200, 201]`);
  }
  if (['<', '<=', '>', '>='].includes(operator) && typeof expected !== 'number') {
    throw new Error(`"${source}": "${operator}" needs a number`);
  }
  return { source, subject, operator, expected };
}

/** Walks own properties only: `__proto__`, `constructor` and friends read as missing. */
export function readPath(value: unknown, path: Array<string | number>): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || current === undefined) {
      return undefined;
    }
    if (segment === 'length' && (Array.isArray(current) || typeof current === 'string')) {
      current = current.length;
      continue;
    }
    if (typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, segment)) {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function describeSubject(subject: Subject): string {
  if (subject.kind === 'header') {
    return `header.${subject.name}`;
  }
  if (subject.kind === 'body') {
    return `body${subject.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
  }
  return subject.kind;
}

function actualOf(subject: Subject, response: ResponseView): { value: unknown; problem?: string } {
  switch (subject.kind) {
    case 'status':
      return { value: response.status };
    case 'duration':
      return { value: Math.round(response.durationMs) };
    case 'header':
      return { value: response.headers.get(subject.name) ?? undefined };
    case 'body':
      if (subject.path.length === 0) {
        return { value: response.text };
      }
      if (!response.isJson) {
        return { value: undefined, problem: 'the body is not JSON' };
      }
      return { value: readPath(response.json, subject.path) };
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function evaluateAssertion(assertion: Assertion, response: ResponseView): AssertionResult {
  const { value: actual, problem } = actualOf(assertion.subject, response);
  const name = describeSubject(assertion.subject);
  let passed: boolean;
  switch (assertion.operator) {
    case 'exists':
      passed = actual !== undefined && actual !== null;
      break;
    case 'not exists':
      passed = actual === undefined || actual === null;
      break;
    case '==':
      passed = deepEqual(actual, assertion.expected) || (typeof actual === 'string' && String(assertion.expected) === actual);
      break;
    case '!=':
      passed = !(deepEqual(actual, assertion.expected) || (typeof actual === 'string' && String(assertion.expected) === actual));
      break;
    case '<':
      passed = typeof actual === 'number' && actual < (assertion.expected as number);
      break;
    case '<=':
      passed = typeof actual === 'number' && actual <= (assertion.expected as number);
      break;
    case '>':
      passed = typeof actual === 'number' && actual > (assertion.expected as number);
      break;
    case '>=':
      passed = typeof actual === 'number' && actual >= (assertion.expected as number);
      break;
    case 'in':
      passed = (assertion.expected as unknown[]).some((e) => deepEqual(e, actual));
      break;
    case 'contains':
      passed = Array.isArray(actual) ? actual.some((e) => deepEqual(e, assertion.expected)) : typeof actual === 'string' && actual.includes(String(assertion.expected));
      break;
    case 'matches':
      passed = typeof actual === 'string' && assertion.regex!.test(actual);
      break;
  }
  if (passed) {
    return { assertion: assertion.source, passed, expected: assertion.expected, actual };
  }
  const expectation =
    assertion.operator === 'exists' || assertion.operator === 'not exists'
      ? `expected ${name} ${assertion.operator === 'exists' ? 'to exist' : 'not to exist'}`
      : `expected ${name} ${assertion.operator} ${assertion.regex ? String(assertion.regex) : JSON.stringify(assertion.expected)}`;
  const got = problem ?? (actual === undefined ? 'undefined' : JSON.stringify(actual)?.slice(0, 200));
  return {
    assertion: assertion.source,
    passed,
    expected: assertion.regex ? String(assertion.regex) : assertion.expected,
    actual: typeof actual === 'string' && actual.length > 200 ? `${actual.slice(0, 200)}…` : actual,
    message: `assertion "${assertion.source}" failed: ${expectation}, got ${got}`,
  };
}

/** Extraction source: `body.<path>`, `header.<name>` or `status`. */
export type ExtractSource = { kind: 'status' } | { kind: 'header'; name: string } | { kind: 'body'; path: Array<string | number> };

export function parseExtractSource(text: string): ExtractSource {
  const trimmed = text.trim();
  if (trimmed === 'status') {
    return { kind: 'status' };
  }
  if (trimmed.startsWith('header.') && trimmed.length > 'header.'.length) {
    return { kind: 'header', name: trimmed.slice('header.'.length).toLowerCase() };
  }
  const match = SUBJECT_RE.exec(trimmed);
  if (trimmed.startsWith('body') && match && match[1] === trimmed) {
    return { kind: 'body', path: parsePath(trimmed.slice('body'.length)) };
  }
  throw new Error(`"${text}" is not an extraction source; use body.<path>, header.<name> or status`);
}

export function extractValue(source: ExtractSource, response: ResponseView): unknown {
  if (source.kind === 'status') {
    return response.status;
  }
  if (source.kind === 'header') {
    return response.headers.get(source.name) ?? undefined;
  }
  return source.path.length === 0 ? response.text : response.isJson ? readPath(response.json, source.path) : undefined;
}
