import net from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import '../schema/zodOpenApi';
import { retrySettingsSchema } from '../retry/retrySettings';
import { durationMs } from '../schema/duration';
import { parseAssertion, parseExtractSource } from '../executor/assertions';
import { REQUEST_TEMPLATE_FIELDS, missingRequestEnv, resolveRequestEnv } from './requestEnv';
import { formatIssues } from '../schema/issues';
import { MAX_WORKFLOW_LOCATIONS, locationNameSchema } from './location';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const scheduleSchema = z.union(
  [
    z.object({ every: durationMs({ min: 1_000, max: 31 * 86_400_000 }) }).strict(),
    z
      .object({
        cron: z.string().refine(
          (expression) => {
            try {
              CronExpressionParser.parse(expression);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'is not a valid cron expression (five fields, e.g. "*/5 * * * *")' }
        ),
        timezone: z.string().refine(validTimeZone, { message: 'is not an IANA time zone (e.g. Europe/Berlin)' }).optional(),
      })
      .strict(),
    z
      .object({
        push: z
          .object({
            expected: durationMs({ min: 1_000, max: 31 * 86_400_000 }),
            grace: durationMs({ min: 0, max: 31 * 86_400_000 }).optional(),
          })
          .strict(),
      })
      .strict(),
  ],
  { message: 'schedule must be one of { every: 60s }, { cron: "*/5 * * * *", timezone? } or { push: { expected: 1h, grace? } }' }
);

const SLO_WINDOW_RE = /^([1-9]\d{0,4})(h|d)$/;
const SLO_WINDOW_MIN_MS = 86_400_000;
const SLO_WINDOW_MAX_MS = 90 * 86_400_000;

/** Milliseconds of an SLO window written as whole hours or days ("30d", "36h"); undefined if it is not one. */
export function sloWindowMs(window: string): number | undefined {
  const match = SLO_WINDOW_RE.exec(window);
  if (!match) {
    return undefined;
  }
  return Number(match[1]) * (match[2] === 'd' ? 86_400_000 : 3_600_000);
}

/**
 * A service-level objective over a rolling window. Both are kept as written (`99.5`, `"30d"`): the
 * SLO API answers with them unchanged.
 */
export const sloSchema = z
  .object({
    objective: z.number({ message: 'slo.objective must be a number of percent between 50 and 99.999 (e.g. 99.5)' }).superRefine((objective, ctx) => {
      if (!(objective >= 50 && objective <= 99.999)) {
        ctx.addIssue({ code: 'custom', message: `slo.objective ${objective} must be between 50 and 99.999 percent` });
      }
    }),
    window: z.string({ message: 'slo.window must be a duration in whole hours or days between 1d and 90d (e.g. "30d")' }).superRefine((window, ctx) => {
      const ms = sloWindowMs(window);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `slo.window "${window}" is not a duration in whole hours or days (e.g. "30d", "36h")` });
      } else if (ms < SLO_WINDOW_MIN_MS || ms > SLO_WINDOW_MAX_MS) {
        ctx.addIssue({ code: 'custom', message: `slo.window "${window}" must be between 1d and 90d` });
      }
    }),
  })
  .strict()
  .openapi('WorkflowSlo', { description: 'Objective in percent (50–99.999) over a rolling window of 1d–90d in whole hours or days' });
export type WorkflowSlo = z.output<typeof sloSchema>;

const requestSchema = z
  .object({
    method: z.enum(METHODS, { message: `method must be one of ${METHODS.join(', ')}` }).default('GET'),
    url: z.string().refine(
      (url) => {
        try {
          const parsed = new URL(url.replace(/\{\{\s*[\w.-]+\s*\}\}/g, 'x'));
          return parsed.protocol === 'http:' || parsed.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { message: 'must be an absolute http:// or https:// URL (after ${ENV} interpolation)' }
    ),
    headers: z.record(z.string(), z.string()).optional(),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    json: z.unknown().optional(),
    body: z.string().optional(),
    timeout: durationMs({ min: 10, max: 600_000 }).default(10_000),
  })
  .strict()
  .refine((r) => r.json === undefined || r.body === undefined, { message: 'give either json or body, not both', path: ['body'] });

/** A host name (RFC 1123 labels) or an IP literal, IPv6 with or without brackets. */
function validTcpHost(host: string): boolean {
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return net.isIP(literal) !== 0 || /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(host);
}

/** The most text a TCP step sends, and waits for. */
export const MAX_TCP_SEND_CHARS = 65_536;
export const MAX_TCP_EXPECT_CHARS = 4_096;

const tcpSchema = z
  .object({
    host: z.string().refine(validTcpHost, { message: 'must be a host name or an IP address' }),
    port: z.number({ message: 'must be a port number' }).int('must be a whole number').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'),
    // Connect, send and the wait for `expect` together.
    timeout: durationMs({ min: 10, max: 600_000 }).default(10_000),
    send: z.string().min(1).max(MAX_TCP_SEND_CHARS).optional(),
    expect: z.string().min(1).max(MAX_TCP_EXPECT_CHARS).optional(),
  })
  .strict()
  .openapi('TcpCheck');

/** Subjects a TCP step's assertions may use: it has no status, headers or JSON, and no certificate. */
const TCP_SUBJECTS = ['duration', 'body'] as const;

const stepSchema = z
  .object({
    name: z.string().min(1).max(200),
    request: requestSchema.optional(),
    tcp: tcpSchema.optional(),
    assert: z
      .array(
        z.string().superRefine((text, ctx) => {
          try {
            parseAssertion(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        })
      )
      .max(50)
      .default([]),
    extract: z
      .record(
        z.string().regex(/^[A-Za-z_][\w-]*$/, 'variable names are letters, digits, _ and -'),
        z.string().superRefine((text, ctx) => {
          try {
            parseExtractSource(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        })
      )
      .default({}),
    retry: retrySettingsSchema.optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    if ((step.request === undefined) === (step.tcp === undefined)) {
      ctx.addIssue({ code: 'custom', path: step.request ? ['tcp'] : ['request'], message: 'a step has exactly one of request (HTTP) or tcp' });
      return;
    }
    step.assert.forEach((text, j) => {
      let subject: ReturnType<typeof parseAssertion>['subject'];
      try {
        subject = parseAssertion(text).subject;
      } catch {
        return; // Reported by the field's own check.
      }
      if (step.tcp && !(subject.kind === 'duration' || (subject.kind === 'body' && subject.path.length === 0))) {
        ctx.addIssue({ code: 'custom', path: ['assert', j], message: `"${text}": a tcp step can assert on ${TCP_SUBJECTS.join(' and ')} (the reply text) only` });
      }
      if (step.request && subject.kind === 'tls' && !/^https:/i.test(step.request.url)) {
        ctx.addIssue({ code: 'custom', path: ['assert', j], message: `"${text}": tls.* needs an https:// URL; this step's request.url is ${step.request.url.split(/[?#]/)[0]}` });
      }
    });
    if (step.tcp && Object.keys(step.extract).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['extract'], message: 'a tcp step extracts nothing (it has no response to read values from)' });
    }
  });

/** True when a step asserts on its response's certificate (`tls.*`). */
export function stepAssertsOnTls(step: { assert: string[] }): boolean {
  return step.assert.some((text) => /^\s*tls\./.test(text));
}

export const workflowDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'id must be 1–63 characters: lowercase letters, digits, - and _, starting with a letter or digit'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().default(true),
    critical: z.boolean().default(false),
    labels: z.record(z.string().max(100), z.string().max(500)).default({}),
    schedule: scheduleSchema,
    timeout: durationMs({ min: 100, max: 600_000 }).default(30_000),
    degradedAfter: durationMs({ min: 1, max: 600_000 }).optional(),
    retry: retrySettingsSchema.optional(),
    steps: z.array(stepSchema).max(50).default([]),
    // Each slot runs once in each of these locations, by a replica of that location (env LOCATION).
    locations: z
      .array(locationNameSchema)
      .min(1, 'list at least one location, or leave locations out to run on any replica')
      .max(MAX_WORKFLOW_LOCATIONS, `at most ${MAX_WORKFLOW_LOCATIONS} locations`)
      .optional(),
    slo: sloSchema.optional(),
    // The "Certificate expires within 14 days" rule judges this workflow; unset: when a step asserts on tls.*.
    tlsExpiryAlert: z.boolean().optional(),
  })
  .strict()
  .superRefine((def, ctx) => {
    const isPush = 'push' in def.schedule;
    if (isPush && def.locations !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['locations'], message: 'a push workflow runs elsewhere and has no locations' });
    }
    def.locations?.forEach((location, i) => {
      if (def.locations!.indexOf(location) !== i) {
        ctx.addIssue({ code: 'custom', path: ['locations', i], message: `location "${location}" is listed twice` });
      }
    });
    if (isPush && def.steps.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a push workflow runs elsewhere and has no steps' });
    }
    if (!isPush && def.steps.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a scheduled workflow needs at least one step' });
    }
    const seen = new Set<string>();
    def.steps.forEach((step, i) => {
      if (seen.has(step.name)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: `step name "${step.name}" is used twice` });
      }
      seen.add(step.name);
    });
    if (def.tlsExpiryAlert === true && !def.steps.some((step) => step.request && /^https:/i.test(step.request.url))) {
      ctx.addIssue({ code: 'custom', path: ['tlsExpiryAlert'], message: 'needs at least one step with an https:// request.url (its certificate is what is watched)' });
    }
  })
  .openapi('WorkflowDefinition');

export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;
export type WorkflowStep = WorkflowDefinition['steps'][number];

export interface DefinitionError {
  file?: string;
  path: string;
  message: string;
}

/**
 * Validates a definition. With `env` (file-defined workflows only: at load and before each run),
 * `${NAME}` in step requests is checked against `env` — a missing one is an error naming its
 * path and variable — and validated as resolved, while the returned definition keeps the
 * requests as written; runWorkflow resolves them when it builds each request (requestEnv.ts).
 */
export function parseWorkflowDefinition(
  input: unknown,
  opts: { source: 'file' | 'api'; file?: string; pathPrefix?: string; env?: Record<string, string | undefined> }
): { ok: true; definition: WorkflowDefinition } | { ok: false; errors: DefinitionError[] } {
  const where = opts.file ? { file: opts.file } : {};
  const env = opts.source === 'file' ? opts.env : undefined;
  if (env) {
    const missing = missingRequestEnv(input, env, opts.pathPrefix);
    if (missing.length > 0) {
      return { ok: false, errors: missing.map((e) => ({ ...where, ...e })) };
    }
  }
  const result = workflowDefinitionSchema.safeParse(env ? resolveRequestEnv(input, env) : input);
  if (result.success) {
    return { ok: true, definition: env ? withRequestsAsWritten(result.data, input) : result.data };
  }
  return { ok: false, errors: formatIssues(result.error.issues, opts.pathPrefix).map((e) => ({ ...where, ...e })) };
}

/** The validated definition with each step's request templates put back as written in `raw`. */
function withRequestsAsWritten(definition: WorkflowDefinition, raw: unknown): WorkflowDefinition {
  const rawSteps = (raw as { steps: Array<{ request?: Record<string, unknown> }> }).steps;
  return {
    ...definition,
    steps: definition.steps.map((step, i) => {
      const written = rawSteps[i]!.request;
      if (!written || !step.request) {
        return step;
      }
      const request = { ...step.request };
      for (const field of REQUEST_TEMPLATE_FIELDS) {
        if (Object.hasOwn(written, field)) {
          (request as Record<string, unknown>)[field] = written[field];
        }
      }
      return { ...step, request };
    }),
  };
}
