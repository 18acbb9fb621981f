import path from 'node:path';
import { ConfigError } from '../errors/errors';
import { envSchema, loadConfig } from './env';

/**
 * Every environment variable at its smallest, largest and malformed values. Each variable of `envSchema` must appear in
 * exactly one table below, so a new variable cannot arrive without its bounds being exercised.
 */

const BASE = { DATABASE_URL: 'postgres://localhost/x' };

/** Variables checked against another: each is tested with its partner at the partner's most lenient value. */
const PARTNERS: Record<string, Record<string, string>> = {
  REPLICA_HEARTBEAT_INTERVAL: { REPLICA_HEARTBEAT_EXPIRY: '3600000ms' },
  REPLICA_HEARTBEAT_EXPIRY: { REPLICA_HEARTBEAT_INTERVAL: '500ms' },
};

function accepted(name: string, value: string): unknown {
  return (loadConfig({ ...BASE, ...PARTNERS[name], [name]: value }) as unknown as Record<string, unknown>)[name];
}

function refusal(name: string, value: string): string {
  try {
    loadConfig({ ...BASE, ...PARTNERS[name], [name]: value });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${name}=${JSON.stringify(value)} was accepted`);
}

const MALFORMED = ['not a value', '-1', '1.5', '1e999', 'NaN', '0x10', '∞'];

/** Whole numbers: [min, max]. */
const COUNTS: Record<string, [number, number]> = {
  DRY_RUN_CONCURRENCY: [1, 100],
  SCHEDULER_CONCURRENCY: [1, 1000],
  PG_POOL_MAX: [2, 200],
  NOTIFY_CONCURRENCY: [1, 200],
  BREAKER_MAX_HOSTS: [1, 1_000_000],
  MAX_WORKFLOWS: [1, 1_000_000],
  MAX_RULES: [1, 1_000_000],
  MAX_CHANNELS: [1, 100_000],
  BODY_LIMIT_BYTES: [1024, 50 * 1024 * 1024],
};

const PORTS = ['PORT', 'EMBEDDED_PG_PORT', 'DEMO_PORT'];

/** Durations: [min ms, max ms]. */
const DURATIONS: Record<string, [number, number]> = {
  SHUTDOWN_TIMEOUT: [100, 120_000],
  SCHEDULER_POLL_INTERVAL: [10, 60_000],
  SCHEDULER_LEASE: [1000, 3_600_000],
  SCHEDULER_MISFIRE: [1000, 86_400_000],
  SCHEDULER_HORIZON: [1000, 3_600_000],
  ALERT_EVAL_INTERVAL: [1000, 3_600_000],
  ALERT_TICK_INTERVAL: [100, 60_000],
  NOTIFY_POLL_INTERVAL: [50, 60_000],
  NOTIFY_TIMEOUT: [500, 120_000],
  NOTIFY_RETRY_INITIAL: [100, 60_000],
  NOTIFY_RETRY_MAX: [1000, 3_600_000],
  NOTIFY_GIVE_UP: [60_000, 30 * 86_400_000],
  RETENTION_RAW: [3_600_000, 3650 * 86_400_000],
  RETENTION_ROLLUPS: [86_400_000, 3650 * 86_400_000],
  RETENTION_INTERVAL: [1000, 86_400_000],
  REPORT_SCHEDULE_INTERVAL: [100, 3_600_000],
  REPLICA_HEARTBEAT_INTERVAL: [500, 300_000],
  REPLICA_HEARTBEAT_EXPIRY: [1000, 3_600_000],
  SCHEDULER_SUPERSEDED: [1000, 86_400_000],
};

const BOOLEANS = ['SCHEDULER', 'ALERTING'];
const ENUMS: Record<string, string[]> = {
  LOG_LEVEL: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
  LOG_FORMAT: ['auto', 'json', 'pretty'],
  DEMO: ['auto', 'on', 'off'],
};

/** Secrets: at least 16 characters, and the refusal never repeats the value. */
const TOKENS = ['SIDECAR_API_TOKEN', 'SIDECAR_READONLY_TOKEN', 'METRICS_TOKEN'];

/** Other text values: [a good value, bad values]. */
const TEXTS: Record<string, [string, string[]]> = {
  DATABASE_URL: ['postgresql://u:p@db:5432/wm', ['mysql://db/x', 'db:5432', 'not a url']],
  DATA_DIR: ['/var/lib/workflow-monitor', ['', 'a\0b']],
  HOST: ['0.0.0.0', ['not a host!', 'host name', '-bad.example', `${'a'.repeat(64)}.example`]],
  WORKER_ID: ['replica-1', ['has space', 'x'.repeat(129), 'tab\there']],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['http://127.0.0.1:4318', ['127.0.0.1:4318', 'ftp://collector', 'not a url']],
  WORKFLOWS_DIR: ['./workflows', []],
  TARGET_DENYLIST: ['none', ['10.0.0.0/33', 'not-a-range', '10.0.0.0/8,,x']],
  TARGET_ALLOWLIST: ['127.0.0.0/8', ['300.1.1.1', 'none']],
  GRAFANA_URL: ['https://ops.example.com/grafana/', ['ops.example.com', 'ftp://grafana', 'https://user:pw@grafana.example', 'https://g.example/?q=1']],
  METRICS_LABELS: ['env,team', ['a,b,c,d,e,f', '__name', 'workflow', 'location', 'env,env', '1abc', 'has-dash']],
  LOCATION: ['eu-west', ['EU', '-eu', 'eu west', `e${'u'.repeat(63)}`]],
  // A certificate file; a missing file, a file without a certificate (a key) and one with a broken certificate.
  STEP_TLS_CA_FILE: [
    path.resolve(__dirname, '../../test/support/tls/self-signed.crt'),
    [
      path.resolve(__dirname, '../../test/support/tls/missing.crt'),
      path.resolve(__dirname, '../../test/support/tls/self-signed.key'),
      path.resolve(__dirname, '../../test/support/tls/broken.crt'),
    ],
  ],
};

const TABLES = [Object.keys(COUNTS), PORTS, Object.keys(DURATIONS), BOOLEANS, Object.keys(ENUMS), TOKENS, Object.keys(TEXTS)];

describe('environment variables', () => {
  it('every variable the sidecar reads is in exactly one table of this test', () => {
    const listed = TABLES.flat();
    expect([...listed].sort()).toEqual(Object.keys(envSchema.shape).sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  describe.each(Object.entries(COUNTS))('%s', (name, [min, max]) => {
    it(`accepts ${min} and ${max}, refuses one past either end and malformed numbers, naming the variable`, () => {
      expect(accepted(name, String(min))).toBe(min);
      expect(accepted(name, String(max))).toBe(max);
      for (const bad of [String(min - 1), String(max + 1), ...MALFORMED]) {
        const message = refusal(name, bad);
        expect(message).toContain(`${name}=${JSON.stringify(bad)}`);
      }
    });
  });

  it('REPLICA_HEARTBEAT_EXPIRY must be at least twice REPLICA_HEARTBEAT_INTERVAL, and the message names both', () => {
    expect(() => loadConfig({ ...BASE, REPLICA_HEARTBEAT_INTERVAL: '10s', REPLICA_HEARTBEAT_EXPIRY: '19s' })).toThrow(/REPLICA_HEARTBEAT_EXPIRY="19s": must be at least twice REPLICA_HEARTBEAT_INTERVAL \("10s"\)/);
    expect(loadConfig({ ...BASE, REPLICA_HEARTBEAT_INTERVAL: '10s', REPLICA_HEARTBEAT_EXPIRY: '20s' }).REPLICA_HEARTBEAT_EXPIRY).toBe(20_000);
  });

  describe.each(PORTS)('%s', (name) => {
    it('accepts 0 and 65535, refuses 65536 and malformed numbers', () => {
      expect(accepted(name, '0')).toBe(0);
      expect(accepted(name, '65535')).toBe(65535);
      for (const bad of ['65536', ...MALFORMED]) {
        expect(refusal(name, bad)).toContain(name);
      }
    });
  });

  describe.each(Object.entries(DURATIONS))('%s', (name, [min, max]) => {
    it('accepts its minimum and maximum in milliseconds, refuses one past either end, missing units and nonsense', () => {
      expect(accepted(name, `${min}ms`)).toBe(min);
      expect(accepted(name, `${max}ms`)).toBe(max);
      expect(refusal(name, `${min - 1}ms`)).toMatch(/below the minimum/);
      expect(refusal(name, `${max + 1}ms`)).toMatch(/above the maximum/);
      for (const bad of ['5 parsecs', '-5s', '1e999s', 'soon']) {
        expect(refusal(name, bad)).toContain(`${name}=${JSON.stringify(bad)}`);
      }
    });
  });

  describe.each(BOOLEANS)('%s', (name) => {
    it('reads true/false words and refuses anything else', () => {
      expect(accepted(name, 'YES')).toBe(true);
      expect(accepted(name, '0')).toBe(false);
      expect(refusal(name, 'maybe')).toContain(`${name}="maybe"`);
    });
  });

  describe.each(Object.entries(ENUMS))('%s', (name, values) => {
    it('accepts each allowed word and lists them when refusing another', () => {
      for (const value of values) {
        expect(accepted(name, value)).toBe(value);
      }
      expect(refusal(name, 'loud')).toContain(values.join(', '));
    });
  });

  describe.each(TOKENS)('%s', (name) => {
    it('needs 16 characters and never prints the value it refuses', () => {
      expect(accepted(name, 'x'.repeat(16))).toBe('x'.repeat(16));
      const message = refusal(name, 'x'.repeat(15));
      expect(message.length).toBeGreaterThan(0);
      const shortOne = refusal(name, 'hunter2');
      expect(shortOne).toContain(`${name}=(hidden)`);
      expect(shortOne).not.toContain('hunter2');
    });
  });

  describe.each(Object.entries(TEXTS))('%s', (name, [good, bads]) => {
    it('accepts a sensible value and refuses malformed ones, naming the variable', () => {
      expect(() => loadConfig({ ...BASE, [name]: good })).not.toThrow();
      for (const bad of bads) {
        expect(refusal(name, bad)).toContain(name);
      }
    });
  });
});
