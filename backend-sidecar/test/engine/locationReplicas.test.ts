import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { freePort, spawnSidecar, waitUntilReady, type SidecarProcess } from '../support/sidecarProcess';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';
import { waitUntilWindowSettled } from '../support/scheduledRuns';

/**
 * Real sidecar processes in two locations sharing one PostgreSQL. REPLICA_TEST_SECONDS shortens
 * the 60-second run for a quick local check; the suite runs it at full length.
 */
const RUN_SECONDS = Number(process.env.REPLICA_TEST_SECONDS ?? 60);
const BOTH = 100;
const EU_ONLY = 10;
const TOKEN = 'location-replica-token-0123456789';

jest.setTimeout((RUN_SECONDS + 480) * 1000);

let db: TestDatabase;
let target: TargetServer;
let dir: string;
/** Requests per `<path>@<X-Workflow-Monitor-Location>`. */
const hits = new Map<string, number>();

beforeAll(async () => {
  db = await createTestDatabase();
  target = await startTargetServer((req: http.IncomingMessage) => {
    const key = `${(req.url ?? '').split('?')[0]}@${String(req.headers['x-workflow-monitor-location'])}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-locations-'));
});

afterAll(async () => {
  await target?.close();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Replica {
  process: SidecarProcess;
  url: string;
  workerId: string;
}

async function startReplica(location: string, workerId: string, extra: Record<string, string> = {}): Promise<Replica> {
  const port = await freePort();
  const process = spawnSidecar({
    DATABASE_URL: db.url,
    DEMO: 'off',
    LOG_LEVEL: 'warn',
    SIDECAR_API_TOKEN: TOKEN,
    WORKFLOWS_DIR: dir,
    SCHEDULER_POLL_INTERVAL: '100ms',
    // On a loaded CI machine slots wait for their replicas (and are then run) instead of being
    // recorded missed after the default 30 s, or once a newer slot has waited 5 s.
    SCHEDULER_MISFIRE: '2m',
    SCHEDULER_SUPERSEDED: '2m',
    PG_POOL_MAX: '10',
    ALERTING: 'false',
    PORT: String(port),
    LOCATION: location,
    WORKER_ID: workerId,
    ...extra,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, url);
  return { process, url, workerId };
}

async function stopAll(replicas: Replica[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const r of replicas) {
    r.process.child.kill(signal);
  }
  await Promise.all(replicas.map((r) => r.process.exited));
}

const api = async (replica: Replica, p: string) => {
  const response = await fetch(`${replica.url}${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as any;
};

describe('replicas in two locations on one PostgreSQL', () => {
  it(`run every slot of ${BOTH} workflows listing [eu, us] once in each location, by a replica of that location, and [eu] workflows never in us (every second, ${RUN_SECONDS} s)`, async () => {
    const step = (id: string) => [{ name: 'ping', request: { url: `${target.url}/hit/${id}`, timeout: '2s' }, assert: ['status == 200'] }];
    const workflows = [
      ...Array.from({ length: BOTH }, (_, i) => ({ id: `b${String(i).padStart(3, '0')}`, name: `Both ${i}`, schedule: { every: '1s' }, timeout: '5s', retry: { maxAttempts: 1 }, locations: ['eu', 'us'], steps: step(`b${i}`) })),
      ...Array.from({ length: EU_ONLY }, (_, i) => ({ id: `e${String(i).padStart(3, '0')}`, name: `EU ${i}`, schedule: { every: '1s' }, timeout: '5s', retry: { maxAttempts: 1 }, locations: ['eu'], steps: step(`e${i}`) })),
    ];
    fs.writeFileSync(path.join(dir, 'located.yaml'), JSON.stringify({ workflows }));
    const replicas = await Promise.all([startReplica('eu', 'eu-1'), startReplica('eu', 'eu-2'), startReplica('us', 'us-1')]);
    let windowStart: Date;
    let windowEnd: Date;
    try {
      windowStart = new Date(Date.now() + 3_000);
      await new Promise((resolve) => setTimeout(resolve, RUN_SECONDS * 1000));
      windowEnd = new Date(Date.now() - 3_000);
      // Let the replicas finish the window's slots before they stop (a loaded machine runs behind).
      await waitUntilWindowSettled(db.pool, windowStart, windowEnd, 240_000);
      const listed = await api(replicas[0]!, '/api/v1/locations');
      expect(listed.locations.map((l: any) => [l.location, l.status, l.replicas.map((r: any) => r.id).sort()])).toEqual([
        ['eu', 'ok', ['eu-1', 'eu-2']],
        ['us', 'ok', ['us-1']],
      ]);
    } finally {
      await stopAll(replicas);
    }

    // Per slot: which locations it ran in, how many rows and results each, and who ran them.
    const { rows: slots } = await db.pool.query<{ workflow_id: string; slot_at: Date; locations: string[]; states: string[]; results: number; wrong_place: number }>(
      `SELECT r.workflow_id, r.slot_at, array_agg(r.location ORDER BY r.location) AS locations, array_agg(DISTINCT r.state) AS states,
              count(e.id)::int AS results,
              count(e.id) FILTER (WHERE e.location IS DISTINCT FROM r.location OR e.worker_id NOT LIKE r.location || '-%')::int AS wrong_place
         FROM scheduled_runs r LEFT JOIN executions e ON e.run_id = r.id
        WHERE r.kind = 'scheduled' AND r.slot_at >= $1 AND r.slot_at < $2
        GROUP BY r.workflow_id, r.slot_at`,
      [windowStart, windowEnd]
    );
    const expectedSlots = Math.floor((windowEnd.getTime() - windowStart.getTime()) / 1000);
    const perWorkflow = new Map<string, number>();
    const problems: unknown[] = [];
    for (const s of slots) {
      perWorkflow.set(s.workflow_id, (perWorkflow.get(s.workflow_id) ?? 0) + 1);
      const wanted = s.workflow_id.startsWith('b') ? ['eu', 'us'] : ['eu'];
      if (JSON.stringify(s.locations) !== JSON.stringify(wanted) || JSON.stringify(s.states) !== '["done"]' || s.results !== wanted.length || s.wrong_place !== 0) {
        problems.push(s);
      }
    }
    // Every (slot, location) ran exactly once, by a replica of that location; nothing was missed.
    expect(problems.slice(0, 10)).toEqual([]);
    expect(perWorkflow.size).toBe(BOTH + EU_ONLY);
    for (const [workflowId, n] of perWorkflow) {
      expect({ workflowId, n: Math.abs(n - expectedSlots) <= 1 }).toEqual({ workflowId, n: true });
    }
    // The us replica ran no [eu] workflow, ever; each replica ran only its location's executions.
    const { rows: byWorker } = await db.pool.query<{ worker_id: string; location: string; eu_only: number; n: number }>(
      `SELECT worker_id, location, count(*) FILTER (WHERE workflow_id LIKE 'e%')::int AS eu_only, count(*)::int AS n FROM executions GROUP BY 1, 2 ORDER BY 1`
    );
    expect(byWorker.map((w) => [w.worker_id, w.location])).toEqual([['eu-1', 'eu'], ['eu-2', 'eu'], ['us-1', 'us']]);
    expect(byWorker.find((w) => w.worker_id === 'us-1')!.eu_only).toBe(0);
    expect([...hits.keys()].filter((k) => k.startsWith('/hit/e') && !k.endsWith('@eu'))).toEqual([]);
    // No slot ran twice: one result per slot, and never more requests from a location than its results.
    const { rows: duplicates } = await db.pool.query(`SELECT run_id FROM executions WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
    const { rows: results } = await db.pool.query<{ workflow_id: string; location: string; n: number }>(
      `SELECT workflow_id, location, count(*)::int AS n FROM executions GROUP BY 1, 2`
    );
    for (const r of results) {
      const key = `/hit/${r.workflow_id.slice(0, 1)}${Number(r.workflow_id.slice(1))}@${r.location}`;
      expect({ key, atMostOnePerResult: (hits.get(key) ?? 0) <= r.n }).toEqual({ key, atMostOnePerResult: true });
    }
  });

  it("records the slots of a location whose only replica was killed as missed with the reason, drops the replica from /api/v1/locations after its heartbeat expires, and resumes when it returns", async () => {
    fs.rmSync(path.join(dir, 'located.yaml'), { force: true });
    const workflows = Array.from({ length: 5 }, (_, i) => ({
      id: `pair${i}`,
      name: `Pair ${i}`,
      schedule: { every: '1s' },
      retry: { maxAttempts: 1 },
      locations: ['eu', 'us'],
      steps: [{ name: 'ping', request: { url: `${target.url}/pair/${i}`, timeout: '2s' } }],
    }));
    fs.writeFileSync(path.join(dir, 'pairs.yaml'), JSON.stringify({ workflows }));
    const fast = { SCHEDULER_MISFIRE: '3s', REPLICA_HEARTBEAT_INTERVAL: '500ms', REPLICA_HEARTBEAT_EXPIRY: '2s' };
    const [eu, first] = await Promise.all([startReplica('eu', 'eu-a', fast), startReplica('us', 'us-a', fast)]);
    let us = first!;
    const stateOfUsSlots = async (from: Date, to: Date) =>
      (await db.pool.query<{ state: string; missed_reason: string | null; worker_id: string | null; n: number }>(
        `SELECT r.state, r.missed_reason, e.worker_id, count(*)::int AS n FROM scheduled_runs r LEFT JOIN executions e ON e.run_id = r.id
          WHERE r.workflow_id LIKE 'pair%' AND r.location = 'us' AND r.slot_at >= $1 AND r.slot_at < $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [from, to]
      )).rows;
    try {
      const startedAt = new Date();
      await eventually(async () => (await stateOfUsSlots(startedAt, new Date())).some((s) => s.state === 'done' && s.worker_id === 'us-a' && s.n >= 5), 120_000, 200);

      us.process.child.kill('SIGKILL');
      await us.process.exited;
      const killedAt = new Date();
      // Gone from the list once its heartbeat expired; its location, still listed by workflows, is empty.
      const listed = await eventually(async () => {
        const body = await api(eu, '/api/v1/locations');
        const place = body.locations.find((l: any) => l.location === 'us');
        return place && place.replicas.length === 0 ? body : undefined;
      }, 60_000, 200);
      expect(listed.locations.find((l: any) => l.location === 'us')).toMatchObject({ status: 'empty', lastSeenAt: null, workflows: 5 });
      expect(listed.locations.find((l: any) => l.location === 'eu')).toMatchObject({ status: 'ok', replicas: [{ id: 'eu-a' }] });
      const health = await fetch(`${eu.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'degraded', checks: { locations: { status: 'degraded', empty: ['us'] } } });
      // Its slots after the kill (5 s of them, 5 per workflow): recorded missed with the reason once the
      // misfire time passed, none of them run.
      const afterKill = new Date(killedAt.getTime() + 1_000);
      const checked = new Date(afterKill.getTime() + 5_000);
      const missed = await eventually(async () => {
        const states = await stateOfUsSlots(afterKill, checked);
        return states.length === 1 && states[0]!.state === 'missed' && states[0]!.n === 25 ? states : undefined;
      }, 120_000, 250);
      expect(missed).toEqual([{ state: 'missed', missed_reason: 'no replica in location us', worker_id: null, n: 25 }]);
      us = await startReplica('us', 'us-b', fast);
      const returnedAt = new Date();
      // Back: its location's slots run again, by the new replica.
      const resumedFrom = new Date(returnedAt.getTime() + 1_000);
      await eventually(async () => (await stateOfUsSlots(resumedFrom, new Date())).some((s) => s.state === 'done' && s.worker_id === 'us-b' && s.n >= 10), 120_000, 200);
      await eventually(async () => {
        const body = await api(eu, '/api/v1/locations');
        return body.locations.find((l: any) => l.location === 'us')?.replicas.map((r: any) => r.id).join() === 'us-b';
      }, 60_000, 200);
      // Meanwhile eu never stopped.
      const { rows: euDone } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM scheduled_runs WHERE workflow_id LIKE 'pair%' AND location = 'eu' AND state = 'done' AND slot_at >= $1 AND slot_at < $2`,
        [afterKill, returnedAt]
      );
      expect(euDone[0]!.n).toBeGreaterThan(0);
    } finally {
      await stopAll([eu, us]);
    }
  });
});
