import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from './pool';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

// Any constant works; it only has to be the same in every sidecar sharing a database.
const MIGRATION_LOCK_KEY = 7_291_004_551;

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** The numbered migration files of `dir`, in order, without reading them. */
async function migrationFiles(dir: string): Promise<Array<{ id: number; name: string; file: string }>> {
  return (await fs.readdir(dir))
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ id: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), file }));
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const { id, name, file } of await migrationFiles(dir)) {
    migrations.push({ id, name, sql: await fs.readFile(path.join(dir, file), 'utf8') });
  }
  const ids = new Set<number>();
  for (const m of migrations) {
    if (ids.has(m.id)) {
      throw new Error(`two migrations share the number ${m.id} in ${dir}`);
    }
    ids.add(m.id);
  }
  return migrations;
}

/**
 * Applies pending numbered migrations, each in its own transaction, recorded in
 * `schema_migrations`. A session-level advisory lock serialises sidecars that start together:
 * the second waits, then finds nothing left to do. Forward-only: no down migrations.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) {
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return { applied };
}

/** For /health: which migrations exist on disk but are not applied. */
export async function pendingMigrations(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Names only: a health check should not read every migration's SQL.
  const migrations = await migrationFiles(dir);
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) {
    return migrations.map((m) => m.name);
  }
  const done = new Set((await pool.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
  return migrations.filter((m) => !done.has(m.id)).map((m) => m.name);
}
