import { loadConfig } from '../config/env';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger } from '../log/logger';
import { rebuildRollups } from './rebuild';

/** `npm run rollups:rebuild -w backend-sidecar -- [--from ISO] [--to ISO]` */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) {
      return undefined;
    }
    const value = new Date(process.argv[i + 1] ?? '');
    if (Number.isNaN(value.getTime())) {
      throw new Error(`--${name} must be an ISO-8601 time, got ${process.argv[i + 1]}`);
    }
    return value;
  };
  const range = { from: arg('from'), to: arg('to') };
  const embedded = config.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT, log });
  const pool = createPool({ connectionString: config.DATABASE_URL ?? embedded!.url, max: 2, log });
  try {
    await migrate(pool);
    const { executions } = await rebuildRollups(pool, range);
    log.info({ executions, ...range }, `rebuilt rollups from ${executions} executions`);
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`rollups:rebuild: ${error.message}\n`);
  process.exit(1);
});
