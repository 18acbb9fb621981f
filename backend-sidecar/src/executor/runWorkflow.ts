import { SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { AssertionResult, AttemptRecord, AttemptTls, ExecutionResult, ExecutionTrigger, StepResult } from '../model/execution';
import { EgressGuard } from '../net/egressGuard';
import { daysRemaining, type PeerCertificate } from '../net/peerCertificates';
import { probeTcp, type ConnectTcp } from './tcpProbe';
import type { BreakerRegistry } from '../retry/breakerRegistry';
import { HttpStatusError, StepTimeoutError } from '../retry/errors';
import { resolveRetrySettings } from '../retry/retrySettings';
import { runWithRetry } from '../retry/runWithRetry';
import { TRACER_NAME } from '../tracing/tracing';
import { Deadline } from './deadline';
import { ResponseHeaders, sendHttpRequest } from './httpRequest';
import { evaluateAssertion, extractValue, parseAssertion, parseExtractSource, storedActual, type Assertion, type ResponseView } from './assertions';
import type { WorkflowDefinition, WorkflowStep } from '../model/workflowDefinition';
import { ENV_REFERENCE, envValue } from '../schema/interpolateEnv';
import { LOCATION_HEADER } from '../model/location';

export interface RunWorkflowOptions {
  trigger: ExecutionTrigger;
  breakers: BreakerRegistry;
  signal?: AbortSignal;
  /** The HTTP client; tests may pass their own. */
  send?: typeof sendHttpRequest;
  /** How TCP steps connect (the sidecar's `EgressGuard.connectTcp`); without it, a guard with the default denylist. */
  connectTcp?: ConnectTcp;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  maxBodyBytes?: number;
  tracer?: Tracer;
  /**
   * File-defined workflows only: `${NAME}` in step requests is resolved from this environment when
   * each request is built. Absent for definitions from the API (and dry runs): sent as written, so
   * an Editor cannot read the sidecar's environment.
   */
  env?: Record<string, string | undefined>;
  /**
   * The replica's location: recorded on the result, set on the spans, and sent with every step
   * request as `X-Workflow-Monitor-Location` (replacing a header of that name in the definition,
   * so a target can trust which probe asked).
   */
  location?: string;
}

class TemplateError extends Error {}

const LOCATION_HEADER_LOWER = LOCATION_HEADER.toLowerCase();

const VAR_REFERENCE = /\{\{\s*([\w-]+)\s*\}\}/g;
// `${NAME}` (ENV_REFERENCE) or `{{name}}`, found in ONE pass: a substituted value is never read
// again, so a response cannot smuggle `${SECRET}` into a later request through an extracted value.
const ENV_OR_VAR_REFERENCE = new RegExp(`${ENV_REFERENCE.source}|${VAR_REFERENCE.source}`, 'g');
// Shorter substituted values (an id, a page number) are not secrets, and hiding them would garble
// messages ("HTTP 5{{n}}3").
const MIN_REDACTED_LENGTH = 6;

/** What a step's request templates are rendered with, and which values went into its request. */
interface TemplateScope {
  vars: Map<string, unknown>;
  /** Only for file-defined workflows: `${NAME}` is resolved from it. */
  env?: Record<string, string | undefined>;
  /** Substituted values (→ how they were written), hidden again in what the step stores. */
  used: Array<[value: string, written: string]>;
}

function varValue(name: string, scope: TemplateScope): string {
  if (!scope.vars.has(name)) {
    throw new TemplateError(`{{${name}}} is not defined: no earlier step extracted "${name}"`);
  }
  const value = scope.vars.get(name);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof value === 'string' && value.length >= MIN_REDACTED_LENGTH) {
    scope.used.push([value, `{{${name}}}`]);
  }
  return text;
}

function envReference(written: string, escaped: string, name: string, fallback: string | undefined, scope: TemplateScope): string {
  if (escaped) {
    return written.slice(1);
  }
  const value = envValue(name, fallback, scope.env!);
  if (value === undefined) {
    throw new TemplateError(`\${${name}} is not set in the sidecar's environment and has no default`);
  }
  if (value.length >= MIN_REDACTED_LENGTH) {
    scope.used.push([value, written]);
  }
  return value;
}

/** `{{name}}` → a value extracted by an earlier step; an unknown name fails the step. File workflows: `${NAME}` too. */
function render(text: string, scope: TemplateScope): string {
  if (scope.env) {
    return text.replace(ENV_OR_VAR_REFERENCE, (written: string, escaped: string | undefined, name: string | undefined, fallback: string | undefined, varName: string | undefined) =>
      name !== undefined ? envReference(written, escaped ?? '', name, fallback, scope) : varValue(varName!, scope)
    );
  }
  return text.replace(VAR_REFERENCE, (_m, name: string) => varValue(name, scope));
}

/** Keys (header and query names, JSON keys) take `${NAME}` in file workflows, never `{{name}}`. */
function renderKey(text: string, scope: TemplateScope): string {
  if (!scope.env) {
    return text;
  }
  return text.replace(ENV_REFERENCE, (written: string, escaped: string, name: string, fallback: string | undefined) => envReference(written, escaped, name, fallback, scope));
}

function renderJson(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    return render(value, scope);
  }
  if (Array.isArray(value)) {
    return value.map((v) => renderJson(v, scope));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [renderKey(k, scope), renderJson(v, scope)]));
  }
  return value;
}

/**
 * Hides the values that went into a step's request (secrets from the environment, tokens extracted
 * earlier) wherever its result could echo them — a URL in a network error, a target that echoes a
 * header into a failed assertion — by showing them as written (`${API_TOKEN}`, `{{token}}`).
 * Undefined when nothing was substituted (the common case costs nothing).
 */
function hiderFor(used: TemplateScope['used']): ((text: string) => string) | undefined {
  if (used.length === 0) {
    return undefined;
  }
  // Longest first, so a value that contains another is hidden whole.
  const sorted = [...used].sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [value, written] of sorted) {
      if (out.includes(value)) {
        out = out.split(value).join(written);
      }
    }
    return out;
  };
}

/** The step's error messages (its own and each attempt's) with the request's values hidden. */
function hideInMessages(step: StepResult, hide: ((text: string) => string) | undefined): StepResult {
  if (!hide || (step.errorMessage === undefined && step.attempts.every((a) => a.errorMessage === undefined))) {
    return step;
  }
  return {
    ...step,
    errorMessage: step.errorMessage === undefined ? undefined : hide(step.errorMessage),
    // Spelled out, not spread: an attempt's startedAt is a getter (retry/runWithRetry.ts), which a spread drops.
    attempts: step.attempts.map((a) =>
      a.errorMessage === undefined
        ? a
        : { number: a.number, startedAt: a.startedAt, durationMs: a.durationMs, delayMs: a.delayMs, httpStatus: a.httpStatus, errorType: a.errorType, errorMessage: hide(a.errorMessage) }
    ),
  };
}

/** Statuses a step accepts without retrying: 2xx/3xx, plus any its status assertions name. */
function acceptedStatuses(assertions: Assertion[]): (status: number) => boolean {
  const explicit = new Set<number>();
  for (const a of assertions) {
    if (a.subject.kind === 'status' && a.operator === '==' && typeof a.expected === 'number') {
      explicit.add(a.expected);
    }
    if (a.subject.kind === 'status' && a.operator === 'in' && Array.isArray(a.expected)) {
      a.expected.forEach((s) => typeof s === 'number' && explicit.add(s));
    }
  }
  return (status) => (status >= 200 && status < 400) || explicit.has(status);
}

/** A step's parsed assertions and accepted statuses, worked out once per definition object. */
const preparedSteps = new WeakMap<WorkflowStep, { assertions: Assertion[]; accepts: (status: number) => boolean }>();

function prepare(step: WorkflowStep): { assertions: Assertion[]; accepts: (status: number) => boolean } {
  let prepared = preparedSteps.get(step);
  if (!prepared) {
    const assertions = step.assert.map(parseAssertion);
    prepared = { assertions, accepts: acceptedStatuses(assertions) };
    preparedSteps.set(step, prepared);
  }
  return prepared;
}

/**
 * Runs a workflow's steps in order, each through the retry module, and returns the whole record.
 * Never throws: every failure becomes a failed step with its error type. Assertions are evaluated
 * after a successful request and are not retried (the same request rarely changes its answer).
 */
export async function runWorkflow(def: WorkflowDefinition, opts: RunWorkflowOptions): Promise<ExecutionResult> {
  const now = opts.now ?? Date.now;
  const tracer = opts.tracer ?? trace.getTracer(TRACER_NAME);
  const started = now();
  const deadline = new Deadline(def.timeout, [opts.signal]);
  const signal = deadline.signal;
  const vars = new Map<string, unknown>();
  const steps: StepResult[] = [];
  const send = opts.send ?? sendHttpRequest;
  const connectTcp = opts.connectTcp ?? defaultConnectTcp;
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;

  // Parents are passed explicitly: no global context manager is required for the span tree.
  const executionSpan = tracer.startSpan('workflow.execution', {
    attributes: { 'workflow.id': def.id, 'workflow.trigger': opts.trigger, ...(opts.location !== undefined ? { 'workflow_monitor.location': opts.location } : {}) },
  });
  const executionContext = trace.setSpan(context.active(), executionSpan);
  try {
    let failed: StepResult | undefined;
    for (const [position, step] of def.steps.entries()) {
      if (failed) {
        steps.push({ position, name: step.name, status: 'skipped', startedAt: new Date(now()), durationMs: 0, assertions: [], extracted: {}, attempts: [] });
        continue;
      }
      const target = step.request ? { 'http.request.method': step.request.method } : { 'server.address': step.tcp!.host, 'server.port': step.tcp!.port };
      const where = opts.location !== undefined ? { 'workflow_monitor.location': opts.location } : {};
      const stepSpan = tracer.startSpan('workflow.step', { attributes: { 'workflow.id': def.id, 'step.name': step.name, ...target, ...where } }, executionContext);
      const stepCtx = { ...opts, now, signal, vars, send, connectTcp, maxBodyBytes, span: stepSpan };
      const result = await (step.tcp ? runTcpStep(def, step, step.tcp, position, stepCtx) : runStep(def, step, step.request!, position, stepCtx)).finally(() => stepSpan.end());
      steps.push(result);
      if (result.status === 'failed') {
        failed = result;
      }
    }
    const durationMs = now() - started;
    const retried = steps.some((s) => s.attempts.length > 1);
    const slow = def.degradedAfter !== undefined && durationMs > def.degradedAfter;
    const status: ExecutionResult['status'] = failed ? 'failed' : retried || slow ? 'degraded' : 'success';
    executionSpan.setAttribute('workflow.status', status);
    executionSpan.setAttribute('workflow.deadline_reached', deadline.timedOut);
    if (failed) {
      executionSpan.setStatus({ code: SpanStatusCode.ERROR, message: failed.errorMessage });
    }
    executionSpan.end();
    return {
      workflowId: def.id,
      status,
      trigger: opts.trigger,
      startedAt: new Date(started),
      finishedAt: new Date(started + durationMs),
      durationMs,
      errorType: failed?.errorType,
      errorMessage: failed ? `${failed.name}: ${failed.errorMessage ?? 'failed'}` : undefined,
      steps,
      ...(opts.location !== undefined ? { location: opts.location } : {}),
    };
  } finally {
    // Also when a step throws unexpectedly: the deadline holds a timer and a listener on the caller's signal.
    deadline.dispose();
  }
}

// The retry wrapper's callbacks live at module level: under tsx (which keeps function names) an
// arrow function created per call as `{ name: () => ... }` costs an Object.defineProperty each time.
function statusOfResponse(response: ResponseView): number {
  return response.status;
}

function durationOfResponse(response: ResponseView): number {
  return response.durationMs;
}

function noStatus(): undefined {
  return undefined;
}

let defaultGuard: EgressGuard | undefined;

/** For callers given no sidecar configuration (tests, benchmarks), like `sendHttpRequest`. */
function defaultConnectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal) {
  defaultGuard ??= EgressGuard.defaults();
  return defaultGuard.connectTcp(host, port, timeoutMs, signal);
}

/** The certificate as an attempt records it: days counted from now, by the wall clock (certificates expire in real time). */
function attemptTls(certificate: PeerCertificate): AttemptTls {
  return {
    daysRemaining: daysRemaining(certificate, Date.now()),
    subject: certificate.subject,
    issuer: certificate.issuer,
    validFrom: certificate.validFrom,
    validTo: certificate.validTo,
  };
}

/** The step's attempts with the certificate each HTTPS response came with (by attempt number). */
function withCertificates(attempts: AttemptRecord[], byAttempt: Map<number, AttemptTls>): AttemptRecord[] {
  if (byAttempt.size === 0) {
    return attempts;
  }
  return attempts.map((a) => {
    const tls = byAttempt.get(a.number);
    return tls
      ? { number: a.number, startedAt: a.startedAt, durationMs: a.durationMs, delayMs: a.delayMs, httpStatus: a.httpStatus, errorType: a.errorType, errorMessage: a.errorMessage, tls }
      : a;
  });
}

/** Each attempt as an event on the step's span. */
function attemptEventsOn(span: Span): (attempt: AttemptRecord) => void {
  return (a) =>
    span.addEvent('attempt', {
      'attempt.number': a.number,
      'attempt.delay_ms': a.delayMs,
      ...(a.httpStatus !== undefined ? { 'http.response.status_code': a.httpStatus } : {}),
      ...(a.errorType ? { 'error.type': a.errorType } : {}),
    });
}

type StepContext = RunWorkflowOptions & {
  now: () => number;
  signal: AbortSignal;
  vars: Map<string, unknown>;
  send: typeof sendHttpRequest;
  connectTcp: ConnectTcp;
  maxBodyBytes: number;
  span: Span;
};

async function runStep(def: WorkflowDefinition, step: WorkflowStep, request: NonNullable<WorkflowStep['request']>, position: number, ctx: StepContext): Promise<StepResult> {
  const started = ctx.now();
  const { assertions, accepts } = prepare(step);
  const base: Omit<StepResult, 'status' | 'durationMs'> = { position, name: step.name, startedAt: new Date(started), assertions: [], extracted: {}, attempts: [] };
  const scope: TemplateScope = { vars: ctx.vars, env: ctx.env, used: [] };
  let url: URL;
  let headers: Record<string, string>;
  let body: string | undefined;
  try {
    url = new URL(render(request.url, scope));
    for (const [k, v] of Object.entries(request.query ?? {})) {
      url.searchParams.append(renderKey(k, scope), render(String(v), scope));
    }
    headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [renderKey(k, scope), render(v, scope)]));
    if (request.json !== undefined) {
      body = JSON.stringify(renderJson(request.json, scope));
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    } else if (request.body !== undefined) {
      body = render(request.body, scope);
    }
    if (ctx.location !== undefined) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === LOCATION_HEADER_LOWER) {
          delete headers[name];
        }
      }
      headers[LOCATION_HEADER_LOWER] = ctx.location;
    }
  } catch (error) {
    return hideInMessages({ ...base, status: 'failed', durationMs: ctx.now() - started, errorType: 'permanent', errorMessage: (error as Error).message }, hiderFor(scope.used));
  }
  const hide = hiderFor(scope.used);
  // A file workflow's URL as written: the resolved one may carry a secret from the environment.
  ctx.span.setAttribute('url.full', ctx.env ? request.url.split('?')[0]! : `${url.origin}${url.pathname}`);
  const settings = resolveRetrySettings(def.retry, step.retry);
  const timeoutMs = request.timeout;
  // The certificate each attempt's response came with, also for a status that fails the attempt.
  const certificates = new Map<number, AttemptTls>();

  const outcome = await runWithRetry<ResponseView>(
    async ({ number, signal, startedAt: attemptStart }) => {
      // The attempt's own timeout, ended early by the workflow's deadline or a shutdown.
      const attemptDeadline = new Deadline(timeoutMs, [signal, ctx.signal]);
      try {
        const response = await ctx.send(url, { method: request.method, headers, body, signal: attemptDeadline.signal, maxBodyBytes: ctx.maxBodyBytes });
        const text = response.text;
        const tls = response.tls ? attemptTls(response.tls) : undefined;
        if (tls) {
          certificates.set(number, tls);
        }
        if (!accepts(response.status)) {
          throw new HttpStatusError(response.status, response.headers.get('retry-after') ?? undefined);
        }
        const isJson = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
        let json: unknown;
        let parsedJson = false;
        if (isJson && text.length > 0) {
          try {
            json = JSON.parse(text);
            parsedJson = true;
          } catch {
            parsedJson = false;
          }
        }
        return { status: response.status, durationMs: ctx.now() - attemptStart, headers: response.headers, text, json, isJson: parsedJson, tls };
      } catch (error) {
        if (attemptDeadline.timedOut || (error as Error)?.name === 'TimeoutError' || ((error as Error)?.name === 'AbortError' && !signal.aborted)) {
          throw new StepTimeoutError(ctx.signal.aborted ? def.timeout : timeoutMs);
        }
        throw error;
      } finally {
        attemptDeadline.dispose();
      }
    },
    {
      settings,
      target: url.origin,
      breakers: ctx.breakers,
      signal: ctx.signal,
      sleep: ctx.sleep,
      now: ctx.now,
      random: ctx.random,
      statusOf: statusOfResponse,
      durationOf: durationOfResponse,
      onAttempt: attemptEventsOn(ctx.span),
    }
  );
  ctx.span.setAttribute('step.attempts', outcome.attempts.length);
  const attempts = withCertificates(outcome.attempts, certificates);
  if (!outcome.ok || !outcome.value) {
    ctx.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorMessage && hide ? hide(outcome.errorMessage) : outcome.errorMessage });
    return hideInMessages({ ...base, attempts, status: 'failed', durationMs: ctx.now() - started, httpStatus: outcome.httpStatus, errorType: outcome.errorType, errorMessage: outcome.errorMessage }, hide);
  }
  const response = outcome.value;
  ctx.span.setAttribute('http.response.status_code', response.status);
  if (response.tls) {
    ctx.span.setAttribute('tls.server.not_after', response.tls.validTo);
  }
  const results: AssertionResult[] = assertions.map((a) => evaluateAssertion(a, response, hide));
  const failedAssertion = results.find((r) => !r.passed);
  const extracted: Record<string, unknown> = {};
  if (!failedAssertion) {
    for (const [name, sourceText] of Object.entries(step.extract)) {
      const value = extractValue(parseExtractSource(sourceText), response);
      if (value === undefined) {
        return hideInMessages({ ...base, attempts, assertions: results, status: 'failed', durationMs: ctx.now() - started, httpStatus: response.status, errorType: 'assertion', errorMessage: `extract "${name}": ${sourceText} is missing from the response` }, hide);
      }
      extracted[name] = value;
      ctx.vars.set(name, value);
    }
  }
  if (failedAssertion) {
    ctx.span.setStatus({ code: SpanStatusCode.ERROR, message: failedAssertion.message });
    // The attempt itself succeeded; the step fails on what came back.
    return hideInMessages({ ...base, attempts, assertions: results, status: 'failed', durationMs: ctx.now() - started, httpStatus: response.status, errorType: 'assertion', errorMessage: failedAssertion.message }, hide);
  }
  return hideInMessages({ ...base, attempts, assertions: results, extracted, status: 'passed', durationMs: ctx.now() - started, httpStatus: response.status }, hide);
}

const NO_HEADERS = new ResponseHeaders({});

/** A TCP reply as assertions read it: `body` is the text received, `duration` the attempt's time. */
type TcpResponse = ResponseView & { matched: boolean };

/**
 * A `tcp` step: connect through the egress guard, send, wait for `expect` — each attempt bounded by
 * the step's timeout and retried, breaker included, like an HTTP request. A refused or reset
 * connection is `network`, no connection or no expected reply in time is `timeout`; a server that
 * closes without sending `expect` fails the step as `assertion` (not retried, like a wrong body).
 */
async function runTcpStep(def: WorkflowDefinition, step: WorkflowStep, tcp: NonNullable<WorkflowStep['tcp']>, position: number, ctx: StepContext): Promise<StepResult> {
  const started = ctx.now();
  const { assertions } = prepare(step);
  const base: Omit<StepResult, 'status' | 'durationMs'> = { position, name: step.name, startedAt: new Date(started), assertions: [], extracted: {}, attempts: [] };
  const address = `${tcp.host.includes(':') && !tcp.host.startsWith('[') ? `[${tcp.host}]` : tcp.host}:${tcp.port}`;
  const settings = resolveRetrySettings(def.retry, step.retry);

  const outcome = await runWithRetry<TcpResponse>(
    async ({ signal, startedAt: attemptStart }) => {
      const attemptDeadline = new Deadline(tcp.timeout, [signal, ctx.signal]);
      const phase = { connected: false };
      try {
        const reply = await probeTcp(ctx.connectTcp, {
          host: tcp.host,
          port: tcp.port,
          timeoutMs: tcp.timeout,
          send: tcp.send,
          expect: tcp.expect,
          signal: attemptDeadline.signal,
          maxReplyBytes: ctx.maxBodyBytes,
          phase,
        });
        return { status: 0, durationMs: ctx.now() - attemptStart, headers: NO_HEADERS, text: reply.text, isJson: false, matched: reply.matched };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (attemptDeadline.timedOut || code === 'ETIMEDOUT' || (error as Error)?.name === 'TimeoutError' || ((error as Error)?.name === 'AbortError' && !signal.aborted)) {
          const ms = ctx.signal.aborted ? def.timeout : tcp.timeout;
          throw new StepTimeoutError(
            ms,
            phase.connected ? `${JSON.stringify(tcp.expect)} not received from ${address} within ${ms} ms` : `no connection to ${address} within ${ms} ms`
          );
        }
        throw error;
      } finally {
        attemptDeadline.dispose();
      }
    },
    {
      settings,
      target: `tcp://${address}`,
      breakers: ctx.breakers,
      signal: ctx.signal,
      sleep: ctx.sleep,
      now: ctx.now,
      random: ctx.random,
      statusOf: noStatus,
      durationOf: durationOfResponse,
      onAttempt: attemptEventsOn(ctx.span),
    }
  );
  ctx.span.setAttribute('step.attempts', outcome.attempts.length);
  const attempts = outcome.attempts;
  if (!outcome.ok || !outcome.value) {
    ctx.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorMessage });
    return { ...base, attempts, status: 'failed', durationMs: ctx.now() - started, errorType: outcome.errorType, errorMessage: outcome.errorMessage };
  }
  const reply = outcome.value;
  const results: AssertionResult[] = [];
  if (tcp.expect !== undefined) {
    const source = `reply contains ${JSON.stringify(tcp.expect)}`;
    results.push(
      reply.matched
        ? { assertion: source, passed: true, expected: tcp.expect }
        : {
            assertion: source,
            passed: false,
            expected: tcp.expect,
            actual: storedActual(reply.text),
            message: `${address} closed the connection before sending ${JSON.stringify(tcp.expect)}; got ${reply.text === '' ? 'nothing' : JSON.stringify(storedActual(reply.text))}`,
          }
    );
  }
  if (reply.matched) {
    results.push(...assertions.map((a) => evaluateAssertion(a, reply)));
  }
  const failedAssertion = results.find((r) => !r.passed);
  if (failedAssertion) {
    ctx.span.setStatus({ code: SpanStatusCode.ERROR, message: failedAssertion.message });
    return { ...base, attempts, assertions: results, status: 'failed', durationMs: ctx.now() - started, errorType: 'assertion', errorMessage: failedAssertion.message };
  }
  return { ...base, attempts, assertions: results, status: 'passed', durationMs: ctx.now() - started };
}
