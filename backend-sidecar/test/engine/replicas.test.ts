import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { freePort, spawnSidecar, waitUntilReady, type SidecarProcess } from '../support/sidecarProcess';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';
import { waitUntilWindowSettled } from '../support/scheduledRuns';

/**
 * Real sidecar processes sharing one PostgreSQL. REPLICA_TEST_SECONDS shortens the 60-second run
 * for a quick local check; the suite runs it at full length.
 */
const RUN_SECONDS = Number(process.env.REPLICA_TEST_SECONDS ?? 60);
const WORKFLOWS = 200;
const TOKEN = 'replica-test-token-0123456789';

jest.setTimeout((RUN_SECONDS + 360) * 1000);

let db: TestDatabase;
let target: TargetServer;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  target = await startTargetServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-replicas-'));
});

afterAll(async () => {
  await target?.close();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startReplica(extra: Record<string, string> = {}): Promise<{ process: SidecarProcess; url: string }> {
  const port = await freePort();
  const process = spawnSidecar(env({ PORT: String(port), ...extra }));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, url);
  return { process, url };
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    DEMO: 'off',
    LOG_LEVEL: 'warn',
    SIDECAR_API_TOKEN: TOKEN,
    WORKFLOWS_DIR: dir,
    SCHEDULER_POLL_INTERVAL: '100ms',
    // On a loaded CI machine three replicas can fall behind 200 runs a second for a while: slots wait for them
    // (and are then run) instead of being recorded missed after the default 30 s.
    SCHEDULER_MISFIRE: '2m',
    PG_POOL_MAX: '10',
    ...extra,
  };
}

async function stopAll(processes: SidecarProcess[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const p of processes) {
    p.child.kill(signal);
  }
  await Promise.all(processes.map((p) => p.exited));
}

describe('three replicas on one PostgreSQL', () => {
  it(`execute every due slot of ${WORKFLOWS} workflows (every second, ${RUN_SECONDS} s) exactly once`, async () => {
    const workflows = Array.from({ length: WORKFLOWS }, (_, i) => ({
      id: `w${String(i).padStart(3, '0')}`,
      name: `Replica workflow ${i}`,
      schedule: { every: '1s' },
      timeout: '5s',
      retry: { maxAttempts: 1 },
      steps: [{ name: 'ping', request: { url: `${target.url}/hit/w${String(i).padStart(3, '0')}`, timeout: '2s' }, assert: ['status == 200'] }],
    }));
    fs.writeFileSync(path.join(dir, 'replicas.yaml'), JSON.stringify({ workflows }));
    const started = await Promise.all([startReplica(), startReplica(), startReplica()]);
    const replicas = started.map((r) => r.process);
    let windowStart: Date;
    let windowEnd: Date;
    try {
      windowStart = new Date(Date.now() + 3_000);
      await new Promise((resolve) => setTimeout(resolve, RUN_SECONDS * 1000));
      windowEnd = new Date(Date.now() - 3_000);
      // Let the replicas finish the window's slots before they stop (a loaded machine runs behind).
      await waitUntilWindowSettled(db.pool, windowStart, windowEnd, 180_000);
    } finally {
      await stopAll(replicas);
    }
    const { rows: slots } = await db.pool.query<{ workflow_id: string; state: string; n: number; executions: number }>(
      `SELECT r.workflow_id, r.state, count(*)::int AS n, count(e.id)::int AS executions
         FROM scheduled_runs r LEFT JOIN executions e ON e.run_id = r.id
        WHERE r.kind = 'scheduled' AND r.slot_at >= $1 AND r.slot_at < $2
        GROUP BY r.workflow_id, r.state`,
      [windowStart, windowEnd]
    );
    const expectedPerWorkflow = Math.floor((windowEnd.getTime() - windowStart.getTime()) / 1000);
    // No slot in the window was missed, left pending or cancelled: every one is done with one result.
    expect(slots.filter((s) => s.state !== 'done')).toEqual([]);
    expect(slots).toHaveLength(WORKFLOWS);
    for (const s of slots) {
      expect(s.n).toBeGreaterThanOrEqual(expectedPerWorkflow - 1);
      expect(s.n).toBeLessThanOrEqual(expectedPerWorkflow + 1);
      expect(s.executions).toBe(s.n);
    }
    // None ran twice: the target never saw more requests for a workflow than results were stored (one
    // attempt each), and every result that recorded an HTTP answer was requested. On a loaded machine
    // some runs fail before a request leaves (a step timeout while connecting, or the breaker the 200
    // workflows share opening after those): they are stored without a hit, so "equal" would be wrong there.
    const { rows: perWorkflow } = await db.pool.query<{ workflow_id: string; n: number; answered: number }>(
      `SELECT e.workflow_id, count(*)::int AS n, count(s.http_status)::int AS answered
         FROM executions e LEFT JOIN execution_steps s ON s.execution_id = e.id AND s.position = 0
        GROUP BY e.workflow_id`
    );
    expect(perWorkflow).toHaveLength(WORKFLOWS);
    for (const { workflow_id, n, answered } of perWorkflow) {
      const hits = target.hits.get(`/hit/${workflow_id}`) ?? 0;
      expect({ workflow_id, atMostOnePerResult: hits <= n, everyAnsweredOneRequested: hits >= answered }).toEqual({ workflow_id, atMostOnePerResult: true, everyAnsweredOneRequested: true });
    }
    const { rows: workers } = await db.pool.query<{ n: number }>(`SELECT count(DISTINCT worker_id)::int AS n FROM executions`);
    expect(workers[0]!.n).toBe(3);
    const { rows: duplicates } = await db.pool.query(`SELECT run_id FROM executions WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
  });

  it('runs again, after its lease expires, a run whose worker was killed with SIGKILL mid-execution; the slot ends with one result', async () => {
    fs.rmSync(path.join(dir, 'replicas.yaml'), { force: true });
    fs.writeFileSync(
      path.join(dir, 'slow.yaml'),
      `id: slow\nname: Slow\nschedule: { every: 1h }\ntimeout: 2s\nretry: { maxAttempts: 1 }\nsteps:\n  - name: slow\n    request: { url: "${target.url}/slow/1500/kill", timeout: 2s }\n`
    );
    const { process: first, url } = await startReplica({ SCHEDULER_LEASE: '1s' });
    const queued = await fetch(`${url}/api/v1/workflows/slow/run`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(queued.status).toBe(202);
    const { runId } = (await queued.json()) as { runId: number };
    // The request reached the target: the first worker is mid-execution. Kill it.
    await eventually(() => (target.hits.get('/slow/1500/kill') ?? 0) >= 1, 60_000, 10);
    first.child.kill('SIGKILL');
    await first.exited;
    const { process: second } = await startReplica({ SCHEDULER_LEASE: '1s' });
    try {
      const execution = await eventually(async () => {
        const { rows } = await db.pool.query<{ id: number; status: string; worker_id: string }>('SELECT id, status, worker_id FROM executions WHERE run_id = $1', [runId]);
        return rows.length > 0 ? rows : undefined;
      }, 30_000);
      expect(execution).toHaveLength(1);
      expect(execution[0]!.status).toBe('success');
      const { rows: run } = await db.pool.query<{ state: string; claims: number; execution_id: number }>('SELECT state, claims, execution_id FROM scheduled_runs WHERE id = $1', [runId]);
      expect(run[0]).toEqual({ state: 'done', claims: 2, execution_id: execution[0]!.id });
      expect(target.hits.get('/slow/1500/kill')).toBe(2);
    } finally {
      await stopAll([second]);
    }
  });
});
