import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FEATURES } from './app/features/index';
import { startDemoService } from './demo/demoService';
import { startSidecar, type RunningSidecar } from './app/sidecar';
import { loadConfig, type Config } from './config/env';
import { release } from './config/release';
import { ConfigError, coerceError } from './errors/errors';
import { createLogger, type Logger } from './log/logger';

/** CLI entry: `npm start`. Starts the sidecar (and the demo service when no WORKFLOWS_DIR is set). */
async function main(): Promise<void> {
  let config: Config;
  let version: string;
  try {
    config = loadConfig();
    version = release();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`workflow-monitor: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  let apiToken = config.SIDECAR_API_TOKEN;
  let generatedToken = false;
  if (!apiToken) {
    apiToken = crypto.randomBytes(24).toString('base64url');
    generatedToken = true;
  }

  const stops: Array<() => Promise<void>> = [];
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    for (const stop of stops.reverse()) {
      await stop().catch((error) => log.error({ err: coerceError(error) }, 'error during shutdown'));
    }
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A closed terminal sends SIGHUP: stop as cleanly as on SIGTERM (the embedded PostgreSQL too).
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // Once the terminal is gone, writing a log line fails (EIO, EPIPE); that must not crash the shutdown.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => undefined);
  }

  if (config.demo) {
    const demo = await startDemoService({ port: config.DEMO_PORT, host: '127.0.0.1', log: log.child({ component: 'demo' }) });
    stops.push(() => demo.stop());
    // The demo workflows read ${DEMO_BASE_URL}; point them at the service we just started.
    process.env.DEMO_BASE_URL ??= demo.url;
    log.info({ url: demo.url }, 'demo service (deliberately flaky) started');
  }

  let sidecar: RunningSidecar;
  try {
    sidecar = await startSidecar({ config, log, apiToken, features: FEATURES });
  } catch (error) {
    log.fatal({ err: coerceError(error) }, `sidecar failed to start: ${coerceError(error).message}`);
    for (const stop of stops.reverse()) {
      await stop().catch(() => undefined);
    }
    process.exit(1);
  }
  stops.push(() => sidecar.stop());
  announce(log, sidecar, config, generatedToken, version);
}

function announce(log: Logger, sidecar: RunningSidecar, config: Config, generatedToken: boolean, version: string): void {
  log.info(
    {
      api: `${sidecar.url}/api/v1`,
      health: `${sidecar.url}/health`,
      metrics: `${sidecar.url}/metrics`,
      openapi: `${sidecar.url}/api/v1/openapi.json`,
      database: config.embeddedDatabase ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'DATABASE_URL',
      release: version,
    },
    `Workflow Monitor sidecar listening on ${sidecar.url}`
  );
  if (generatedToken) {
    // Never through the logger (log lines must not carry secrets): a file only we can read, and
    // the terminal when a person is watching.
    const file = path.join(config.dataDir, 'api-token');
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, `${sidecar.apiToken}\n`, { mode: 0o600 });
    log.warn({ file }, 'SIDECAR_API_TOKEN is not set; generated a token for this run and wrote it to the file');
    if (process.stderr.isTTY) {
      process.stderr.write(`\n  API token for this run: ${sidecar.apiToken}\n  try: curl -H "Authorization: Bearer $(cat ${file})" ${sidecar.url}/api/v1/workflows\n\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`workflow-monitor: ${coerceError(error).stack ?? String(error)}\n`);
  process.exit(1);
});
