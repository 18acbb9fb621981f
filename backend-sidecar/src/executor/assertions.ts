import { MAX_STORED_ACTUAL, type AssertionResult, type AttemptTls } from '../model/execution';
import { truncateText } from '../model/truncateText';
import { compileSafeRegex, type SafeRegex } from '../regex/safeRegex';

/**
 * The little assertion and extraction language of workflow steps, hand-written because it is our
 * own: `status == 200`, `status in [200, 201]`, `duration < 2000`, `header.content-type contains json`,
 * `body.token exists`, `body.items[0].id == 3`, `body["odd key"] != "x"`, `body matches /ok/i`,
 * `tls.daysRemaining >= 14`, `tls.issuer contains "Let's Encrypt"` (HTTPS steps).
 * Parsed once at load time (a bad one is rejected with its path), evaluated after each response.
 */
export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains' | 'matches' | 'exists' | 'not exists';
export type Subject =
  | { kind: 'status' }
  | { kind: 'duration' }
  | { kind: 'header'; name: string }
  | { kind: 'body'; path: Array<string | number> }
  | { kind: 'tls'; field: TlsField };

/** What an HTTPS step may assert about the certificate its response came with. */
export const TLS_FIELDS = ['daysRemaining', 'issuer', 'subject'] as const;
export type TlsField = (typeof TLS_FIELDS)[number];

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
  /** The server certificate, when the response came over HTTPS. */
  tls?: AttemptTls;
}

const SUBJECT_RE = /^(status|duration|response_time|tls\.[A-Za-z]+|header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+|body(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)/;
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
  if (text.startsWith('tls.')) {
    const field = text.slice('tls.'.length);
    if (!(TLS_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`${text} is not a TLS field; use ${TLS_FIELDS.map((f) => `tls.${f}`).join(', ')}`);
    }
    return { kind: 'tls', field: field as TlsField };
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
    throw new Error(`"${source}" does not start with status, duration, header.<name>, body[.path] or tls.<field>`);
  }
  const subjectText = subjectMatch[1]!;
  const rest = text.slice(subjectText.length).trim();
  let subject: Subject;
  try {
    subject = parseSubject(subjectText);
  } catch (error) {
    throw new Error(`"${source}": ${(error as Error).message}`);
  }
  const operator = OPERATORS.find((op) => rest === op || rest.startsWith(`${op} `));
  if (!operator) {
    throw new Error(`"${source}": expected an operator (${OPERATORS.join(', ')}) after ${subjectText}`);
  }
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
  if (subject.kind === 'tls') {
    return `tls.${subject.field}`;
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
    case 'tls':
      if (!response.tls) {
        return { value: undefined, problem: 'no certificate: the response did not come over HTTPS' };
      }
      return { value: response.tls[subject.field] };
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `hide`, when given, rewrites text that could echo what the request carried (the executor's
 * substituted secrets and tokens); it is applied to the whole value before it is cut.
 */
export function evaluateAssertion(assertion: Assertion, response: ResponseView, hide?: (text: string) => string): AssertionResult {
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
    // Nothing of the response is kept: `body.token exists` would otherwise store the token.
    return { assertion: assertion.source, passed, expected: assertion.expected };
  }
  const presence = assertion.operator === 'exists' || assertion.operator === 'not exists';
  const expectation = presence
    ? `expected ${name} ${assertion.operator === 'exists' ? 'to exist' : 'not to exist'}`
    : `expected ${name} ${assertion.operator} ${assertion.regex ? String(assertion.regex) : JSON.stringify(assertion.expected)}`;
  const json = presence || actual === undefined ? undefined : JSON.stringify(actual);
  const got = problem ?? (json === undefined ? kindOf(actual) : truncateText(hide ? hide(json) : json, MAX_STORED_ACTUAL));
  // The certificate's expiry date, so "got 10" reads as the deadline it is.
  const certificate = assertion.subject.kind === 'tls' && response.tls ? ` (certificate ${response.tls.subject} valid until ${response.tls.validTo})` : '';
  return {
    assertion: assertion.source,
    passed,
    expected: assertion.regex ? String(assertion.regex) : assertion.expected,
    actual: presence ? undefined : storedActual(actual, hide),
    message: `assertion "${assertion.source}" failed: ${expectation}, got ${got}${certificate}`,
  };
}

/** What a presence check saw, without the value: `a string`, `an object`, `null`, `undefined`. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The part of a failed assertion's value that is stored (and shown to every Viewer): a value
 * whose JSON text is at most MAX_STORED_ACTUAL characters as it is; a longer string cut to
 * MAX_STORED_ACTUAL characters (the last one `…`); any other longer value its JSON text, cut the
 * same way, as a string. NUL, which PostgreSQL cannot store, becomes U+FFFD.
 */
export function storedActual(actual: unknown, hide?: (text: string) => string): unknown {
  if (typeof actual === 'string') {
    const text = hide ? hide(actual) : actual;
    return truncateText(text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text, MAX_STORED_ACTUAL);
  }
  const json = JSON.stringify(actual);
  if (json === undefined) {
    return undefined;
  }
  const shown = hide ? hide(json) : json;
  return shown === json && json.length <= MAX_STORED_ACTUAL && !json.includes('\\u0000') ? actual : truncateText(shown, MAX_STORED_ACTUAL);
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
