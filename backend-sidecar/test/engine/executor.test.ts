import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { runWorkflow } from '../../src/executor/runWorkflow';
import { BreakerRegistry } from '../../src/retry/breakerRegistry';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../../src/model/workflowDefinition';
import { loadWorkflowDirectory } from '../../src/workflows/loadWorkflowFiles';

type Reply = { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number };
let server: http.Server;
let base: string;
const scripts = new Map<string, Reply[]>();
const seen: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0]!;
    seen.push({ path: p, headers: req.headers });
    const reply = scripts.get(p)?.shift() ?? { status: 200, body: { ok: true } };
    const send = () => res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body ?? {}));
    if (reply.delayMs) {
      setTimeout(send, reply.delayMs);
    } else {
      send();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));

function workflow(steps: unknown[], extra: Record<string, unknown> = {}): WorkflowDefinition {
  const parsed = parseWorkflowDefinition({ id: 'w', name: 'W', schedule: { every: '1m' }, steps, ...extra }, { source: 'api' });
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  return parsed.definition;
}

const instantSleep = { sleep: async () => undefined };

describe('executor: one step, each kind of outcome', () => {
  it('503, 503, 200 → degraded with three attempts, the first two transient', async () => {
    scripts.set('/a', [{ status: 503 }, { status: 503 }, { status: 200 }]);
    const result = await runWorkflow(workflow([{ name: 'a', request: { url: `${base}/a` } }], { retry: { maxAttempts: 3 } }), { trigger: 'manual', breakers: new BreakerRegistry(), ...instantSleep });
    expect(result.status).toBe('degraded');
    expect(result.steps[0]!.attempts.map((a) => [a.errorType, a.httpStatus])).toEqual([['transient', 503], ['transient', 503], [undefined, 200]]);
  });

  it('200 at once → success', async () => {
    const result = await runWorkflow(workflow([{ name: 'ok', request: { url: `${base}/ok` }, assert: ['status == 200'] }]), { trigger: 'manual', breakers: new BreakerRegistry() });
    expect(result.status).toBe('success');
    expect(result.steps[0]!.attempts).toHaveLength(1);
  });

  it('404 → failed after one attempt (permanent)', async () => {
    scripts.set('/missing', [{ status: 404 }]);
    const result = await runWorkflow(workflow([{ name: 'm', request: { url: `${base}/missing` } }]), { trigger: 'manual', breakers: new BreakerRegistry(), ...instantSleep });
    expect(result).toMatchObject({ status: 'failed', errorType: 'permanent' });
    expect(result.steps[0]!.attempts).toHaveLength(1);
  });

  it('429 with Retry-After: 1 → the next attempt starts no earlier than one second later (rate_limit)', async () => {
    scripts.set('/limited', [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200 }]);
    const result = await runWorkflow(workflow([{ name: 'l', request: { url: `${base}/limited` } }], { retry: { initialDelay: '100ms' } }), { trigger: 'manual', breakers: new BreakerRegistry() });
    const [first, second] = result.steps[0]!.attempts;
    expect(first!.errorType).toBe('rate_limit');
    expect(second!.startedAt.getTime() - first!.startedAt.getTime()).toBeGreaterThanOrEqual(1000);
    expect(second!.delayMs).toBeGreaterThanOrEqual(1000);
    expect(result.status).toBe('degraded');
  });

  it('a closed port → network', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const result = await runWorkflow(workflow([{ name: 'n', request: { url: `http://127.0.0.1:${port}/` } }], { retry: { maxAttempts: 2 } }), { trigger: 'manual', breakers: new BreakerRegistry(), ...instantSleep });
    expect(result).toMatchObject({ status: 'failed', errorType: 'network' });
  });

  it('a step over its timeout → timeout', async () => {
    scripts.set('/slow', [{ status: 200, delayMs: 1000 }]);
    const result = await runWorkflow(workflow([{ name: 's', request: { url: `${base}/slow`, timeout: '200ms' } }], { retry: { maxAttempts: 1 } }), { trigger: 'manual', breakers: new BreakerRegistry() });
    expect(result).toMatchObject({ status: 'failed', errorType: 'timeout' });
    expect(result.steps[0]!.durationMs).toBeLessThan(1000);
  });

  it('refuses a body over the limit and a hanging target ends within its timeout', async () => {
    scripts.set('/big', [{ status: 200, body: 'x'.repeat(5000) }]);
    const big = await runWorkflow(workflow([{ name: 'b', request: { url: `${base}/big` } }]), { trigger: 'manual', breakers: new BreakerRegistry(), maxBodyBytes: 1000 });
    expect(big).toMatchObject({ status: 'failed', errorType: 'permanent' });
    expect(big.errorMessage).toContain('exceeded 1000 bytes');
  });
});

describe('executor: breaker, variables, assertions', () => {
  it('opens the breaker after N failures; later steps to that host fail fast as circuit_open without reaching the server; a trial after the reset decides', async () => {
    let clock = 1_000_000;
    const breakers = new BreakerRegistry(() => clock);
    const def = workflow([{ name: 'x', request: { url: `${base}/down` } }], { retry: { maxAttempts: 1, breaker: { threshold: 3, resetAfter: '30s' } } });
    scripts.set('/down', Array.from({ length: 10 }, () => ({ status: 503 })));
    for (let i = 0; i < 3; i += 1) {
      expect((await runWorkflow(def, { trigger: 'schedule', breakers })).errorType).toBe('transient');
    }
    const before = seen.filter((s) => s.path === '/down').length;
    const fast = await runWorkflow(def, { trigger: 'schedule', breakers });
    expect(fast.errorType).toBe('circuit_open');
    expect(seen.filter((s) => s.path === '/down').length).toBe(before);
    clock += 30_000;
    scripts.set('/down', [{ status: 200 }]);
    expect((await runWorkflow(def, { trigger: 'schedule', breakers })).status).toBe('success');
    expect(breakers.states()[0]!.state).toBe('closed');
  });

  it('passes a token extracted in step 1 into step 2\'s header', async () => {
    scripts.set('/login', [{ status: 200, body: { token: 'tok-123' } }]);
    const result = await runWorkflow(
      workflow([
        { name: 'login', request: { method: 'POST', url: `${base}/login`, json: { user: 'demo' } }, assert: ['body.token exists'], extract: { token: 'body.token' } },
        { name: 'cart', request: { url: `${base}/cart`, headers: { Authorization: 'Bearer {{token}}' } }, assert: ['status == 200'] },
      ]),
      { trigger: 'manual', breakers: new BreakerRegistry() }
    );
    expect(result.status).toBe('success');
    expect(seen.filter((s) => s.path === '/cart').at(-1)!.headers.authorization).toBe('Bearer tok-123');
    expect(result.steps[0]!.extracted).toEqual({ token: 'tok-123' });
  });

  it('names a failing assertion with expected and actual values, and skips the rest', async () => {
    scripts.set('/order', [{ status: 200, body: { status: 'pending', items: [1, 2] } }]);
    const result = await runWorkflow(
      workflow([
        { name: 'order', request: { url: `${base}/order` }, assert: ['status == 200', 'body.status == "paid"', 'body.items.length > 1'] },
        { name: 'after', request: { url: `${base}/after` } },
      ]),
      { trigger: 'manual', breakers: new BreakerRegistry() }
    );
    expect(result).toMatchObject({ status: 'failed', errorType: 'assertion' });
    const failed = result.steps[0]!.assertions.find((a) => !a.passed)!;
    expect(failed).toMatchObject({ assertion: 'body.status == "paid"', expected: 'paid', actual: 'pending' });
    expect(failed.message).toBe('assertion "body.status == "paid"" failed: expected body.status == "paid", got "pending"');
    expect(result.steps[1]!.status).toBe('skipped');
  });

  it('records an execution span with a child span per step and an event per attempt', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    scripts.set('/traced', [{ status: 503 }, { status: 200 }]);
    await runWorkflow(workflow([{ name: 'traced', request: { url: `${base}/traced` } }]), { trigger: 'manual', breakers: new BreakerRegistry(), tracer: provider.getTracer('test'), ...instantSleep });
    const spans = exporter.getFinishedSpans();
    const execution = spans.find((s) => s.name === 'workflow.execution')!;
    const step = spans.find((s) => s.name === 'workflow.step')!;
    expect(execution.attributes['workflow.status']).toBe('degraded');
    expect(step.parentSpanContext?.spanId ?? (step as unknown as { parentSpanId?: string }).parentSpanId).toBe(execution.spanContext().spanId);
    expect(step.events.filter((e) => e.name === 'attempt').map((e) => e.attributes?.['error.type'])).toEqual(['transient', undefined]);
  });
});

describe('workflow files', () => {
  it('reports bad YAML, an unknown field, retry out of range, a bad cron and a missing variable with file, path and reason; the good file still loads', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-defs-'));
    const good = `id: good\nname: Good\nschedule: { every: 30s }\nsteps:\n  - name: s\n    request: { url: "http://127.0.0.1:9/" }\n`;
    fs.writeFileSync(path.join(dir, 'a-good.yaml'), good);
    fs.writeFileSync(path.join(dir, 'b-yaml.yaml'), 'id: [unclosed\nname: x\n');
    fs.writeFileSync(path.join(dir, 'c-unknown.yaml'), good.replace('id: good', 'id: unknown').replace('name: Good', 'name: U\ncolour: blue'));
    fs.writeFileSync(path.join(dir, 'd-retry.yaml'), good.replace('id: good', 'id: retry') + 'retry: { maxAttempts: 50 }\n');
    fs.writeFileSync(path.join(dir, 'e-cron.yaml'), good.replace('id: good', 'id: cron').replace('{ every: 30s }', '{ cron: "61 * * * *" }'));
    fs.writeFileSync(path.join(dir, 'f-env.yaml'), good.replace('id: good', 'id: env').replace('http://127.0.0.1:9/', '${NOT_SET_ANYWHERE}/x'));
    const loaded = await loadWorkflowDirectory(dir, {});
    expect(loaded.workflows.map((w) => w.definition.id)).toEqual(['good']);
    const byFile = Object.fromEntries(loaded.errors.map((e) => [path.basename(e.file), e]));
    expect(byFile['b-yaml.yaml']).toMatchObject({ path: expect.stringMatching(/^line \d+, column \d+$/), message: expect.stringContaining('invalid YAML') });
    expect(byFile['c-unknown.yaml']!.message).toContain('colour');
    expect(byFile['d-retry.yaml']).toMatchObject({ path: 'retry.maxAttempts', message: 'maxAttempts must be between 1 and 10' });
    expect(byFile['e-cron.yaml']).toMatchObject({ path: 'schedule.cron' });
    expect(byFile['f-env.yaml']!.message).toContain('${NOT_SET_ANYWHERE}');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a bad assertion at load time with its path', () => {
    const parsed = parseWorkflowDefinition({ id: 'x', name: 'x', schedule: { every: '1m' }, steps: [{ name: 's', request: { url: 'http://h/' }, assert: ['status = 200'] }] }, { source: 'api' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors[0]).toMatchObject({ path: 'steps[0].assert[0]', message: expect.stringContaining('expected an operator') });
  });
});
