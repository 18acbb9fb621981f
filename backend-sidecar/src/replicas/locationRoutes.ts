import { z } from 'zod';
import '../http/openapiRegistry';
import type { Pool } from '../db/pool';
import type { RouteTable } from '../http/route';
import { listLocations } from './replicaStore';

const iso = z.string().openapi({ format: 'date-time' });

export const locationListSchema = z
  .object({
    // The location of the replica that answered.
    location: z.string(),
    replicaId: z.string(),
    locations: z.array(
      z.object({
        location: z.string(),
        status: z.enum(['ok', 'empty']),
        lastSeenAt: iso.nullable(),
        workflows: z.number().int(),
        replicas: z.array(
          z.object({ id: z.string(), location: z.string(), version: z.string(), startedAt: iso, lastSeenAt: iso, scheduling: z.boolean() })
        ),
      })
    ),
  })
  .openapi('LocationList');

export function registerLocationRoutes(routes: RouteTable, deps: { pool: Pool; location: string; replicaId: string; expiryMs: number }): void {
  routes.add({
    method: 'get',
    path: '/api/v1/locations',
    operationId: 'listLocations',
    summary: 'Locations with their live replicas (heartbeat within REPLICA_HEARTBEAT_EXPIRY) and the locations workflows list',
    tags: ['locations'],
    responses: { 200: { description: 'Locations', schema: locationListSchema } },
    handler: async () => ({
      body: { location: deps.location, replicaId: deps.replicaId, locations: await listLocations(deps.pool, deps.expiryMs) },
    }),
  });
}
