import type { Alert, Silence, SilenceMatchers } from '../../api/types';

/**
 * Whether a silence's matchers cover an alert — the sidecar's `silenceMatches`
 * (backend-sidecar/src/alerts/silences.ts), kept the same so the preview shows what the sidecar
 * will suppress: every matcher given must match; an empty list matches anything; each label
 * matcher needs the alert's label to be exactly that value.
 */
export function matchersCover(m: SilenceMatchers, alert: Pick<Alert, 'workflowId' | 'labels' | 'severity'>): boolean {
  if (m.workflowIds && m.workflowIds.length > 0 && !m.workflowIds.includes(alert.workflowId)) {
    return false;
  }
  if (m.severities && m.severities.length > 0 && !m.severities.includes(alert.severity)) {
    return false;
  }
  for (const [key, value] of Object.entries(m.labels ?? {})) {
    if (alert.labels[key] !== value) {
      return false;
    }
  }
  return true;
}

/** A silence never matches everything: the sidecar refuses matchers with nothing in them. */
export function hasMatchers(m: SilenceMatchers): boolean {
  return (m.workflowIds?.length ?? 0) + Object.keys(m.labels ?? {}).length + (m.severities?.length ?? 0) > 0;
}

export type SilenceTab = 'active' | 'pending' | 'recurring' | 'expired';

/**
 * Which list a silence belongs in: `active` while it suppresses (a maintenance window inside an
 * occurrence included), `recurring` for maintenance windows, `pending` for one-off silences that
 * start later, `expired` once its end has passed.
 */
export function silenceTabs(s: Silence, now: number): SilenceTab[] {
  if (Date.parse(s.endsAt) <= now) {
    return ['expired'];
  }
  const tabs: SilenceTab[] = [];
  if (s.activeNow) {
    tabs.push('active');
  }
  if (s.recurrence) {
    tabs.push('recurring');
  } else if (!s.activeNow) {
    tabs.push('pending');
  }
  return tabs;
}
