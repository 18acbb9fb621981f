import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import pg from 'pg';
import { startSidecar, type RunningSidecar } from '../../src/app/sidecar';
import { loadConfig } from '../../src/config/env';
import { workflowsFeature } from '../../src/app/features/workflows';
import { silentLogger } from '../support/testDatabase';
import { TEST_TOKEN } from '../support/startTestSidecar';
import { eventually, startTargetServer, type TargetServer } from '../support/targetServer';

/**
 * PostgreSQL stopped under load and started again. OUTAGE_SECONDS defaults to the full 30 s.
 * Promise (docs/RELIABILITY.md): executions that finish while the database is away are kept in
 * memory and stored when it returns; runs claimed before the outage end with exactly one result.
 */
const OUTAGE_SECONDS = Number(process.env.OUTAGE_SECONDS ?? 30);
jest.setTimeout((OUTAGE_SECONDS + 90) * 1000);

let server: ChildProcessByStdio<Writable, Readable, null>;
let lines: Array<Record<string, unknown>> = [];
let target: TargetServer;
let sidecar: RunningSidecar;
let url: string;

function nextLine(): Promise<Record<string, unknown>> {
  const seen = lines.length;
  return eventually(() => lines[seen], 60_000, 20);
}

beforeAll(async () => {
  server = spawn(process.execPath, [path.join(__dirname, '../support/restartablePostgres.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  server.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, i)) as Record<string, unknown>);
      buffer = buffer.slice(i + 1);
    }
  });
  url = String((await eventually(() => lines[0], 60_000, 20)).url);
  target = await startTargetServer();
});

afterAll(async () => {
  await sidecar?.stop().catch(() => undefined);
  await target?.close();
  server?.kill('SIGTERM');
  lines = [];
});

it(`reports unhealthy while PostgreSQL is down for ${OUTAGE_SECONDS}s, reconnects by itself, and stores what finished during the outage`, async () => {
  const config = loadConfig({
    DATABASE_URL: url,
    PORT: '0',
    SIDECAR_API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    DEMO: 'off',
    SCHEDULER: 'true',
    SCHEDULER_POLL_INTERVAL: '100ms',
    SHUTDOWN_TIMEOUT: '5s',
  });
  sidecar = await startSidecar({ config, log: silentLogger(), features: [workflowsFeature] });
  const api = (p: string, init: RequestInit = {}) => fetch(`${sidecar.url}${p}`, { ...init, headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' } });
  // Each run takes 2 s, so some are in flight when the database goes away.
  for (const id of ['slow-a', 'slow-b', 'slow-c']) {
    const created = await api('/api/v1/workflows', {
      method: 'POST',
      body: JSON.stringify({ id, name: id, schedule: { every: '1s' }, timeout: '5s', retry: { maxAttempts: 1 }, steps: [{ name: 'slow', request: { url: `${target.url}/slow/2000/${id}`, timeout: '4s' } }] }),
    });
    expect(created.status).toBe(201);
  }
  await eventually(() => target.total() >= 6, 60_000);

  server.stdin.write('stop\n');
  expect(await nextLine()).toEqual({ stopped: true });
  const health = await eventually(async () => {
    const response = await fetch(`${sidecar.url}/health`);
    const body = (await response.json()) as { status: string };
    return response.status === 503 && body.status === 'unhealthy' ? body : undefined;
  }, 60_000, 200);
  expect(health.status).toBe('unhealthy');
  // Runs that were in flight finish against the target while the database is away.
  const hitsDuringOutage = target.total();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_SECONDS * 1000));

  server.stdin.write('start\n');
  expect(await nextLine()).toEqual({ started: true });
  await eventually(async () => (await fetch(`${sidecar.url}/health`)).status === 200, 60_000, 250);

  // A pool, not one client: a connection cut while PostgreSQL finishes coming back is replaced, and an idle one's
  // error is reported to this handler instead of failing the test as an unhandled 'error' event.
  const client = new pg.Pool({ connectionString: url, max: 2 });
  client.on('error', () => undefined);
  try {
    // Every run claimed before or during the outage ends with exactly one result; nothing stays running.
    await eventually(async () => {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_runs WHERE state = 'running' AND claimed_at < now() - interval '10 seconds'`);
      return rows[0]!.n === 0;
    }, 60_000, 500);
    const { rows: orphans } = await client.query(`SELECT r.id FROM scheduled_runs r LEFT JOIN executions e ON e.run_id = r.id WHERE r.state = 'done' AND e.id IS NULL`);
    expect(orphans).toEqual([]);
    const { rows: dupes } = await client.query(`SELECT run_id FROM executions WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(*) > 1`);
    expect(dupes).toEqual([]);
    // The runs in flight at the outage were stored after it.
    const { rows: stored } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM executions WHERE recorded_at > finished_at + interval '1 second'`);
    expect(hitsDuringOutage).toBeGreaterThan(0);
    expect(stored[0]!.n).toBeGreaterThan(0);
    // And scheduling resumed.
    const before = target.total();
    await eventually(() => target.total() >= before + 3, 60_000);
  } finally {
    await client.end();
  }
});
