import { startSidecar, type FeatureFactory, type RunningSidecar } from '../../src/app/sidecar';
import { loadConfig, type Config } from '../../src/config/env';
import { createLogger, type Logger } from '../../src/log/logger';
import { createTestDatabase, type TestDatabase } from './testDatabase';

export const TEST_TOKEN = 'test-token-0123456789abcdef';
export const TEST_READONLY_TOKEN = 'readonly-token-0123456789abcdef';

export interface TestSidecar extends RunningSidecar {
  db: TestDatabase;
  /** fetch against the sidecar with the full token unless `token` is given (null: none). */
  api(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
}

/** Starts an in-process sidecar on a fresh test database, port 0, scheduler off unless asked. */
export async function startTestSidecar(opts: { env?: Record<string, string>; features?: FeatureFactory[]; log?: Logger; db?: TestDatabase } = {}): Promise<TestSidecar> {
  const db = opts.db ?? (await createTestDatabase());
  const config: Config = loadConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    SIDECAR_API_TOKEN: TEST_TOKEN,
    SIDECAR_READONLY_TOKEN: TEST_READONLY_TOKEN,
    LOG_LEVEL: 'silent',
    SCHEDULER: 'false',
    DEMO: 'off',
    SHUTDOWN_TIMEOUT: '2s',
    ...opts.env,
  });
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, format: 'json' });
  const sidecar = await startSidecar({ config, log, features: opts.features ?? [] });
  return {
    ...sidecar,
    db,
    async stop() {
      await sidecar.stop();
      if (!opts.db) {
        await db.drop();
      }
    },
    api(path, init = {}) {
      const { token = TEST_TOKEN, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) {
        headers.set('Authorization', `Bearer ${token}`);
      }
      if (json !== undefined) {
        headers.set('Content-Type', 'application/json');
      }
      return fetch(`${sidecar.url}${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
  };
}
