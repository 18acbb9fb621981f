/**
 * Full executions persisted per second, side by side on the same PostgreSQL, same concurrency:
 *  - ours: manual runs claimed by the scheduler (SKIP LOCKED), one HTTP step to a loopback target,
 *    execution + step + attempt rows written in one statement;
 *  - pg-boss: jobs fetched in batches of 50 (and fetched again at once when a batch was full — pg-boss
 *    11's `burstWhenBatchFull`, done here with `notifyWorker`, since pg-boss ≥ 11 needs Node 22); the
 *    handler makes the same HTTP call with the same client (undici's `request`, which our steps use)
 *    and inserts one history row;
 *  - graphile-worker: draining no-op jobs (its own best case), with its default pool (its best).
 * A first round for each is run and thrown away (JIT, PostgreSQL caches, undici's connections).
 * Usage (repository root): npx tsx bench/engine-throughput.ts [--jobs 5000] [--concurrency 50] [--rounds 3] [--workflows 50]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PgBoss from 'pg-boss';
import { request } from 'undici';
import { Logger as GraphileLogger, run as runGraphile, makeWorkerUtils } from 'graphile-worker';
import { BreakerRegistry } from '../backend-sidecar/src/retry/breakerRegistry';
import { runWorkflow } from '../backend-sidecar/src/executor/runWorkflow';
import { Scheduler } from '../backend-sidecar/src/scheduler/scheduler';
import { ExecutionBatcher } from '../backend-sidecar/src/store/recordExecutionBatch';
import { parseWorkflowDefinition } from '../backend-sidecar/src/model/workflowDefinition';
import { upsertWorkflow } from '../backend-sidecar/src/workflows/workflowStore';
import { arg, silent, startBenchDatabase, type BenchDatabase } from './support/benchDatabase';

const JOBS = arg('jobs', 5000);
const CONCURRENCY = arg('concurrency', 50);
const ROUNDS = arg('rounds', 3);
const WORKFLOWS = arg('workflows', 50);
/** Connections for ours (the sidecar's pool). */
const POOL = 30;
/** `--only ours` runs one side alone (for profiling); the ratio needs all three. */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

async function startTarget(): Promise<{ url: string; close(): Promise<void> }> {
  const agentless = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => agentless.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(agentless.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      agentless.closeAllConnections();
      agentless.close(() => resolve());
    }),
  };
}

async function waitForCount(db: BenchDatabase, sql: string, n: number): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query<{ n: number }>(sql);
    if (rows[0]!.n >= n) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function ours(db: BenchDatabase, targetUrl: string): Promise<number> {
  const raw = { id: 'bench', name: 'Bench', schedule: { every: '1h' }, retry: { maxAttempts: 1 }, steps: [{ name: 'call', request: { url: `${targetUrl}/ours` }, assert: ['status == 200'] }] };
  const parsed = parseWorkflowDefinition(raw, { source: 'api' });
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  await db.pool.query('TRUNCATE executions, scheduled_runs CASCADE');
  // Runs spread over WORKFLOWS workflows, as a schedule spreads them (one workflow cannot have 50
  // runs at once); each workflow's rollup row then sees its own writers only.
  for (let w = 0; w < WORKFLOWS; w += 1) {
    await upsertWorkflow(db.pool, { spec: { ...parsed.definition, id: `bench-${w}` }, definition: { ...raw, id: `bench-${w}` }, source: 'api' });
  }
  await db.pool.query(`INSERT INTO scheduled_runs (workflow_id, slot_at, kind) SELECT 'bench-' || (g % $2), now(), 'manual' FROM generate_series(1, $1) g`, [JOBS, WORKFLOWS]);
  const breakers = new BreakerRegistry();
  const batcher = new ExecutionBatcher(db.pool);
  let recorded = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const scheduler = new Scheduler({
    pool: db.pool,
    log: silent,
    workerId: 'bench',
    concurrency: CONCURRENCY,
    pollIntervalMs: 50,
    leaseMs: 60_000,
    misfireMs: 3_600_000,
    horizonMs: 10_000,
    execute: () => runWorkflow(parsed.definition, { trigger: 'manual', breakers }),
    record: async (run, result) => {
      await batcher.record(result, run.id, 'bench');
      recorded += 1;
      if (recorded === JOBS) {
        done();
      }
    },
  });
  scheduler.start();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await scheduler.stop();
  return JOBS / seconds;
}

async function pgBoss(db: BenchDatabase, targetUrl: string): Promise<number> {
  const boss = new PgBoss({ connectionString: db.url, max: 20 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('bench');
  await db.pool.query('CREATE TABLE IF NOT EXISTS pgboss_history (id bigserial PRIMARY KEY, job_id uuid, status int, at timestamptz DEFAULT now())');
  await db.pool.query('TRUNCATE pgboss_history');
  for (let i = 0; i < JOBS; i += 1000) {
    await boss.insert(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ name: 'bench', data: { i: i + k } })));
  }
  const started = performance.now();
  let workerId = '';
  workerId = await boss.work('bench', { batchSize: 50, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    await Promise.all(
      jobs.map(async (job) => {
        const response = await request(`${targetUrl}/pgboss`);
        await response.body.text();
        await db.pool.query('INSERT INTO pgboss_history (job_id, status) VALUES ($1, $2)', [job.id, response.statusCode]);
      })
    );
    if (jobs.length === 50) {
      boss.notifyWorker(workerId);
    }
  });
  await waitForCount(db, 'SELECT count(*)::int AS n FROM pgboss_history', JOBS);
  const seconds = (performance.now() - started) / 1000;
  await boss.stop({ graceful: false, wait: true });
  return JOBS / seconds;
}

async function graphile(db: BenchDatabase): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: db.url });
  await utils.migrate();
  await db.pool.query('DELETE FROM graphile_worker._private_jobs');
  await db.pool.query(`SELECT graphile_worker.add_job('noop', json_build_object('i', g)) FROM generate_series(1, $1) g`, [JOBS]);
  let completed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const runner = await runGraphile({
    connectionString: db.url,
    concurrency: CONCURRENCY,
    // Its default pool (10) is its best here: 2,365 jobs/s, against 2,261 with 5, 1,814 with 20
    // and 1,443 with 30 (3,000 jobs, concurrency 50) — more connections contend on its job table.
    noHandleSignals: true,
    pollInterval: 50,
    // Its default logger prints a line per job: silenced, as ours logs nothing per run.
    logger: new GraphileLogger(() => () => undefined),
    taskList: {
      noop: async () => {
        completed += 1;
        if (completed === JOBS) {
          done();
        }
      },
    },
  });
  await finished;
  await waitForCount(db, 'SELECT (SELECT count(*) FROM graphile_worker._private_jobs) = 0 AS n', 1).catch(() => undefined);
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  await utils.release();
  return JOBS / seconds;
}

async function main(): Promise<void> {
  const db = await startBenchDatabase({ poolMax: POOL });
  const target = await startTarget();
  const results: Record<string, number[]> = { ours: [], pgboss: [], graphile: [] };
  try {
    for (let round = 0; round <= ROUNDS; round += 1) {
      results.ours!.push(!ONLY || ONLY === 'ours' ? await ours(db, target.url) : NaN);
      results.pgboss!.push(!ONLY || ONLY === 'pgboss' ? await pgBoss(db, target.url) : NaN);
      results.graphile!.push(!ONLY || ONLY === 'graphile' ? await graphile(db) : NaN);
      if (round === 0) {
        Object.values(results).forEach((r) => r.pop());
        console.log('warm-up round done (not counted)');
        continue;
      }
      console.log(`round ${round}: ours ${results.ours!.at(-1)!.toFixed(0)}/s, pg-boss ${results.pgboss!.at(-1)!.toFixed(0)}/s, graphile-worker (no-op) ${results.graphile!.at(-1)!.toFixed(0)}/s`);
    }
  } finally {
    await target.close();
    await db.close();
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const o = median(results.ours!);
  const p = median(results.pgboss!);
  const g = median(results.graphile!);
  console.log(`\n${JOBS} jobs, concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds (executions or jobs per second):`);
  console.log(`  workflow-monitor (HTTP step + execution/step/attempt rows) ${o.toFixed(0)}/s`);
  console.log(`  pg-boss 10 (batch 50 + burst; HTTP call + history row)      ${p.toFixed(0)}/s   ratio ours/pg-boss ${(o / p).toFixed(2)}x`);
  console.log(`  graphile-worker 0.17 (no-op jobs)                          ${g.toFixed(0)}/s   ratio ours/graphile ${(o / g).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
