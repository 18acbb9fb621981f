import { lastValueFrom } from 'rxjs';
import { getBackendSrv, getDataSourceSrv, isFetchError } from '@grafana/runtime';
import type {
  Alert,
  AlertDetail,
  AlertFilter,
  Channel,
  ChannelInput,
  ChannelTestResult,
  EscalationPolicyInput,
  DryRunResult,
  EscalationPolicy,
  ExecutionDetail,
  ExecutionSummary,
  MonitoringMetrics,
  QueryRequest,
  QueryResponse,
  Rule,
  RuleInput,
  Silence,
  SilenceInput,
  Workflow,
  LocationList,
  SloStatus,
} from './types';

export const DATASOURCE_TYPE = 'workflowmonitor-workflowmonitor-datasource';

/** An error from the sidecar (or Grafana's proxy), with the sidecar's code and field details. */
export class SidecarError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly details?: unknown
  ) {
    super(message);
    this.name = 'SidecarError';
  }

  /** Field errors as `{ 'condition.value': 'must be …' }`, for forms. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as Array<{ path?: string; message?: string }>) {
        if (d.path && d.message && !(d.path in out)) {
          out[d.path] = d.message;
        }
      }
    }
    return out;
  }
}

function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

/** A binary request's error body arrives as a Blob; the sidecar's JSON error is inside it. */
async function readBlobError(error: unknown): Promise<unknown> {
  if (isFetchError(error) && typeof Blob !== 'undefined' && error.data instanceof Blob) {
    try {
      return { ...error, data: JSON.parse(await blobText(error.data)) };
    } catch {
      return { ...error, data: undefined };
    }
  }
  return error;
}

function toSidecarError(error: unknown): SidecarError {
  if (isFetchError(error)) {
    const body = error.data as { error?: { code?: string; message?: string; details?: unknown }; message?: string } | undefined;
    if (body?.error?.message) {
      return new SidecarError(body.error.message, error.status, body.error.code, body.error.details);
    }
    if (error.status === 403) {
      return new SidecarError('Your Grafana role may not do this (Editor needed)', 403, 'forbidden');
    }
    if (error.status === 502 || error.status === 504) {
      return new SidecarError('The Workflow Monitor sidecar cannot be reached; check the data source URL', error.status, 'unreachable');
    }
    return new SidecarError(body?.message ?? error.statusText ?? `HTTP ${error.status}`, error.status, undefined, error.data);
  }
  return new SidecarError(error instanceof Error ? error.message : String(error), 0);
}

/**
 * The one way the plugin talks to the sidecar: every call goes through the data source's proxy
 * routes (Grafana adds the token; mutating routes need Editor). Components never build URLs.
 */
export class SidecarClient {
  constructor(readonly datasourceUid: string) {}

  private async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: { params?: Record<string, unknown>; data?: unknown } = {}): Promise<T> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.params ?? {})) {
      if (v !== undefined && v !== null && v !== '') {
        params[k] = String(v);
      }
    }
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<T>({
          method,
          url: `/api/datasources/proxy/uid/${this.datasourceUid}/${path}`,
          params,
          data: opts.data,
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
      return response.data;
    } catch (error) {
      throw toSidecarError(error);
    }
  }

  /** A file the sidecar answers (report CSV/PDF): the body as a Blob, its content type and the server's filename. */
  private async download(path: string, params: Record<string, string>): Promise<DownloadedFile> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<Blob>({
          method: 'GET',
          url: `/api/datasources/proxy/uid/${this.datasourceUid}/${path}`,
          params,
          responseType: 'blob',
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
      const contentType = response.headers?.get('content-type') ?? response.data.type ?? 'application/octet-stream';
      return { blob: response.data, contentType, filename: filenameFrom(response.headers?.get('content-disposition') ?? null) };
    } catch (error) {
      throw toSidecarError(await readBlobError(error));
    }
  }

  health() {
    return this.request<{ status: string; version?: string; release?: string; checks?: Record<string, unknown> }>('GET', 'health');
  }
  metrics(period: '1h' | '24h' | '7d' | '30d', details = true) {
    return this.request<{ success: boolean; data: MonitoringMetrics }>('GET', 'api/monitoring/metrics', { params: { period, details } }).then((r) => r.data);
  }
  query(request: QueryRequest) {
    return this.request<QueryResponse>('POST', 'api/v1/query', { data: request });
  }
  workflowVariables(label?: string) {
    return this.request<{ workflows: Array<{ id: string; name: string; labels: Record<string, string> }> }>('GET', 'api/v1/variables/workflows', { params: { label } });
  }
  labelValues(label: string) {
    return this.request<{ label: string; values: string[]; truncated: boolean }>('GET', 'api/v1/variables/label-values', { params: { label } });
  }
  annotations(from: number, to: number) {
    return this.request<{ annotations: Array<{ time: number; title: string; text: string; type: string; alertId: number; workflowId: string; severity: string; tags: string[] }> }>('GET', 'api/v1/annotations', { params: { from, to } });
  }
  listWorkflows() {
    return this.request<{ workflows: Workflow[]; loadErrors: Array<{ file: string; path: string; message: string }> }>('GET', 'api/v1/workflows');
  }
  getWorkflow(id: string) {
    return this.request<Workflow>('GET', `api/v1/workflows/${encodeURIComponent(id)}`);
  }
  createWorkflow(definition: Record<string, unknown>) {
    return this.request<Workflow>('POST', 'api/v1/workflows', { data: definition });
  }
  /** Replaces an API-defined workflow (the sidecar answers 409 for a file-defined one). */
  saveWorkflow(id: string, definition: Record<string, unknown>) {
    return this.request<Workflow>('PUT', `api/v1/workflows/${encodeURIComponent(id)}`, { data: definition });
  }
  deleteWorkflow(id: string) {
    return this.request<void>('DELETE', `api/v1/workflows/${encodeURIComponent(id)}`);
  }
  /**
   * Runs a definition once now (the shape POST /api/v1/workflows takes; id and schedule optional) and
   * answers with its execution; nothing is stored. Editor only; 429 `too_many_dry_runs` when the
   * sidecar's DRY_RUN_CONCURRENCY are in flight, 400 with field details when it does not validate.
   */
  dryRun(definition: unknown): Promise<DryRunResult> {
    return this.request<DryRunResult>('POST', 'api/v1/dry-runs', { data: definition });
  }
  runWorkflow(id: string) {
    return this.request<{ runId: number }>('POST', `api/v1/workflows/${encodeURIComponent(id)}/run`);
  }
  listExecutions(workflowId: string, filter: { status?: string; limit?: number; cursor?: string; from?: string; to?: string; location?: string } = {}) {
    return this.request<{ executions: ExecutionSummary[]; nextCursor: string | null }>('GET', `api/v1/workflows/${encodeURIComponent(workflowId)}/executions`, { params: filter });
  }
  getExecution(id: number) {
    return this.request<ExecutionDetail>('GET', `api/v1/executions/${id}`);
  }
  listAlerts(filter: AlertFilter = {}) {
    return this.request<{ alerts: Alert[]; nextCursor: string | null }>('GET', 'api/v1/alerts', { params: { ...filter } });
  }
  getAlert(id: number) {
    return this.request<AlertDetail>('GET', `api/v1/alerts/${id}`);
  }
  actOnAlert(id: number, action: 'acknowledge' | 'unacknowledge' | 'resolve', body: { user: string; comment?: string; timeout?: string }) {
    return this.request<AlertDetail>('POST', `api/v1/alerts/${id}/${action}`, { data: body });
  }
  createSilence(body: SilenceInput) {
    return this.request<Silence>('POST', 'api/v1/silences', { data: body });
  }
  listRules() {
    return this.request<{ rules: Rule[] }>('GET', 'api/v1/rules');
  }
  createRule(rule: RuleInput) {
    return this.request<Rule>('POST', 'api/v1/rules', { data: rule });
  }
  saveRule(rule: RuleInput) {
    return this.request<Rule>('PUT', `api/v1/rules/${encodeURIComponent(rule.id)}`, { data: rule });
  }
  listChannels() {
    return this.request<{ channels: Channel[] }>('GET', 'api/v1/channels');
  }
  createChannel(channel: ChannelInput) {
    return this.request<Channel>('POST', 'api/v1/channels', { data: channel });
  }
  /** Replaces the channel; secret fields left out of `config` keep their stored value. */
  saveChannel(channel: ChannelInput) {
    return this.request<Channel>('PUT', `api/v1/channels/${encodeURIComponent(channel.id)}`, { data: channel });
  }
  deleteChannel(id: string) {
    return this.request<void>('DELETE', `api/v1/channels/${encodeURIComponent(id)}`);
  }
  testChannel(id: string, user: string) {
    return this.request<ChannelTestResult>('POST', `api/v1/channels/${encodeURIComponent(id)}/test`, { data: { user } });
  }
  listEscalationPolicies() {
    return this.request<{ policies: EscalationPolicy[] }>('GET', 'api/v1/escalation-policies');
  }
  createEscalationPolicy(policy: EscalationPolicyInput) {
    return this.request<EscalationPolicy>('POST', 'api/v1/escalation-policies', { data: policy });
  }
  saveEscalationPolicy(policy: EscalationPolicyInput) {
    return this.request<EscalationPolicy>('PUT', `api/v1/escalation-policies/${encodeURIComponent(policy.id)}`, { data: policy });
  }
  deleteRule(id: string) {
    return this.request<void>('DELETE', `api/v1/rules/${encodeURIComponent(id)}`);
  }
  /** Live silences and maintenance windows; with `expired`, the ended ones too. */
  listSilences(expired = false) {
    return this.request<{ silences: Silence[] }>('GET', 'api/v1/silences', { params: { expired } });
  }
  /** Ends a silence now; the sidecar records Grafana's `X-Grafana-User` as who ended it. */
  deleteSilence(id: number) {
    return this.request<void>('DELETE', `api/v1/silences/${id}`);
  }
  listSlos() {
    return this.request<{ slos: SloStatus[] }>('GET', 'api/v1/slos');
  }
  workflowSlo(id: string) {
    return this.request<SloStatus>('GET', `api/v1/workflows/${encodeURIComponent(id)}/slo`);
  }
  /** The SLA report for [from, to] (epoch ms) as a CSV or PDF file; only `workflowIds` when given. */
  slaReportFile(request: { from: number; to: number; format: 'csv' | 'pdf'; workflowIds?: string[] }) {
    const params: Record<string, string> = { from: String(request.from), to: String(request.to), format: request.format };
    if (request.workflowIds && request.workflowIds.length > 0) {
      params.workflowIds = request.workflowIds.join(',');
    }
    return this.download('api/v1/reports/sla', params);
  }
  listLocations() {
    return this.request<LocationList>('GET', 'api/v1/locations');
  }
  /** Alerts page by page (newest first) until `max` are read; `truncated` when more exist. */
  async listAlertsUpTo(filter: AlertFilter, max: number) {
    const alerts: Alert[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listAlerts({ ...filter, limit: Math.min(500, max - alerts.length), cursor });
      alerts.push(...page.alerts);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && alerts.length < max);
    return { alerts, truncated: cursor !== undefined };
  }
}

export interface DownloadedFile {
  blob: Blob;
  contentType: string;
  /** From the server's Content-Disposition; undefined when it named none. */
  filename?: string;
}

/** The filename of a Content-Disposition header (`filename*=UTF-8''…` preferred, as RFC 6266 says). */
export function filenameFrom(disposition: string | null): string | undefined {
  if (!disposition) {
    return undefined;
  }
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(disposition);
  const name = plain ? (plain[2] ?? plain[1]!).trim() : undefined;
  // Never a path: the browser saves under the name only.
  return name ? name.split(/[\\/]/).pop() || undefined : undefined;
}

/** The first Workflow Monitor data source (provisioning creates one), or the one named. */
export function findSidecar(uid?: string): SidecarClient | undefined {
  const list = getDataSourceSrv().getList({ type: DATASOURCE_TYPE });
  const ds = uid ? list.find((d) => d.uid === uid) ?? list[0] : list[0];
  return ds ? new SidecarClient(ds.uid) : undefined;
}
