import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/env';
import type { Feature, FeatureFactory, SidecarContext } from './feature';
import { SidecarEvents } from '../events/sidecarEvents';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embeddedPostgres';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createApp, type SidecarApp } from '../http/app';
import { HealthReporter } from '../http/health';
import type { Logger } from '../log/logger';
import { SidecarMetrics } from '../metrics/registry';

export type { Feature, FeatureFactory, SidecarContext };

export interface RunningSidecar {
  url: string;
  port: number;
  databaseUrl: string;
  apiToken: string;
  context: SidecarContext;
  http: SidecarApp;
  stop(): Promise<void>;
}

export async function startSidecar(opts: {
  config: Config;
  log: Logger;
  features?: FeatureFactory[];
  /** Set when the caller generated the token (printed to the terminal). */
  apiToken?: string;
}): Promise<RunningSidecar> {
  const { config, log } = opts;
  const apiToken = opts.apiToken ?? config.SIDECAR_API_TOKEN;
  if (!apiToken) {
    throw new Error('SIDECAR_API_TOKEN is required');
  }
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT, log });
    databaseUrl = embedded.url;
  }
  const pool = createPool({ connectionString: databaseUrl, max: config.PG_POOL_MAX, log });
  const stopDatabase = async () => {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
  };
  try {
    const { applied } = await migrate(pool);
    if (applied.length > 0) {
      log.info({ applied }, 'database migrations applied');
    }
    const metrics = new SidecarMetrics();
    const health = new HealthReporter(pool);
    const workerId = config.WORKER_ID ?? `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    const context: SidecarContext = { config, log, pool, metrics, health, events: new SidecarEvents(), workerId };
    const features: Feature[] = [];
    for (const factory of opts.features ?? []) {
      features.push(await factory(context));
    }
    const sidecarApp = createApp({
      log,
      metrics,
      health,
      apiToken,
      readOnlyToken: config.SIDECAR_READONLY_TOKEN,
      metricsToken: config.METRICS_TOKEN,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      features: features.flatMap((f) => (f.routes ? [f.routes] : [])),
    });
    const server = http.createServer(sidecarApp.app);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    for (const feature of features) {
      await feature.start?.();
    }
    const port = (server.address() as AddressInfo).port;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      databaseUrl,
      apiToken,
      context,
      http: sidecarApp,
      stop() {
        stopping ??= (async () => {
          // Stop accepting, let in-flight requests and executions finish (bounded), then close.
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const featureStops = Promise.all([...features].reverse().map(async (f) => {
            try {
              await f.stop?.();
            } catch (error) {
              log.warn({ err: error, feature: f.name }, 'feature did not stop cleanly');
            }
          }));
          const bounded = await Promise.race([
            Promise.all([closed, featureStops]).then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT).unref()),
          ]);
          if (!bounded) {
            log.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT }, 'shutdown timeout reached; closing remaining connections');
            server.closeAllConnections();
          }
          await stopDatabase();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopDatabase();
    throw error;
  }
}
