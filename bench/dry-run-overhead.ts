/**
 * What a dry run adds to the executor's own run of a workflow, side by side with what the scheduler
 * path adds to the same workflow run by it (issue 17; goal: a dry run adds ≤ 5 ms).
 *
 * One in-process sidecar (real PostgreSQL, scheduler on, every feature) and one loopback target; the
 * workflow is two steps (POST /login extracting a token, then GET /me with `Bearer {{token}}`). Per
 * sample, alternating:
 *   - dry run:        POST /api/v1/dry-runs sent → answer parsed, minus the executor time the answer
 *                     reports (`durationMs`): request, validation, shaping and the JSON round trip;
 *   - scheduler:      the same workflow stored, POST /api/v1/workflows/{id}/run, then
 *       claim → stored: `scheduled_runs.finished_at − claimed_at` (PostgreSQL's clock; `finished_at` is
 *                       set by the statement that writes the execution) minus the execution's
 *                       `duration_ms`: what the scheduler adds after it has the run;
 *       end to end:     POST …/run sent → the execution row visible to a reader (polled every 1 ms)
 *                       minus `duration_ms`: what "Run now, then look at it" adds.
 * For reference, the same body with one invalid field (400: the HTTP round trip and the whole
 * validation, nothing run) shows how much of a dry run's added time is the API call itself.
 * The executor alone (runWorkflow in this process, same definition and target) is measured too, as
 * the reference for the durations the other two report, and the CPU time of this process per dry run
 * and per bare executor run: on a loaded machine wall-clock overheads are mostly waiting for a core,
 * while the CPU a dry run adds is what it costs on an idle one. Executor durations are whole milliseconds
 * (as stored), so each per-sample overhead carries ±0.5 ms of rounding; medians are not biased by it.
 * Usage (repository root): npx tsx bench/dry-run-overhead.ts [--samples 300] [--warmup 30]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FEATURES } from '../backend-sidecar/src/app/features/index';
import { startSidecar } from '../backend-sidecar/src/app/sidecar';
import { loadConfig } from '../backend-sidecar/src/config/env';
import { StepHttpClient } from '../backend-sidecar/src/executor/httpRequest';
import { runWorkflow } from '../backend-sidecar/src/executor/runWorkflow';
import { EgressGuard } from '../backend-sidecar/src/net/egressGuard';
import { BreakerRegistry } from '../backend-sidecar/src/retry/breakerRegistry';
import { parseWorkflowDefinition } from '../backend-sidecar/src/model/workflowDefinition';
import { arg, percentile, silent, startBenchDatabase } from './support/benchDatabase';

const SAMPLES = arg('samples', 300);
const WARMUP = arg('warmup', 30);
const TOKEN = 'bench-token-0123456789abcdef';
const WORKFLOW_ID = 'dry-run-bench';

async function startTarget(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/login' ? '{"token":"bench-token-value-0123456789"}' : '{"user":"demo"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function summary(values: number[]): string {
  return `${percentile(values, 50).toFixed(2).padStart(7)} ms  ${percentile(values, 95).toFixed(2).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const db = await startBenchDatabase({ poolMax: 4 });
  const target = await startTarget();
  // Runs only when asked: a cron slot on 1 January never falls inside the bench.
  const definition = {
    id: WORKFLOW_ID,
    name: 'Dry-run bench',
    schedule: { cron: '0 0 1 1 *' },
    retry: { maxAttempts: 1 },
    steps: [
      { name: 'login', request: { method: 'POST', url: `${target.url}/login`, json: { user: 'demo' } }, assert: ['status == 200', 'body.token exists'], extract: { token: 'body.token' } },
      { name: 'me', request: { url: `${target.url}/me`, headers: { Authorization: 'Bearer {{token}}' } }, assert: ['status == 200'] },
    ],
  };
  const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', SIDECAR_API_TOKEN: TOKEN, LOG_LEVEL: 'silent', DEMO: 'off', SCHEDULER: 'true' });
  const sidecar = await startSidecar({ config, log: silent, features: FEATURES });
  const post = async (path: string, json?: unknown) => {
    const response = await fetch(`${sidecar.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
    }
    return body;
  };
  await post('/api/v1/workflows', definition);

  const dryRun = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const body = (await post('/api/v1/dry-runs', definition)) as { status: string; durationMs: number };
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (body.status !== 'success') {
      throw new Error(`dry run ${body.status}`);
    }
    return { overhead: elapsed - body.durationMs, executor: body.durationMs, cpuMs: (used.user + used.system) / 1000 };
  };

  // The same body with one bad field: the HTTP round trip and the full validation, nothing run.
  const invalid = { ...definition, steps: [...definition.steps, { name: 'bad', request: { url: 'not a url' } }] };
  const refused = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const response = await fetch(`${sidecar.url}/api/v1/dry-runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(invalid),
    });
    await response.json();
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (response.status !== 400) {
      throw new Error(`invalid dry run: HTTP ${response.status}`);
    }
    return { elapsed, cpuMs: (used.user + used.system) / 1000 };
  };

  const scheduled = async () => {
    const started = performance.now();
    const { runId } = (await post(`/api/v1/workflows/${WORKFLOW_ID}/run`)) as { runId: number };
    for (;;) {
      const { rows } = await db.pool.query<{ duration_ms: number; status: string; claim_to_stored_ms: number }>(
        `SELECT e.duration_ms, e.status, extract(epoch FROM r.finished_at - r.claimed_at) * 1000 AS claim_to_stored_ms
           FROM scheduled_runs r JOIN executions e ON e.id = r.execution_id WHERE r.id = $1`,
        [runId]
      );
      const row = rows[0];
      if (row) {
        const elapsed = performance.now() - started;
        if (row.status !== 'success') {
          throw new Error(`scheduled run ${row.status}`);
        }
        return { endToEnd: elapsed - row.duration_ms, claimToStored: Number(row.claim_to_stored_ms) - row.duration_ms, executor: row.duration_ms };
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  const parsed = parseWorkflowDefinition(definition, { source: 'api' });
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  const client = new StepHttpClient(new EgressGuard(config.TARGET_DENYLIST, config.TARGET_ALLOWLIST));
  const executorAlone = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runWorkflow(parsed.definition, { trigger: 'manual', breakers: new BreakerRegistry(), send: client.send });
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (result.status !== 'success') {
      throw new Error(`executor ${result.status}`);
    }
    return { elapsed, cpuMs: (used.user + used.system) / 1000 };
  };

  for (let i = 0; i < WARMUP; i += 1) {
    await dryRun();
    await refused();
    await scheduled();
    await executorAlone();
  }
  const dry = { overhead: [] as number[], executor: [] as number[], cpuMs: [] as number[] };
  const sched = { endToEnd: [] as number[], claimToStored: [] as number[], executor: [] as number[] };
  const alone = { elapsed: [] as number[], cpuMs: [] as number[] };
  const rejected = { elapsed: [] as number[], cpuMs: [] as number[] };
  for (let i = 0; i < SAMPLES; i += 1) {
    const d = await dryRun();
    dry.overhead.push(d.overhead);
    dry.executor.push(d.executor);
    dry.cpuMs.push(d.cpuMs);
    const r = await refused();
    rejected.elapsed.push(r.elapsed);
    rejected.cpuMs.push(r.cpuMs);
    const s = await scheduled();
    sched.endToEnd.push(s.endToEnd);
    sched.claimToStored.push(s.claimToStored);
    sched.executor.push(s.executor);
    const a = await executorAlone();
    alone.elapsed.push(a.elapsed);
    alone.cpuMs.push(a.cpuMs);
  }
  await client.close();
  await sidecar.stop();
  await target.close();
  await db.close();

  console.log(`two-step workflow (POST + extraction, GET with the token) to a loopback target; ${SAMPLES} samples of each, alternating, after ${WARMUP} warm-up rounds`);
  console.log('                                                              median      p95');
  console.log(`executor alone (runWorkflow in process)                     ${summary(alone.elapsed)}`);
  console.log(`executor time reported by the dry runs (durationMs)         ${summary(dry.executor)}`);
  console.log(`executor time of the scheduled runs (duration_ms)           ${summary(sched.executor)}`);
  console.log(`ADDED by a dry run: POST /dry-runs → answer, − durationMs    ${summary(dry.overhead)}`);
  console.log(`  reference: the same body refused (400), nothing run      ${summary(rejected.elapsed)}`);
  console.log(`added by the scheduler: claim → stored, − duration_ms       ${summary(sched.claimToStored)}`);
  console.log(`added by Run now: POST …/run → row visible, − duration_ms   ${summary(sched.endToEnd)}`);
  console.log('CPU time of this process (sidecar, its HTTP client and the target all run in it):');
  console.log(`  executor alone                                            ${summary(alone.cpuMs)}`);
  console.log(`  dry run, POST sent → answer parsed                        ${summary(dry.cpuMs)}`);
  console.log(`  the same body refused (400): HTTP + validation            ${summary(rejected.cpuMs)}`);
  console.log(`  → CPU a dry run adds (difference of the medians)          ${(percentile(dry.cpuMs, 50) - percentile(alone.cpuMs, 50)).toFixed(2).padStart(7)} ms`);
  console.log(`goal: a dry run adds ≤ 5 ms → median ${percentile(dry.overhead, 50) <= 5 ? 'met' : 'NOT met'}, p95 ${percentile(dry.overhead, 95) <= 5 ? 'met' : 'NOT met'}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
