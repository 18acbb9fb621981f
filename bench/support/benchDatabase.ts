import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../backend-sidecar/src/db/migrate';
import { createPool, type Pool } from '../../backend-sidecar/src/db/pool';
import { createLogger } from '../../backend-sidecar/src/log/logger';

export const silent = createLogger({ level: 'silent', format: 'json' });

export interface BenchDatabase {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for a benchmark: on BENCH_DATABASE_URL's server when set, otherwise
 * on an embedded PostgreSQL started for this run (the same child process the tests use).
 */
export async function startBenchDatabase(opts: { migrated?: boolean; poolMax?: number } = {}): Promise<BenchDatabase> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let child: ChildProcess | undefined;
  if (!adminUrl) {
    child = spawn(process.execPath, [path.resolve(__dirname, '../../backend-sidecar/test/support/postgresServer.mjs')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    adminUrl = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const newline = buffer.indexOf('\n');
        if (newline >= 0) {
          resolve((JSON.parse(buffer.slice(0, newline)) as { url: string }).url);
        }
      });
      child!.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
    });
  }
  const name = `wm_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: opts.poolMax ?? 20, log: silent });
  if (opts.migrated !== false) {
    await migrate(pool);
  }
  return {
    url: url.toString(),
    pool,
    async close() {
      await pool.end();
      if (child) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child!.once('exit', resolve));
      } else {
        const drop = new pg.Client({ connectionString: adminUrl });
        await drop.connect();
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await drop.end();
      }
    },
  };
}

/** p-th percentile (0–100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
