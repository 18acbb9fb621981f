import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate';
import type { ExecutionResult } from '../../src/model/execution';
import { rebuildRollups } from '../../src/rollups/rebuild';
import { recordExecutionBatch } from '../../src/store/recordExecution';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

jest.setTimeout(120_000);

/** The first migration that knows locations (0032) and the one that re-keys the rollups (0033). */
const LOCATIONS_MIGRATION = 32;
const TABLES = ['execution_rollups_minute', 'execution_rollups_hour', 'execution_rollups_day'] as const;
const HOUR = 3_600_000;

let db: TestDatabase;
let before: string;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-migrations-'));
  for (const file of fs.readdirSync(MIGRATIONS_DIR)) {
    if (/^\d{4}_/.test(file) && Number(file.slice(0, 4)) < LOCATIONS_MIGRATION) {
      fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(before, file));
    }
  }
});

afterAll(async () => {
  await db?.drop();
  fs.rmSync(before, { recursive: true, force: true });
});

/** Every figure of every rollup row, summed per (table, workflow, bucket) over locations. */
async function rollupTotals(): Promise<string[]> {
  const out: string[] = [];
  for (const table of TABLES) {
    const { rows } = await db.pool.query(
      `SELECT workflow_id, bucket, sum(executions)::int AS executions, sum(successes)::int AS successes, sum(degraded)::int AS degraded,
              sum(failures)::int AS failures, sum(attempts)::int AS attempts, sum(retries)::int AS retries, sum(duration_sum)::bigint::text AS duration_sum,
              min(duration_min) AS duration_min, max(duration_max) AS duration_max
         FROM ${table} GROUP BY 1, 2 ORDER BY 1, 2`
    );
    out.push(...rows.map((r) => `${table} ${JSON.stringify(r)}`));
  }
  return out;
}

function results(workflowId: string, location: string | undefined, count: number, startMs: number): Array<{ result: ExecutionResult; runId: null; workerId: null }> {
  return Array.from({ length: count }, (_, i) => {
    const startedAt = new Date(startMs + i * 7 * 60_000);
    const status = i % 3 === 0 ? 'failed' : i % 5 === 0 ? 'degraded' : 'success';
    return {
      result: { workflowId, status, trigger: 'schedule', startedAt, finishedAt: new Date(startedAt.getTime() + 40 + i), durationMs: 40 + i * 13, steps: [], ...(location ? { location } : {}) },
      runId: null,
      workerId: null,
    } as const;
  });
}

describe('rollups with a location dimension', () => {
  it('keeps every total when migration 0033 re-keys rollups written before locations existed, including hours whose raw rows retention deleted', async () => {
    await migrate(db.pool, before);
    const start = Math.floor(Date.now() / HOUR) * HOUR - 60 * HOUR;
    // Executions as the sidecar stored them before 0032 (no location column yet).
    for (const [workflowId, count, offset] of [['checkout', 200, 0], ['login', 150, 3 * 60_000]] as const) {
      const rows = results(workflowId, undefined, count, start + offset).map(({ result }) => result);
      await db.pool.query(
        `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
         SELECT w, 'schedule', s, t, t + make_interval(secs => d / 1000.0), d, 1, 0
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS x(w, s, t, d)`,
        [rows.map((r) => r.workflowId), rows.map((r) => r.status), rows.map((r) => r.startedAt), rows.map((r) => r.durationMs)]
      );
    }
    // Retention took the oldest raw rows; their rollups remain and must survive the migration.
    await db.pool.query(`DELETE FROM executions WHERE started_at < $1`, [new Date(start + 10 * HOUR)]);
    const old = await rollupTotals();
    expect(old.length).toBeGreaterThan(100);

    await migrate(db.pool);
    expect(await rollupTotals()).toEqual(old);
    for (const table of TABLES) {
      const { rows } = await db.pool.query(`SELECT DISTINCT location FROM ${table}`);
      expect(rows).toEqual([{ location: 'default' }]);
    }
    const { rows: executions } = await db.pool.query(`SELECT DISTINCT location FROM executions`);
    expect(executions).toEqual([{ location: 'default' }]);
  });

  it('keeps one rollup row per location as executions arrive, and a rebuild from raw rows gives the same rows and totals', async () => {
    const start = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
    await recordExecutionBatch(db.pool, [...results('checkout', 'eu', 120, start), ...results('checkout', 'us', 90, start + 60_000), ...results('login', 'eu', 60, start + 2 * 60_000)]);
    const { rows: raw } = await db.pool.query<{ location: string; n: number }>(
      `SELECT location, count(*)::int AS n FROM executions WHERE started_at >= $1 GROUP BY 1 ORDER BY 1`,
      [new Date(start)]
    );
    expect(raw).toEqual([{ location: 'eu', n: 180 }, { location: 'us', n: 90 }]);
    for (const table of TABLES) {
      const { rows } = await db.pool.query<{ location: string; n: number }>(
        `SELECT location, sum(executions)::int AS n FROM ${table} WHERE location <> 'default' GROUP BY 1 ORDER BY 1`
      );
      expect({ table, rows }).toEqual({ table, rows: raw });
    }
    const snapshot = async () => {
      const out: unknown[] = [];
      for (const table of TABLES) {
        out.push((await db.pool.query(`SELECT * FROM ${table} WHERE bucket >= $1 ORDER BY workflow_id, bucket, location`, [new Date(start - 24 * HOUR)])).rows);
      }
      return out;
    };
    const maintained = await snapshot();
    const totals = await rollupTotals();
    await rebuildRollups(db.pool, { from: new Date(start), to: new Date(start + 40 * HOUR) });
    expect(await snapshot()).toEqual(maintained);
    expect(await rollupTotals()).toEqual(totals);
  });
});
