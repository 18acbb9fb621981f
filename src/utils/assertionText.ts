/**
 * The step assertion language (`status == 200`, `body.token exists`, `header.content-type contains json`)
 * split into the editor's subject / operator / value and joined back. It mirrors the grammar of
 * backend-sidecar/src/executor/assertions.ts, which stays the judge: the builder only takes text it
 * can give back character for character, anything else stays free text and the sidecar checks it.
 */

export const ASSERTION_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches', 'in', 'exists', 'not exists'] as const;
export type AssertionOperator = (typeof ASSERTION_OPERATORS)[number];

/** `body.path` is a part of a JSON body; `body` is the whole body as text; `tls.*` the certificate of an HTTPS step. */
export type AssertionSubject = 'status' | 'duration' | 'body' | 'body.path' | 'header' | TlsSubject;
const TLS_SUBJECTS = ['tls.daysRemaining', 'tls.issuer', 'tls.subject'] as const;
type TlsSubject = (typeof TLS_SUBJECTS)[number];

export interface AssertionParts {
  subject: AssertionSubject;
  /** The body path after `body.` (or `[0]…`), or the header name. */
  target: string;
  operator: AssertionOperator;
  /** The expected value as written: 200, "ok", [200, 201], /regex/i, or a bare word. Empty for exists / not exists. */
  value: string;
}

export const SUBJECT_LABELS: Record<AssertionSubject, string> = {
  status: 'status',
  duration: 'duration (ms)',
  body: 'body (text)',
  'body.path': 'body.<path>',
  header: 'header.<name>',
  'tls.daysRemaining': 'tls.daysRemaining (https)',
  'tls.issuer': 'tls.issuer (https)',
  'tls.subject': 'tls.subject (https)',
};

export const takesValue = (operator: AssertionOperator) => operator !== 'exists' && operator !== 'not exists';

// The sidecar's SUBJECT_RE, without its `response_time` alias (that text stays free text), and only the TLS fields it knows.
const SUBJECT_RE = /^(status|duration|tls\.(?:daysRemaining|issuer|subject)(?![A-Za-z])|header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+|body(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)/;
// Longest first, as the sidecar tries them.
const OPERATORS_BY_LENGTH: AssertionOperator[] = ['not exists', 'exists', '==', '!=', '<=', '>=', '<', '>', 'in', 'contains', 'matches'];

export function subjectText(parts: Pick<AssertionParts, 'subject' | 'target'>): string {
  switch (parts.subject) {
    case 'body.path':
      return parts.target.startsWith('[') ? `body${parts.target}` : `body.${parts.target}`;
    case 'header':
      return `header.${parts.target}`;
    default:
      return parts.subject;
  }
}

export function formatAssertion(parts: AssertionParts): string {
  const head = `${subjectText(parts)} ${parts.operator}`;
  return takesValue(parts.operator) ? `${head} ${parts.value.trim()}` : head;
}

/** The parts of an assertion the builder can show, or undefined when it should stay free text. */
export function parseAssertionText(text: string): AssertionParts | undefined {
  const trimmed = text.trim();
  const match = SUBJECT_RE.exec(trimmed);
  if (!match) {
    return undefined;
  }
  const subjectPart = match[1]!;
  const rest = trimmed.slice(subjectPart.length);
  if (!/^\s/.test(rest)) {
    return undefined;
  }
  const afterSubject = rest.trim();
  const operator = OPERATORS_BY_LENGTH.find((op) => afterSubject === op || afterSubject.startsWith(`${op} `));
  if (!operator) {
    return undefined;
  }
  const value = afterSubject.slice(operator.length).trim();
  if (takesValue(operator) ? value === '' : value !== '') {
    return undefined;
  }
  if (operator === 'matches' && !/^\/.*\/[a-z]*$/.test(value)) {
    return undefined;
  }
  let parts: AssertionParts;
  if (subjectPart === 'status' || subjectPart === 'duration' || subjectPart === 'body' || (TLS_SUBJECTS as readonly string[]).includes(subjectPart)) {
    parts = { subject: subjectPart as AssertionSubject, target: '', operator, value };
  } else if (subjectPart.startsWith('header.')) {
    parts = { subject: 'header', target: subjectPart.slice('header.'.length), operator, value };
  } else {
    const path = subjectPart.slice('body'.length);
    parts = { subject: 'body.path', target: path.startsWith('.') ? path.slice(1) : path, operator, value };
  }
  // Only text the builder writes back unchanged: a round trip through the form never rewrites what was typed.
  return formatAssertion(parts) === trimmed ? parts : undefined;
}
