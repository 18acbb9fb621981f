import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/log/logger';

export const STATE_FILE = path.join(os.tmpdir(), `wm-jest-${process.ppid}-${process.pid}.json`);
export const TEMPLATE_DB = 'wm_template';

/**
 * One PostgreSQL per jest run (embedded unless TEST_DATABASE_URL is set), with a template
 * database migrated once; each test file clones it (see testDatabase.ts).
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let serverPid: number | undefined;
  if (!adminUrl) {
    const child = spawn(process.execPath, [path.join(__dirname, 'postgresServer.mjs')], { stdio: ['pipe', 'pipe', 'inherit'], detached: false });
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const newline = buffer.indexOf('\n');
        if (newline >= 0) {
          resolve(buffer.slice(0, newline));
        }
      });
      child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code} before it was ready`)));
    });
    const info = JSON.parse(line) as { url: string; pid: number };
    adminUrl = info.url;
    serverPid = info.pid;
    child.stdout.removeAllListeners();
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (globalThis as Record<string, unknown>).__WM_PG_CHILD__ = child;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  const pool = createPool({ connectionString: templateUrl, max: 2, log: createLogger({ level: 'silent', format: 'json' }) });
  await migrate(pool);
  await pool.end();
  process.env.WM_TEST_ADMIN_URL = adminUrl;
  fs.writeFileSync(STATE_FILE, JSON.stringify({ adminUrl, serverPid }));
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
