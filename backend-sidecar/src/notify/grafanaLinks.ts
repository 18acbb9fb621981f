import type { NotificationPayload } from './notificationMessage';

/** The app plugin's id (src/plugin.json): its pages live under `${GRAFANA_URL}/a/<id>/`. */
export const APP_PLUGIN_ID = 'workflowmonitor-workflowmonitor-app';

/** Where a notification takes its reader in Grafana. */
export interface NotificationLinks {
  /** The alert's page in the app; for a channel test, the Alerts page (a test has no alert). */
  alertUrl: string;
  /** The workflow's page; absent for a channel test. */
  workflowUrl?: string;
}

/**
 * The links a notification carries, built when it is delivered (so a corrected GRAFANA_URL fixes
 * queued ones too); undefined when GRAFANA_URL is unset. `grafanaUrl` is already normalised by
 * config/env.ts: absolute, no trailing `/`. The routes are the app's (src/constants.ts ROUTES).
 */
export function notificationLinks(grafanaUrl: string | undefined, p: NotificationPayload): NotificationLinks | undefined {
  if (grafanaUrl === undefined) {
    return undefined;
  }
  const app = `${grafanaUrl}/a/${APP_PLUGIN_ID}`;
  if (p.kind === 'test') {
    return { alertUrl: `${app}/alerts` };
  }
  return {
    alertUrl: `${app}/alerts/${encodeURIComponent(String(p.alert.id))}`,
    workflowUrl: `${app}/workflows/${encodeURIComponent(p.alert.workflowId)}`,
  };
}
