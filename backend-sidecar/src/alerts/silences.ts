import { CronExpressionParser } from 'cron-parser';
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
