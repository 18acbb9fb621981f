import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runWorkflow } from '../../src/executor/runWorkflow';
import { BreakerRegistry } from '../../src/retry/breakerRegistry';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../../src/model/workflowDefinition';

/**
 * Targets that misbehave: one that never answers, one that streams a body forever, one that
 * answers 200 with broken JSON. Each execution ends within its timeout with the right error type,
 * and running many of them keeps memory bounded (the endless body is cut at the body limit).
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);
jest.setTimeout(180_000);

let server: http.Server;
let base: string;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/hang')) {
      return; // never answers
    }
    if (req.url?.startsWith('/endless')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (res.write(chunk)) {
          // keep the socket buffer full
        }
      };
      res.on('drain', pump);
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok": tru');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) {
    s.destroy();
  }
  await new Promise((resolve) => server.close(resolve));
});

function workflow(path: string): WorkflowDefinition {
  const parsed = parseWorkflowDefinition(
    { id: `hostile${path.replace(/\W/g, '-')}`, name: path, schedule: { every: '1m' }, timeout: '60s', retry: { maxAttempts: 1 }, steps: [{ name: 'call', request: { url: `${base}${path}`, timeout: '500ms' }, assert: ['status == 200', 'body.ok == true'] }] },
    { source: 'api' }
  );
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  return parsed.definition;
}

describe('hostile workflow targets', () => {
  it.each([
    ['/hang', 'timeout'],
    ['/endless', 'permanent'],
    ['/badjson', 'assertion'],
  ])('%s ends as %s within its timeout', async (path, errorType) => {
    const started = Date.now();
    const result = await runWorkflow(workflow(path), { trigger: 'manual', breakers: new BreakerRegistry() });
    expect(result.status).toBe('failed');
    expect(result.errorType).toBe(errorType);
    // The step timeout (500 ms), not the workflow's (60 s), ends a hanging request: far apart, so a
    // loaded machine cannot blur the two.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it(`${RUNS} rounds of all three keep memory bounded`, async () => {
    const definitions = ['/hang', '/endless', '/badjson'].map(workflow);
    const breakers = new BreakerRegistry();
    // Warm up, then measure: the endless body is cut at the 1 MiB limit, so each run holds at most that.
    await Promise.all(definitions.map((d) => runWorkflow(d, { trigger: 'manual', breakers: new BreakerRegistry() })));
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    for (let i = 0; i < RUNS; i += 1) {
      const results = await Promise.all(definitions.map((d) => runWorkflow(d, { trigger: 'manual', breakers })));
      expect(results.every((r) => r.status === 'failed')).toBe(true);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    // Unbounded buffering of the endless body would grow by tens of MiB per round.
    expect((peak - before) / 1024 / 1024).toBeLessThan(100);
  });
});
