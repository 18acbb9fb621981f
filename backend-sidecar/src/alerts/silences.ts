import { CronExpressionParser } from 'cron-parser';
import type { Pool, PoolClient } from '../db/pool';
import type { Matchers, Severity } from './ruleSchema';

export interface Silence {
  id: number;
  matchers: Matchers;
  startsAt: Date;
  endsAt: Date;
  /** Maintenance window: each cron occurrence starts a window of durationMs. */
  cron?: string;
  timezone?: string;
  durationMs?: number;
  createdBy: string;
  comment: string;
  createdAt: Date;
}

interface SilenceRow {
  id: number;
  matchers: Matchers;
  starts_at: Date;
  ends_at: Date;
  cron: string | null;
  cron_timezone: string | null;
  duration_ms: number | null;
  created_by: string;
  comment: string;
  created_at: Date;
}

export function toSilence(r: SilenceRow): Silence {
  return {
    id: Number(r.id),
    matchers: r.matchers,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    ...(r.cron ? { cron: r.cron, durationMs: r.duration_ms ?? 0, ...(r.cron_timezone ? { timezone: r.cron_timezone } : {}) } : {}),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: r.created_at,
  };
}

/** Silences not yet over and not deleted (the ones that can matter now or later). */
export async function loadLiveSilences(db: Pool | PoolClient, now = new Date()): Promise<Silence[]> {
  const { rows } = await db.query<SilenceRow>('SELECT * FROM silences WHERE deleted_at IS NULL AND ends_at > $1 ORDER BY id', [now]);
  return rows.map(toSilence);
}

/** Whether the silence is in force at `now` (for a maintenance window: inside an occurrence). */
export function silenceActive(s: Silence, now: Date): boolean {
  if (now < s.startsAt || now >= s.endsAt) {
    return false;
  }
  if (!s.cron) {
    return true;
  }
  try {
    const previous = CronExpressionParser.parse(s.cron, { currentDate: new Date(now.getTime() + 1), tz: s.timezone }).prev().getTime();
    return now.getTime() < previous + (s.durationMs ?? 0) && previous + (s.durationMs ?? 0) > s.startsAt.getTime();
  } catch {
    return false;
  }
}

export interface SilenceTarget {
  workflowId: string;
  labels: Record<string, string>;
  severity: Severity;
}

export function silenceMatches(s: Silence, t: SilenceTarget): boolean {
  const m = s.matchers;
  if (m.workflowIds && m.workflowIds.length > 0 && !m.workflowIds.includes(t.workflowId)) {
    return false;
  }
  if (m.severities && m.severities.length > 0 && !m.severities.includes(t.severity)) {
    return false;
  }
  for (const [key, value] of Object.entries(m.labels ?? {})) {
    if (t.labels[key] !== value) {
      return false;
    }
  }
  return true;
}

export function silencedBy(silences: Silence[], t: SilenceTarget, now: Date): Silence | undefined {
  return silences.find((s) => silenceActive(s, now) && silenceMatches(s, t));
}
