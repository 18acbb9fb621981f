import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

export enum ROUTES {
  Overview = 'overview',
  Workflows = 'workflows',
  Alerts = 'alerts',
  Rules = 'rules',
  Channels = 'channels',
  EscalationPolicies = 'escalation-policies',
  WorkflowNew = 'workflows/new',
  Silences = 'silences',
  Slos = 'slos',
  Locations = 'locations',
}

/** The editor of a saved workflow (`workflows/:id/edit`). */
export const workflowEditRoute = (id: string) => `${ROUTES.Workflows}/${encodeURIComponent(id)}/edit`;

/** One alert's page (`alerts/:id`); notifications link here (the sidecar's notify/grafanaLinks.ts builds the same path). */
export const alertRoute = (id: number | string) => `${ROUTES.Alerts}/${encodeURIComponent(String(id))}`;
