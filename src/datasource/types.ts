import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

export const METRICS = [
  { value: 'executions', label: 'Executions', unit: 'short' },
  { value: 'successes', label: 'Successes', unit: 'short' },
  { value: 'failures', label: 'Failures', unit: 'short' },
  { value: 'degraded', label: 'Degraded (passed after retries)', unit: 'short' },
  { value: 'success_rate', label: 'Success rate', unit: 'percent' },
  { value: 'duration_avg', label: 'Duration, average', unit: 'ms' },
  { value: 'duration_p50', label: 'Duration, p50', unit: 'ms' },
  { value: 'duration_p95', label: 'Duration, p95', unit: 'ms' },
  { value: 'duration_p99', label: 'Duration, p99', unit: 'ms' },
  { value: 'attempts', label: 'Attempts', unit: 'short' },
  { value: 'retries', label: 'Retries', unit: 'short' },
  { value: 'active_alerts', label: 'Active alerts', unit: 'short' },
  { value: 'sli', label: 'SLI (over the SLO window)', unit: 'percent' },
  { value: 'error_budget_remaining', label: 'Error budget remaining', unit: 'percent' },
  { value: 'burn_rate', label: 'Error budget burn rate', unit: 'short' },
] as const;
export type MetricName = (typeof METRICS)[number]['value'];
/** Metrics computed per workflow with an SLO: always a series per workflow. */
export const SLO_METRICS: readonly MetricName[] = ['sli', 'error_budget_remaining', 'burn_rate'];
export const BURN_RATE_WINDOWS = ['5m', '30m', '1h', '6h', '24h', '72h'] as const;
/** Metrics a query may group by error type. */
export const BY_ERROR_TYPE: readonly MetricName[] = ['attempts', 'retries'];
/** Metrics that are not per location: an alert belongs to a workflow, an SLO to its workflow's every location. */
export const NOT_BY_LOCATION: readonly MetricName[] = ['active_alerts', 'sli', 'error_budget_remaining', 'burn_rate'];

export interface WorkflowQuery extends DataQuery {
  queryType?: 'metrics' | 'annotations';
  metric: MetricName;
  /** Workflow ids; may hold template variables such as `$workflow`. */
  workflowIds?: string[];
  labels?: Record<string, string>;
  /** `error_type` only with the metrics attempts (failed attempts) and retries; `location` not with active_alerts or SLO metrics. */
  groupBy?: 'workflow' | 'error_type' | 'location';
  /** Only executions from these locations; may hold template variables such as `$location`. */
  locations?: string[];
  /** Legend: `{{workflow}}`, `{{error_type}}`, `{{team}}` … are replaced by the series labels. */
  alias?: string;
  /** For burn_rate: the window each point's burn rate is over (the sidecar's default is 1h). */
  burnRateWindow?: (typeof BURN_RATE_WINDOWS)[number];
}

export const DEFAULT_QUERY: Partial<WorkflowQuery> = { metric: 'success_rate', groupBy: 'workflow' };

export interface WorkflowDataSourceOptions extends DataSourceJsonData {
  /** The sidecar's base URL as Grafana's server sees it, e.g. http://sidecar:8080. */
  url?: string;
}

export interface WorkflowSecureJsonData {
  apiToken?: string;
}

/** The sidecar API major version this plugin speaks. */
export const SUPPORTED_API_MAJOR = 1;
