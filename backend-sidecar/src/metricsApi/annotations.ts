import { z } from 'zod';
import type { Pool } from '../db/pool';
import { timestamp } from '../schema/timestamp';

export const annotationsQuerySchema = z.object({ from: timestamp('past'), to: timestamp('past'), workflowId: z.string().optional() }).strict();

/** Alert openings, acknowledgements and resolutions between two times, as Grafana annotation events. */
export async function alertAnnotations(pool: Pool, query: z.output<typeof annotationsQuerySchema>): Promise<Array<Record<string, unknown>>> {
  const { rows } = await pool.query(
    `SELECT (extract(epoch FROM e.at) * 1000)::bigint AS time, a.title, coalesce(e.comment, a.message) AS text,
            e.type, a.id AS "alertId", a.workflow_id AS "workflowId", a.severity
       FROM alert_events e JOIN alerts a ON a.id = e.alert_id
      WHERE e.at >= $1 AND e.at <= $2 AND ($3::text IS NULL OR a.workflow_id = $3)
      ORDER BY e.at LIMIT 5000`,
    [query.from, query.to, query.workflowId ?? null]
  );
  return rows.map((r) => ({ ...r, time: Number(r.time), tags: [r.severity, r.type, r.workflowId].filter(Boolean) }));
}
