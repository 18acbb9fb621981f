/**
 * What the egress guard (TARGET_DENYLIST / TARGET_ALLOWLIST) costs a step's HTTP request: the same
 * requests through an unguarded undici agent (what steps used before) and through StepHttpClient with
 * the default denylist, interleaved rounds, CPU time per request (user + system of this process). Three
 * shapes: pooled keep-alive connections (the guard runs only when a connection is opened, so this
 * should not move), a new connection per request to an IP literal (one range check each), and a new
 * connection per request to `localhost` (DNS lookup plus a check per resolved address). Also the bare
 * check, in ns.
 * Usage (repository root): npx tsx bench/egress-guard.ts [--requests 4000] [--rounds 5] [--concurrency 10]
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { StepHttpClient, type HttpRequest } from '../backend-sidecar/src/executor/httpRequest';
import { EgressGuard } from '../backend-sidecar/src/net/egressGuard';
import { arg } from './support/benchDatabase';

const REQUESTS = arg('requests', 4000);
const ROUNDS = arg('rounds', 5);
const CONCURRENCY = arg('concurrency', 10);

type Send = (url: URL) => Promise<void>;

const REQUEST: HttpRequest = { method: 'GET', headers: {}, signal: new AbortController().signal, maxBodyBytes: 1024 * 1024 };
// One signal shared by every request of the run (no request is ever aborted here).
setMaxListeners(0, REQUEST.signal);

function unguarded(): { send: Send; close(): Promise<void> } {
  const agent = new Agent();
  const dispatcher: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 20 }));
  return {
    send: async (url) => {
      const response = await request(url, { method: 'GET', headers: { 'user-agent': 'workflow-monitor/0.1', accept: '*/*' }, signal: REQUEST.signal, dispatcher });
      await response.body.text();
    },
    close: () => agent.close(),
  };
}

function guarded(): { send: Send; close(): Promise<void> } {
  const client = new StepHttpClient(EgressGuard.defaults());
  return {
    send: async (url) => {
      await client.send(url, REQUEST);
    },
    close: () => client.close(),
  };
}

/** CPU µs per request for `count` requests, `CONCURRENCY` at a time. */
async function measure(send: Send, url: URL, count: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        await send(url);
      }
    })
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const server = http.createServer((req, res) => {
    const close = req.url?.startsWith('/close') ?? false;
    res.writeHead(200, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
    res.end('{"ok":true}');
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const shapes: Array<{ name: string; url: URL; count: number }> = [
    { name: 'pooled keep-alive connections, 127.0.0.1', url: new URL(`http://127.0.0.1:${port}/pooled`), count: REQUESTS },
    { name: 'a new connection per request, 127.0.0.1', url: new URL(`http://127.0.0.1:${port}/close`), count: Math.ceil(REQUESTS / 4) },
    { name: 'a new connection per request, localhost (DNS)', url: new URL(`http://localhost:${port}/close`), count: Math.ceil(REQUESTS / 4) },
  ];
  console.log(`${REQUESTS} requests per pooled round (a quarter for new-connection rounds), concurrency ${CONCURRENCY}, ${ROUNDS} rounds + 1 warm-up, interleaved`);
  for (const shape of shapes) {
    const results = { unguarded: [] as number[], guarded: [] as number[] };
    for (let round = 0; round <= ROUNDS; round += 1) {
      for (const [name, make] of [['unguarded', unguarded], ['guarded', guarded]] as const) {
        const client = make();
        const us = await measure(client.send, shape.url, shape.count);
        await client.close();
        if (round > 0) {
          results[name].push(us);
        }
      }
    }
    const a = median(results.unguarded);
    const b = median(results.guarded);
    console.log(`${shape.name}: unguarded ${a.toFixed(1)} µs CPU/request, guarded ${b.toFixed(1)} µs (${b >= a ? '+' : ''}${(b - a).toFixed(1)} µs, ${((b / a - 1) * 100).toFixed(1)} %)`);
  }
  const guard = EgressGuard.defaults();
  const checks = 200_000;
  for (const [name, addresses] of [
    ['allowed', ['93.184.216.34', '10.1.2.3', '2606:2800:220:1:248:1893:25c8:1946', '127.0.0.1']],
    ['refused (builds the error)', ['169.254.169.254', 'fd00:ec2::254']],
  ] as const) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < checks; i += 1) {
      guard.refusal(addresses[i % addresses.length]!);
    }
    console.log(`bare check against the 4 default ranges, ${name}: ${(Number(process.hrtime.bigint() - started) / checks).toFixed(0)} ns`);
  }
  server.close();
}

void main();
