import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BreakerRegistry } from './breakerRegistry';
import { HttpStatusError } from './errors';
import { resolveRetrySettings, retrySettingsSchema } from './retrySettings';
import { runWithRetry } from './runWithRetry';

let server: http.Server;
let base: string;
let script: Array<{ status: number; headers?: Record<string, string> }> = [];
let requests = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests += 1;
    const next = script.shift() ?? { status: 200 };
    res.writeHead(next.status, next.headers).end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  script = [];
  requests = 0;
});

async function call(url: string): Promise<number> {
  const response = await fetch(url);
  await response.text();
  if (response.status >= 400) {
    throw new HttpStatusError(response.status, response.headers.get('retry-after') ?? undefined);
  }
  return response.status;
}

const settings = resolveRetrySettings({ maxAttempts: 3, initialDelay: 100 });

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('runWithRetry against a real HTTP server', () => {
  it('retries a 503 twice, then succeeds, recording three attempts, the first two transient', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 200 }];
    const { waits, sleep } = recordingSleep();
    const outcome = await runWithRetry(() => call(`${base}/a`), { settings, target: base, breakers: new BreakerRegistry(), sleep, statusOf: (s) => s });
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts.map((a) => a.errorType)).toEqual(['transient', 'transient', undefined]);
    expect(outcome.attempts.map((a) => a.delayMs)).toEqual([0, waits[0], waits[1]]);
    expect(outcome.attempts[2]!.httpStatus).toBe(200);
  });

  it('does not retry a 404 (permanent)', async () => {
    script = [{ status: 404 }];
    const outcome = await runWithRetry(() => call(`${base}/b`), { settings, target: base, breakers: new BreakerRegistry(), sleep: recordingSleep().sleep });
    expect(outcome).toMatchObject({ ok: false, errorType: 'permanent', httpStatus: 404 });
    expect(outcome.attempts).toHaveLength(1);
  });

  it('waits Retry-After on a 429 before the next attempt (rate_limit)', async () => {
    script = [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200 }];
    const started = Date.now();
    const outcome = await runWithRetry(() => call(`${base}/c`), { settings, target: base, breakers: new BreakerRegistry() });
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts[0]!.errorType).toBe('rate_limit');
    expect(outcome.attempts[1]!.delayMs).toBeGreaterThanOrEqual(1000);
    expect(outcome.attempts[1]!.startedAt.getTime() - started).toBeGreaterThanOrEqual(1000);
  });

  it('classifies a closed port as network', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const outcome = await runWithRetry(() => call(url), { settings: resolveRetrySettings({ maxAttempts: 2, initialDelay: 100 }), target: url, breakers: new BreakerRegistry(), sleep: recordingSleep().sleep });
    expect(outcome.errorType).toBe('network');
    expect(outcome.attempts.map((a) => a.errorType)).toEqual(['network', 'network']);
  });
});

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures, fails fast without a request, and a half-open trial decides', async () => {
    let clock = 1_000_000;
    const breakers = new BreakerRegistry(() => clock);
    const tight = resolveRetrySettings(retrySettingsSchema.parse({ maxAttempts: 1, breaker: { threshold: 3, resetAfter: '10s' } }));
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    for (let i = 0; i < 3; i += 1) {
      expect((await runWithRetry(() => call(`${base}/d`), { settings: tight, target: base, breakers, now: () => clock })).errorType).toBe('transient');
    }
    expect(requests).toBe(3);
    const fast = await runWithRetry(() => call(`${base}/d`), { settings: tight, target: base, breakers, now: () => clock });
    expect(fast.errorType).toBe('circuit_open');
    expect(requests).toBe(3);
    // After the reset time one trial goes out; it fails → open again.
    clock += 10_000;
    script = [{ status: 503 }];
    expect((await runWithRetry(() => call(`${base}/d`), { settings: tight, target: base, breakers, now: () => clock })).errorType).toBe('transient');
    expect(requests).toBe(4);
    expect((await runWithRetry(() => call(`${base}/d`), { settings: tight, target: base, breakers, now: () => clock })).errorType).toBe('circuit_open');
    // Next trial succeeds → closed.
    clock += 10_000;
    expect((await runWithRetry(() => call(`${base}/d`), { settings: tight, target: base, breakers, now: () => clock })).ok).toBe(true);
    expect(breakers.states()).toEqual([{ target: base, state: 'closed' }]);
  });

  it('is not opened by permanent errors', async () => {
    const breakers = new BreakerRegistry();
    const tight = resolveRetrySettings({ maxAttempts: 1, breaker: { threshold: 2 } });
    script = [{ status: 404 }, { status: 404 }, { status: 404 }];
    for (let i = 0; i < 3; i += 1) {
      await runWithRetry(() => call(`${base}/e`), { settings: tight, target: base, breakers });
    }
    expect(requests).toBe(3);
    expect(breakers.states()[0]!.state).toBe('closed');
  });
});

describe('settings and the retry policy', () => {
  it('rejects out-of-range settings naming the field and the range', () => {
    const result = retrySettingsSchema.safeParse({ maxAttempts: 11, initialDelay: '20s', multiplier: 1, jitter: 0.9 });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error!.issues);
    expect(text).toContain('maxAttempts must be between 1 and 10');
    expect(text).toContain('above the maximum 10s');
    expect(text).toContain('multiplier must be between 1.5 and 10');
    expect(text).toContain('jitter must be between 0 and 0.5');
  });

  it('applies strategy defaults under explicit numbers', () => {
    expect(resolveRetrySettings({ strategy: 'fast' })).toMatchObject({ maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 1000 });
    expect(resolveRetrySettings({ strategy: 'aggressive', maxAttempts: 7 })).toMatchObject({ maxAttempts: 7, initialDelayMs: 500 });
    expect(resolveRetrySettings(undefined)).toMatchObject({ maxAttempts: 3, breakerThreshold: 5, breakerResetMs: 60_000 });
  });

  it('retries unknown errors cautiously (two attempts at most)', async () => {
    let calls = 0;
    const outcome = await runWithRetry(async () => {
      calls += 1;
      throw new Error('weird');
    }, { settings: resolveRetrySettings({ maxAttempts: 5 }), target: 'x', breakers: new BreakerRegistry(), sleep: async () => undefined });
    expect(outcome.errorType).toBe('unknown');
    expect(calls).toBe(2);
  });
});
