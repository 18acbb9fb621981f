/**
 * How late runs start after their slot is due, with every run a real HTTP step to a loopback
 * target recorded in PostgreSQL.
 *   - due → started: 200 workflows every second (goal p99 ≤ 20 ms);
 *   - lateness at scale: 10,000 workflows every 10 s (1,000 runs/s).
 * Usage (repository root): npx tsx bench/scheduler-latency.ts [--seconds 30] [--workflows 200] [--every 1] [--concurrency 50]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BreakerRegistry } from '../backend-sidecar/src/retry/breakerRegistry';
import { runWorkflow } from '../backend-sidecar/src/executor/runWorkflow';
import { Scheduler } from '../backend-sidecar/src/scheduler/scheduler';
import { everySchedule, firstSlotFrom } from '../backend-sidecar/src/scheduler/slotSchedule';
import { ExecutionBatcher } from '../backend-sidecar/src/store/recordExecutionBatch';
import { parseWorkflowDefinition } from '../backend-sidecar/src/model/workflowDefinition';
import { arg, percentile, silent, startBenchDatabase } from './support/benchDatabase';

const SECONDS = arg('seconds', 30);
const WORKFLOWS = arg('workflows', 200);
const EVERY_S = arg('every', 1);
const CONCURRENCY = arg('concurrency', 50);

async function main(): Promise<void> {
  const db = await startBenchDatabase({ poolMax: 30 });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = (id: string) => ({ id, name: id, schedule: { every: `${EVERY_S}s` }, retry: { maxAttempts: 1 }, steps: [{ name: 'call', request: { url: `${targetUrl}/${id}` } }] });
  const parsed = parseWorkflowDefinition(raw('w0'), { source: 'api' });
  if (!parsed.ok) {
    throw new Error(JSON.stringify(parsed.errors));
  }
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `w${i}`);
  const now = Date.now() + 3_000;
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await db.pool.query(
      `INSERT INTO workflows (id, name, source, definition, mode, every_ms, next_slot_at)
       SELECT id, id, 'api', def, 'scheduled', $3, next FROM unnest($1::text[], $2::timestamptz[], $4::jsonb[]) AS t(id, next, def)`,
      [chunk, chunk.map((id) => new Date(firstSlotFrom(everySchedule(id, EVERY_S * 1000), now))), EVERY_S * 1000, chunk.map((id) => JSON.stringify(raw(id)))]
    );
  }
  const breakers = new BreakerRegistry();
  const batcher = new ExecutionBatcher(db.pool);
  const lags: number[] = [];
  let measuring = false;
  let recorded = 0;
  const scheduler = new Scheduler({
    pool: db.pool,
    log: silent,
    workerId: 'bench',
    concurrency: CONCURRENCY,
    pollIntervalMs: 250,
    leaseMs: 60_000,
    misfireMs: 30_000,
    horizonMs: 10_000,
    execute: (run) => runWorkflow({ ...parsed.definition, id: run.workflowId, steps: [{ ...parsed.definition.steps[0]!, request: { ...parsed.definition.steps[0]!.request!, url: `${targetUrl}/${run.workflowId}` } }] }, { trigger: 'schedule', breakers }),
    record: async (run, result) => {
      await batcher.record(result, run.id, 'bench');
      recorded += 1;
    },
    onStarted: (_run, lagMs) => {
      if (measuring) {
        lags.push(lagMs);
      }
    },
  });
  scheduler.start();
  // Let the first slots plan and the connection pool warm up, then measure.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  measuring = true;
  const startedRecorded = recorded;
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const executed = recorded - startedRecorded;
  await scheduler.stop();
  const { rows } = await db.pool.query<{ n: number }>(`SELECT coalesce(sum(missed_slots), 0)::int AS n FROM scheduled_runs WHERE state = 'missed'`);
  server.closeAllConnections();
  server.close();
  await db.close();
  console.log(`${WORKFLOWS} workflows every ${EVERY_S}s, concurrency ${CONCURRENCY}, measured ${SECONDS}s:`);
  console.log(`  runs started ${lags.length} (${(lags.length / SECONDS).toFixed(0)}/s), recorded ${executed}, missed slots ${rows[0]!.n}`);
  console.log(`  due → started  p50 ${percentile(lags, 50).toFixed(1)} ms   p99 ${percentile(lags, 99).toFixed(1)} ms   max ${Math.max(...lags).toFixed(1)} ms`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
