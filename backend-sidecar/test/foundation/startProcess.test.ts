import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../support/testDatabase';
import { listening, spawnSidecar, urlOf } from '../support/sidecarProcess';

jest.setTimeout(180_000);

function postgresProcessesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('postgres') && line.includes(dir));
}

describe('npm start (src/main.ts as a process)', () => {
  it('starts on an embedded PostgreSQL, prints its URL, is healthy, and SIGTERM leaves no postgres behind', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-start-'));
    const sidecar = spawnSidecar({ DATA_DIR: dataDir, PORT: '0', DEMO_PORT: '0', SIDECAR_API_TOKEN: 'start-test-token-0123456789' });
    try {
      const url = urlOf(await sidecar.waitFor(listening));
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe('healthy');
      expect(body.checks.database!.status).toBe('healthy');
      expect(postgresProcessesUsing(dataDir).length).toBeGreaterThan(0);
    } finally {
      sidecar.child.kill('SIGTERM');
    }
    expect(await sidecar.exited).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops with exit code 2 and names the variable and allowed values on a bad environment', async () => {
    const sidecar = spawnSidecar({ LOG_LEVEL: 'loud', PORT: '0' });
    expect(await sidecar.exited).toBe(2);
    expect(sidecar.stderr()).toContain('LOG_LEVEL="loud"');
    expect(sidecar.stderr()).toMatch(/must be one of .*debug.*info/);
  });

  it('stops with the same exit code on a bad RETENTION_* value, before touching the database', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-retention-'));
    const sidecar = spawnSidecar({ RETENTION_RAW: '10s', DATA_DIR: dataDir, PORT: '0' });
    try {
      expect(await sidecar.exited).toBe(2);
      expect(sidecar.stderr()).toContain('RETENTION_RAW="10s"');
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('uses DATABASE_URL when set; two sidecars starting together apply every migration exactly once', async () => {
    const db = await createTestDatabase({ migrated: false });
    const env = { DATABASE_URL: db.url, PORT: '0', DEMO: 'off', SCHEDULER: 'false', SIDECAR_API_TOKEN: 'race-test-token-0123456789' };
    const a = spawnSidecar(env);
    const b = spawnSidecar(env);
    try {
      const [urlA, urlB] = await Promise.all([a.waitFor(listening), b.waitFor(listening)]).then((lines) => lines.map(urlOf));
      for (const url of [urlA!, urlB!]) {
        expect((await fetch(`${url}/health`)).status).toBe(200);
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ id: number; n: number }>('SELECT id, count(*)::int AS n FROM schema_migrations GROUP BY id ORDER BY id');
        const files = fs.readdirSync(path.resolve(__dirname, '../../migrations')).filter((f) => /^\d{4}_.*\.sql$/.test(f));
        expect(rows.map((r) => r.id)).toEqual(files.map((f) => Number(f.slice(0, 4))).sort((x, y) => x - y));
        expect(rows.every((r) => r.n === 1)).toBe(true);
      } finally {
        await client.end();
      }
      // No embedded server was started: the data directory default was never created by these.
      expect(a.lines.some((l) => String(l.msg).includes('embedded PostgreSQL'))).toBe(false);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await db.drop();
    }
  });
});
