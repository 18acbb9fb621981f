import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/errors';
import { parseCidrList, type CidrList } from '../net/cidrList';
import { DEFAULT_TARGET_DENYLIST } from '../net/egressGuard';
import { durationMs } from '../schema/duration';
import { DEFAULT_LOCATION, LOCATION_NAME, LOCATION_NAME_RULE } from '../model/location';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

const boolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') {
        return fallback;
      }
      const parsed = BOOLEAN_WORDS[value.toLowerCase()];
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not one of true, false, 1, 0, yes, no` });
        return z.NEVER;
      }
      return parsed;
    });

/**
 * A whole number written in decimal digits. `z.coerce.number` alone would read "0x10" as 16, "1e3" as 1000 and an
 * empty value as 0 (PORT= would silently mean "any port"); an empty or unset variable takes the default instead.
 */
const count = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') {
        return fallback;
      }
      const text = value.trim();
      if (!/^\d{1,16}$/.test(text)) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number between ${min} and ${max}` });
        return z.NEVER;
      }
      const parsed = Number(text);
      if (parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const port = (fallback: number) => count(0, 65535, fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function parseRanges(text: string, ctx: z.RefinementCtx, allowEmpty: boolean): CidrList {
  const parsed = parseCidrList(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  if (parsed.list.empty && !allowEmpty) {
    ctx.addIssue({ code: 'custom', message: 'lists no range, so nothing could be connected to; unset it to allow every address the denylist does not refuse' });
    return z.NEVER;
  }
  return parsed.list;
}

/** Comma-separated CIDR ranges; blank or unset means `fallback`, `none` means no range. */
const cidrList = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => parseRanges(value === undefined || value.trim() === '' ? fallback : value, ctx, true));

/** Comma-separated CIDR ranges, at least one; blank or unset means no list at all. */
const optionalCidrList = z
  .string()
  .optional()
  .transform((value, ctx) => (value === undefined || value.trim() === '' ? undefined : parseRanges(value, ctx, false)));

/**
 * Grafana's root URL as users open it (sub-path included): notifications link into the app under it.
 * Credentials, a query or a fragment would end up in every link, so they are refused.
 */
const grafanaUrl = optionalString.transform((value, ctx) => {
  if (value === undefined) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL, e.g. https://grafana.example.com or https://ops.example.com/grafana' });
    return z.NEVER;
  }
  const problem =
    url.protocol !== 'http:' && url.protocol !== 'https:' ? `must be an http:// or https:// URL, not ${url.protocol}`
    : url.username !== '' || url.password !== '' ? 'must not carry a user name or password (it is written into every notification)'
    : url.search !== '' || url.hash !== '' ? 'must not carry a query or a fragment: links are built by appending paths to it'
    : undefined;
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
});

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/**
 * A PEM file of CA certificates HTTPS steps trust besides Node's built-in roots (a private CA, a
 * self-signed target). Read and checked once at start: a missing file, or one without a readable
 * certificate, stops the sidecar with the reason rather than failing every step later.
 */
const caFile = optionalString.transform((file, ctx): string[] | undefined => {
  if (file === undefined) {
    return undefined;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return z.NEVER;
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)' });
    return z.NEVER;
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `certificate ${i + 1} of ${blocks.length} cannot be read: ${(error as Error).message}` });
      return z.NEVER;
    }
  }
  return blocks;
});

/** Label names the execution series already carry (and `le`, the histogram's bucket label). */
export const EXECUTION_SERIES_LABELS = ['workflow', 'status', 'trigger', 'location', 'le'] as const;
export const MAX_METRICS_LABELS = 5;
const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Workflow label names copied onto the execution series of /metrics: Prometheus label names, a few, none taken. */
const metricsLabels = z
  .string()
  .optional()
  .transform((value, ctx): string[] => {
    const names = (value ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
    const problems: string[] = [];
    for (const name of names) {
      if (!PROMETHEUS_LABEL_NAME.test(name)) {
        problems.push(`"${name}" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
      } else if (name.startsWith('__')) {
        problems.push(`"${name}" starts with "__", which Prometheus reserves`);
      } else if ((EXECUTION_SERIES_LABELS as readonly string[]).includes(name)) {
        problems.push(`"${name}" is already a label of the execution series (${EXECUTION_SERIES_LABELS.join(', ')})`);
      }
    }
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    if (repeated.length > 0) {
      problems.push(`names "${[...new Set(repeated)].join('", "')}" more than once`);
    }
    if (names.length > MAX_METRICS_LABELS) {
      problems.push(`names ${names.length} labels; at most ${MAX_METRICS_LABELS} (each multiplies the series Prometheus stores)`);
    }
    if (problems.length > 0) {
      ctx.addIssue({ code: 'custom', message: problems.join('; ') });
      return z.NEVER;
    }
    return names;
  });

/** Every environment variable the sidecar reads, with its default. README's table mirrors this. */
export const envSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// connection URL',
  }),
  DATA_DIR: z
    .string()
    .refine((v) => v.trim() !== '' && !v.includes('\0'), { message: 'must be a directory path' })
    .default('./data'),
  EMBEDDED_PG_PORT: port(0),
  PORT: port(8080),
  // An IP address or a host name to listen on (0.0.0.0 / :: for every interface).
  HOST: z
    .string()
    .trim()
    .refine((v) => net.isIP(v) !== 0 || /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(v), {
      message: 'must be an IP address or a host name',
    })
    .default('127.0.0.1'),
  SIDECAR_API_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  SIDECAR_READONLY_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  WORKFLOWS_DIR: optionalString,
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` }).default('auto'),
  BODY_LIMIT_BYTES: count(1024, 50 * 1024 * 1024, 1024 * 1024),
  SHUTDOWN_TIMEOUT: durationMs({ min: 100, max: 120_000 }).default(10_000),
  DEMO: z.enum(['auto', 'on', 'off'], { message: 'must be one of auto, on, off' }).default('auto'),
  DEMO_PORT: port(4010),
  SCHEDULER: boolean(true),
  SCHEDULER_POLL_INTERVAL: durationMs({ min: 10, max: 60_000 }).default(250),
  // POST /api/v1/dry-runs in flight at once on this replica; one more is a 429.
  DRY_RUN_CONCURRENCY: count(1, 100, 4),
  SCHEDULER_CONCURRENCY: count(1, 1000, 50),
  SCHEDULER_LEASE: durationMs({ min: 1000, max: 3_600_000 }).default(60_000),
  // A pending slot older than this is recorded as missed instead of run late (downtime, overload).
  SCHEDULER_MISFIRE: durationMs({ min: 1000, max: 86_400_000 }).default(30_000),
  // How far ahead slots are planned into scheduled_runs, so workers can wake exactly when one is due.
  SCHEDULER_HORIZON: durationMs({ min: 1000, max: 3_600_000 }).default(10_000),
  // Recorded on every slot this replica claims: printable, at most 128 characters.
  WORKER_ID: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{1,128}$/.test(v), {
    message: 'must be 1–128 printable characters without spaces',
  }),
  PG_POOL_MAX: count(2, 200, 20),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine((v) => v === undefined || isHttpUrl(v), {
    message: 'must be an http:// or https:// URL (the OTLP/HTTP collector, e.g. http://127.0.0.1:4318)',
  }),
  ALERTING: boolean(true),
  // Window rules and workflows that stopped reporting are judged this often (executions are judged as they arrive).
  ALERT_EVAL_INTERVAL: durationMs({ min: 1000, max: 3_600_000 }).default(15_000),
  // Escalation tiers, reminders and acknowledgement timeouts are checked this often.
  ALERT_TICK_INTERVAL: durationMs({ min: 100, max: 60_000 }).default(1_000),
  NOTIFY_CONCURRENCY: count(1, 200, 10),
  NOTIFY_POLL_INTERVAL: durationMs({ min: 50, max: 60_000 }).default(500),
  NOTIFY_TIMEOUT: durationMs({ min: 500, max: 120_000 }).default(10_000),
  NOTIFY_RETRY_INITIAL: durationMs({ min: 100, max: 60_000 }).default(1_000),
  NOTIFY_RETRY_MAX: durationMs({ min: 1000, max: 3_600_000 }).default(60_000),
  // A notification still undelivered this long after it was queued is marked failed.
  NOTIFY_GIVE_UP: durationMs({ min: 60_000, max: 30 * 86_400_000 }).default(86_400_000),
  // Set: GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>" (Prometheus' `authorization` scrape setting).
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  // Circuit breakers (one per scheme://host:port) kept in memory; the least recently used is dropped beyond this.
  BREAKER_MAX_HOSTS: count(1, 1_000_000, 10_000),
  // Creating more than this over the API is a 409; file entries beyond it are load errors.
  MAX_WORKFLOWS: count(1, 1_000_000, 10_000),
  MAX_RULES: count(1, 1_000_000, 10_000),
  MAX_CHANNELS: count(1, 100_000, 1_000),
  // Addresses workflow steps (redirects included) and notification deliveries may not connect to
  // (`none`: no range); by default cloud metadata endpoints and link-local networks.
  TARGET_DENYLIST: cidrList(DEFAULT_TARGET_DENYLIST),
  // When set, the only addresses they may connect to.
  TARGET_ALLOWLIST: optionalCidrList,
  // Raw executions (and delivered notifications) older than this are deleted; rollups and resolved alerts after the second.
  RETENTION_RAW: durationMs({ min: 3_600_000, max: 3650 * 86_400_000 }).default(30 * 86_400_000),
  RETENTION_ROLLUPS: durationMs({ min: 86_400_000, max: 3650 * 86_400_000 }).default(400 * 86_400_000),
  RETENTION_INTERVAL: durationMs({ min: 1_000, max: 86_400_000 }).default(3_600_000),
  // Where this replica runs checks from; a workflow listing locations runs each slot once in each.
  LOCATION: optionalString.refine((v) => v === undefined || LOCATION_NAME.test(v), { message: `must be ${LOCATION_NAME_RULE}` }).transform((v) => v ?? DEFAULT_LOCATION),
  // Each replica refreshes its heartbeat row this often; one not seen for the expiry is gone (GET /api/v1/locations, /health).
  REPLICA_HEARTBEAT_INTERVAL: durationMs({ min: 500, max: 300_000 }).default(5_000),
  REPLICA_HEARTBEAT_EXPIRY: durationMs({ min: 1_000, max: 3_600_000 }).default(30_000),
  // A pending slot is recorded missed once a newer slot of the same workflow (and location) has been due this long (anti-burst).
  SCHEDULER_SUPERSEDED: durationMs({ min: 1_000, max: 86_400_000 }).default(5_000),
  // Set: every notification links to its alert and workflow in the app (`${GRAFANA_URL}/a/<app id>/alerts/<id>`).
  GRAFANA_URL: grafanaUrl,
  // Workflow label names (e.g. `env,team`) added to the execution series of /metrics; a workflow without one gets "".
  METRICS_LABELS: metricsLabels,
  // Report schedules are checked this often (on replicas with ALERTING on); a due report waits at most this long.
  REPORT_SCHEDULE_INTERVAL: durationMs({ min: 100, max: 3_600_000 }).default(30_000),
  // A PEM file of CA certificates HTTPS steps trust in addition to Node's built-in roots.
  STEP_TLS_CA_FILE: caFile,
});

export type Env = z.output<typeof envSchema>;

export interface Config extends Env {
  dataDir: string;
  /** True when we start our own PostgreSQL. */
  embeddedDatabase: boolean;
  /** True when demo workflows and the demo service should run. */
  demo: boolean;
}

/**
 * Reads and validates the environment. A wrong value throws a ConfigError that names each
 * variable, its value and what is allowed, so the process can stop with one clear message.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const value = env[name];
      // A URL with credentials in it (user:password@) is not echoed either.
      const shown = /TOKEN|PASSWORD|SECRET/.test(name) || /\/\/[^/?#]*@/.test(value ?? '') ? '(hidden)' : JSON.stringify(value);
      return `  ${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  const parsed = result.data;
  if (parsed.REPLICA_HEARTBEAT_EXPIRY < 2 * parsed.REPLICA_HEARTBEAT_INTERVAL) {
    // One late heartbeat must not make a live replica look gone.
    throw new ConfigError(
      `Invalid environment configuration:\n  REPLICA_HEARTBEAT_EXPIRY=${JSON.stringify(env.REPLICA_HEARTBEAT_EXPIRY ?? '30s')}: must be at least twice REPLICA_HEARTBEAT_INTERVAL (${JSON.stringify(env.REPLICA_HEARTBEAT_INTERVAL ?? '5s')})`
    );
  }
  return {
    ...parsed,
    dataDir: path.resolve(cwd, parsed.DATA_DIR),
    embeddedDatabase: parsed.DATABASE_URL === undefined,
    demo: parsed.DEMO === 'on' || (parsed.DEMO === 'auto' && parsed.WORKFLOWS_DIR === undefined),
  };
}
