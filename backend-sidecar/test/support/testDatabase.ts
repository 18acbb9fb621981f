import crypto from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/pool';
import { createLogger } from '../../src/log/logger';
import { TEMPLATE_DB, withDatabase } from './globalSetup';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.WM_TEST_ADMIN_URL;
  if (!url) {
    throw new Error('WM_TEST_ADMIN_URL is not set: run the tests through jest (globalSetup starts PostgreSQL)');
  }
  return url;
}

/** A fresh database cloned from the migrated template; one per test file. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `wm_test_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(opts.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const pool = createPool({ connectionString: url, max: 10, log: createLogger({ level: 'silent', format: 'json' }) });
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export const silentLogger = () => createLogger({ level: 'silent', format: 'json' });
