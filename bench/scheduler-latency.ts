/**
 * How late runs start after their slot is due, with every run a real HTTP step to a loopback
 * target recorded in PostgreSQL.
 *   - due → started: 200 workflows every second (goal p99 ≤ 20 ms);
 *   - lateness at scale: 10,000 workflows every 10 s (1,000 runs/s);
 *   - locations (issue 21): `--locations 3` gives every workflow `locations: [loc0, loc1, loc2]` and
 *     runs one scheduler per location in this process (a replica each): each slot runs once per
 *     location; due → started per location (goal p99 ≤ 20 ms), duplicates counted (goal 0). Then
 *     per-replica throughput with locations on vs off side by side: the same replicas drain a
 *     backlog of manual runs, each run of a location (on) or of none (off), alternating rounds
 *     (goal on ≥ 0.95 × off).
 * Usage (repository root): npx tsx bench/scheduler-latency.ts [--seconds 30] [--workflows 200] [--every 1] [--concurrency 50]
 *   [--locations 3] [--backlog 6000] [--rounds 3] [--replicas 3 (without --locations: that many replicas, no locations)]
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
/** 0: no locations (one scheduler, as before issue 21). */
const LOCATIONS = arg('locations', 0);
/** Without locations: how many schedulers (replicas in this process) share the unlocated slots. */
const REPLICAS = arg('replicas', 1);
/** Manual runs per drain round of the locations on/off throughput comparison. */
const BACKLOG = arg('backlog', 6000);
const ROUNDS = arg('rounds', 3);

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
  const locationNames = Array.from({ length: LOCATIONS }, (_, i) => `loc${i}`);
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await db.pool.query(
      `INSERT INTO workflows (id, name, source, definition, mode, every_ms, next_slot_at, locations)
       SELECT id, id, 'api', def, 'scheduled', $3, next, $5::text[] FROM unnest($1::text[], $2::timestamptz[], $4::jsonb[]) AS t(id, next, def)`,
      [chunk, chunk.map((id) => new Date(firstSlotFrom(everySchedule(id, EVERY_S * 1000), now))), EVERY_S * 1000, chunk.map((id) => JSON.stringify(raw(id))), LOCATIONS > 0 ? locationNames : null]
    );
  }
  const batcher = new ExecutionBatcher(db.pool);
  /** Lateness per location ('-': runs of no location). */
  const lags = new Map<string, number[]>();
  let measuring = false;
  let recorded = 0;
  // One scheduler per location (replicas in one process), or REPLICAS of no location (one by default, as of old).
  const replicas = (LOCATIONS > 0 ? locationNames : Array.from({ length: REPLICAS }, () => undefined)).map((location, i) => {
    const breakers = new BreakerRegistry(Date.now, { location });
    return new Scheduler({
      pool: db.pool,
      log: silent,
      workerId: `bench-${i}`,
      location,
      concurrency: CONCURRENCY,
      pollIntervalMs: 250,
      leaseMs: 60_000,
      misfireMs: 30_000,
      horizonMs: 10_000,
      execute: (run) =>
        runWorkflow(
          { ...parsed.definition, id: run.workflowId, steps: [{ ...parsed.definition.steps[0]!, request: { ...parsed.definition.steps[0]!.request!, url: `${targetUrl}/${run.workflowId}` } }] },
          { trigger: 'schedule', breakers, location }
        ),
      record: async (run, result) => {
        await batcher.record(result, run.id, `bench-${i}`);
        recorded += 1;
      },
      onStarted: (run, lagMs) => {
        if (measuring) {
          const key = run.location ?? '-';
          let list = lags.get(key);
          if (!list) {
            list = [];
            lags.set(key, list);
          }
          list.push(lagMs);
        }
      },
    });
  });
  replicas.forEach((r) => r.start());
  // Let the first slots plan and the connection pool warm up, then measure.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  measuring = true;
  const startedRecorded = recorded;
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const executed = recorded - startedRecorded;
  const started = [...lags.values()].reduce((n, l) => n + l.length, 0);
  const { rows } = await db.pool.query<{ n: number }>(`SELECT coalesce(sum(missed_slots), 0)::int AS n FROM scheduled_runs WHERE state = 'missed'`);
  console.log(`${WORKFLOWS} workflows every ${EVERY_S}s${LOCATIONS > 0 ? ` in ${LOCATIONS} locations (one replica each)` : ''}${LOCATIONS === 0 && REPLICAS > 1 ? `, ${REPLICAS} replicas without locations` : ''}, concurrency ${CONCURRENCY}, measured ${SECONDS}s:`);
  console.log(`  runs started ${started} (${(started / SECONDS).toFixed(0)}/s), recorded ${executed}, missed slots ${rows[0]!.n}`);
  for (const [location, list] of [...lags.entries()].sort()) {
    console.log(`  ${location === '-' ? '' : `${location}: `}due → started  p50 ${percentile(list, 50).toFixed(1)} ms   p99 ${percentile(list, 99).toFixed(1)} ms   max ${Math.max(...list).toFixed(1)} ms   (${list.length} runs)`);
  }

  if (LOCATIONS > 0) {
    // Planned slots stop; what is planned drains.
    await db.pool.query(`UPDATE workflows SET next_slot_at = NULL`);
    await waitFor(async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_runs WHERE state IN ('pending', 'running')`)).rows[0]!.n === 0);
    const { rows: duplicates } = await db.pool.query<{ slots: number; results: number; elsewhere: number }>(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM scheduled_runs WHERE kind = 'scheduled' AND state <> 'cancelled' GROUP BY workflow_id, slot_at, location HAVING count(*) > 1) d) AS slots,
              (SELECT count(*)::int FROM (SELECT 1 FROM executions WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(*) > 1) d) AS results,
              (SELECT count(*)::int FROM executions e JOIN scheduled_runs r ON r.id = e.run_id WHERE e.location IS DISTINCT FROM r.location) AS elsewhere`
    );
    console.log(`  duplicates: slots ${duplicates[0]!.slots}, results ${duplicates[0]!.results}; runs executed outside their location ${duplicates[0]!.elsewhere}`);

    // Throughput per replica, locations on vs off: the same replicas drain BACKLOG manual runs due now.
    const drain = async (located: boolean): Promise<number> => {
      const before = recorded;
      const t0 = Date.now();
      await db.pool.query(
        `INSERT INTO scheduled_runs (workflow_id, slot_at, kind, location)
         SELECT ($1::text[])[1 + (n % array_length($1::text[], 1))], now(), 'manual', CASE WHEN $3 THEN ($4::text[])[1 + (n % $5)] END
           FROM generate_series(1, $2) AS n`,
        [ids, BACKLOG, located, locationNames, LOCATIONS]
      );
      replicas.forEach((r) => r.wake());
      await waitFor(() => recorded - before >= BACKLOG);
      return BACKLOG / ((Date.now() - t0) / 1000) / replicas.length;
    };
    await drain(false); // warm-up round, thrown away
    const off: number[] = [];
    const on: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      off.push(await drain(false));
      on.push(await drain(true));
    }
    const median = (xs: number[]) => percentile(xs, 50);
    console.log(`  per-replica throughput draining ${BACKLOG} runs (${replicas.length} replicas, median of ${ROUNDS} rounds): locations off ${median(off).toFixed(0)} runs/s, on ${median(on).toFixed(0)} runs/s → ${(median(on) / median(off)).toFixed(2)}×`);
    console.log(`    rounds off ${off.map((x) => x.toFixed(0)).join(', ')}; on ${on.map((x) => x.toFixed(0)).join(', ')}`);
  }
  await Promise.all(replicas.map((r) => r.stop()));
  server.closeAllConnections();
  server.close();
  await db.close();
}

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
