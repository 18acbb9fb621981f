import type { Feature, FeatureFactory } from '../feature';
import { release } from '../../config/release';
import { ReplicaHeartbeat } from '../../replicas/heartbeat';
import { registerLocationRoutes } from '../../replicas/locationRoutes';
import { listLocations } from '../../replicas/replicaStore';

/**
 * This replica's heartbeat (id, location, version), GET /api/v1/locations, and the `locations`
 * health check: a location that workflows list but no live replica runs slots in is `degraded`
 * (still HTTP 200: the replica answering is fine, load balancers keep it).
 */
export const locationsFeature: FeatureFactory = (ctx): Feature => {
  const { pool, config, log } = ctx;
  const heartbeat = new ReplicaHeartbeat({
    pool,
    log,
    intervalMs: config.REPLICA_HEARTBEAT_INTERVAL,
    beat: { id: ctx.workerId, location: config.LOCATION, version: release(), startedAt: ctx.health.startedAt, scheduling: config.SCHEDULER },
  });
  ctx.health.add('locations', async () => {
    const locations = await listLocations(pool, config.REPLICA_HEARTBEAT_EXPIRY);
    const empty = locations.filter((l) => l.status === 'empty').map((l) => l.location);
    return empty.length === 0
      ? { status: 'healthy', location: config.LOCATION }
      : {
          status: 'degraded',
          location: config.LOCATION,
          message: `no live replica in location${empty.length > 1 ? 's' : ''} ${empty.join(', ')}: workflows listing ${empty.length > 1 ? 'them' : 'it'} miss those slots`,
          empty,
        };
  });
  return {
    name: 'locations',
    routes: (routes) => registerLocationRoutes(routes, { pool, location: config.LOCATION, replicaId: ctx.workerId, expiryMs: config.REPLICA_HEARTBEAT_EXPIRY }),
    start: () => heartbeat.start(),
    stop: () => heartbeat.stop(),
  };
};
