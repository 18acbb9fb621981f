import type { Config } from '../config/env';
import type { SidecarEvents } from '../events/sidecarEvents';
import type { HealthReporter } from '../http/health';
import type { RouteTable } from '../http/route';
import type { Logger } from '../log/logger';
import type { Pool } from '../db/pool';
import type { SidecarMetrics } from '../metrics/registry';

/** What the root (sidecar.ts) hands each feature: the shared services, started once. */
export interface SidecarContext {
  config: Config;
  log: Logger;
  pool: Pool;
  metrics: SidecarMetrics;
  health: HealthReporter;
  events: SidecarEvents;
  workerId: string;
}

/**
 * A feature module: adds routes, and may start background work that it stops on shutdown.
 * Features are listed in features/index.ts; the core knows none of them by name.
 */
export interface Feature {
  name: string;
  routes?: (routes: RouteTable) => void;
  start?: () => Promise<void> | void;
  stop?: () => Promise<void> | void;
}

export type FeatureFactory = (ctx: SidecarContext) => Promise<Feature> | Feature;
