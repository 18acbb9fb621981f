import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/errors';
import { parseCidrList, type CidrList } from '../net/cidrList';
import { DEFAULT_TARGET_DENYLIST } from '../net/egressGuard';
import { durationMs } from '../schema/duration';

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

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be an integer')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(fallback);

const count = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`)
    .default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

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

/** Every environment variable the sidecar reads, with its default. README's table mirrors this. */
export const envSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// connection URL',
  }),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_PG_PORT: port(0),
  PORT: port(8080),
  HOST: z.string().default('127.0.0.1'),
  SIDECAR_API_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  SIDECAR_READONLY_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  WORKFLOWS_DIR: optionalString,
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` }).default('auto'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024, 'must be at least 1024').max(50 * 1024 * 1024, 'must be at most 52428800').default(1024 * 1024),
  SHUTDOWN_TIMEOUT: durationMs({ min: 100, max: 120_000 }).default(10_000),
  DEMO: z.enum(['auto', 'on', 'off'], { message: 'must be one of auto, on, off' }).default('auto'),
  DEMO_PORT: port(4010),
  SCHEDULER: boolean(true),
  SCHEDULER_POLL_INTERVAL: durationMs({ min: 10, max: 60_000 }).default(250),
  // POST /api/v1/dry-runs in flight at once on this replica; one more is a 429.
  DRY_RUN_CONCURRENCY: count(1, 100, 4),
  SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000').default(50),
  SCHEDULER_LEASE: durationMs({ min: 1000, max: 3_600_000 }).default(60_000),
  // A pending slot older than this is recorded as missed instead of run late (downtime, overload).
  SCHEDULER_MISFIRE: durationMs({ min: 1000, max: 86_400_000 }).default(30_000),
  // How far ahead slots are planned into scheduled_runs, so workers can wake exactly when one is due.
  SCHEDULER_HORIZON: durationMs({ min: 1000, max: 3_600_000 }).default(10_000),
  WORKER_ID: optionalString,
  PG_POOL_MAX: z.coerce.number().int().min(2, 'must be between 2 and 200').max(200, 'must be between 2 and 200').default(20),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  ALERTING: boolean(true),
  // Window rules and workflows that stopped reporting are judged this often (executions are judged as they arrive).
  ALERT_EVAL_INTERVAL: durationMs({ min: 1000, max: 3_600_000 }).default(15_000),
  // Escalation tiers, reminders and acknowledgement timeouts are checked this often.
  ALERT_TICK_INTERVAL: durationMs({ min: 100, max: 60_000 }).default(1_000),
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1, 'must be between 1 and 200').max(200, 'must be between 1 and 200').default(10),
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
  // Report schedules are checked this often (on replicas with ALERTING on); a due report waits at most this long.
  REPORT_SCHEDULE_INTERVAL: durationMs({ min: 100, max: 3_600_000 }).default(30_000),
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
      const shown = /TOKEN|PASSWORD|SECRET/.test(name) ? '(hidden)' : JSON.stringify(value);
      return `  ${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  const parsed = result.data;
  return {
    ...parsed,
    dataDir: path.resolve(cwd, parsed.DATA_DIR),
    embeddedDatabase: parsed.DATABASE_URL === undefined,
    demo: parsed.DEMO === 'on' || (parsed.DEMO === 'auto' && parsed.WORKFLOWS_DIR === undefined),
  };
}
