import {
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  FieldType,
  MetricFindValue,
  createDataFrame,
  dataFrameFromJSON,
  type DataFrameJSON,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { SidecarClient, SidecarError } from '../api/client';
import type { FrameJson, QueryRequest, QueryTarget } from '../api/types';
import { knownRelease, releaseMismatch } from '../utils/release';
import { SUPPORTED_API_MAJOR, type WorkflowDataSourceOptions, type WorkflowQuery } from './types';

/** `{{workflow}}` / `{{team}}` in an alias replaced by the series' labels. */
export function applyAlias(alias: string, labels: Record<string, string>): string {
  return alias.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

/** Turns a Grafana query into the sidecar's target, expanding multi-value template variables. */
export function buildTarget(query: WorkflowQuery, scopedVars: ScopedVars = {}, replace = (v: string, s: ScopedVars, f?: string) => getTemplateSrv().replace(v, s, f)): QueryTarget {
  const workflowIds = (query.workflowIds ?? [])
    .flatMap((id) => replace(id, scopedVars, 'csv').split(','))
    .map((id) => id.trim())
    .filter((id) => id !== '' && id !== '$__all' && !id.startsWith('$'));
  const locations = (query.locations ?? [])
    .flatMap((location) => replace(location, scopedVars, 'csv').split(','))
    .map((location) => location.trim())
    .filter((location) => location !== '' && location !== '$__all' && !location.startsWith('$'));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(query.labels ?? {})) {
    const value = replace(v, scopedVars);
    if (!isAnyLabelValue(value)) {
      labels[k] = value;
    }
  }
  return {
    refId: query.refId,
    metric: query.metric,
    ...(workflowIds.length > 0 ? { workflowIds: [...new Set(workflowIds)] } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(query.groupBy ? { groupBy: query.groupBy } : {}),
    ...(locations.length > 0 ? { locations: [...new Set(locations)] } : {}),
    ...(query.metric === 'burn_rate' && query.burnRateWindow ? { burnRateWindow: query.burnRateWindow } : {}),
  };
}

/** The sidecar's frames as Grafana data frames, with the alias applied as the display name. */
export function toFrames(frames: FrameJson[], query?: Pick<WorkflowQuery, 'alias'>): DataFrame[] {
  return frames.map((json) => {
    const frame = dataFrameFromJSON(json as unknown as DataFrameJSON);
    if (query?.alias) {
      for (const field of frame.fields) {
        if (field.type !== FieldType.time) {
          field.config = { ...field.config, displayNameFromDS: applyAlias(query.alias, field.labels ?? {}) };
        }
      }
    }
    return frame;
  });
}

export type VariableQuery = { kind: 'workflows'; filter?: string } | { kind: 'label_values'; label: string };

/** A label filter value that means "any": empty, the `*` an All option sends, or a variable left unreplaced. */
export function isAnyLabelValue(value: string): boolean {
  return value === '' || value === '*' || value === '$__all' || value.startsWith('$');
}

/** Reads a variable query (after template replacement); an unknown one throws a message saying what is understood. */
export function parseVariableQuery(text: string): VariableQuery {
  const labelValues = /^\s*label_values\(\s*([^(),\s]+)\s*\)\s*$/.exec(text);
  if (labelValues) {
    return { kind: 'label_values', label: labelValues[1]! };
  }
  const workflows = /^\s*(?:workflows\s*(?:\(\s*([^)]*)\))?\s*)?$/.exec(text);
  if (!workflows) {
    throw new Error(`unknown variable query "${text}"; use workflows, workflows(label=value) or label_values(label)`);
  }
  const filter = (workflows[1] ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !isAnyLabelValue(pair.slice(pair.indexOf('=') + 1).trim()))
    .join(',');
  return { kind: 'workflows', ...(filter ? { filter } : {}) };
}

/** Grafana's data source proxy answers an upstream 401 with this text and status 400. */
export const PROXY_AUTH_FAILED = 'Authentication to data source failed';

export function isProxyAuthenticationFailure(error: SidecarError): boolean {
  if (error.status !== 400) {
    return false;
  }
  const said = [error.message, typeof error.details === 'string' ? error.details : JSON.stringify(error.details ?? '')].join(' ');
  return said.includes(PROXY_AUTH_FAILED);
}

export class WorkflowDataSource extends DataSourceApi<WorkflowQuery, WorkflowDataSourceOptions> {
  readonly client: SidecarClient;

  constructor(instanceSettings: DataSourceInstanceSettings<WorkflowDataSourceOptions>) {
    super(instanceSettings);
    this.client = new SidecarClient(instanceSettings.uid);
    // Annotations from alerts: openings, acknowledgements and resolutions.
    this.annotations = {
      prepareQuery: (annotation) => ({ ...(annotation.target as WorkflowQuery), refId: 'Annotations', queryType: 'annotations', metric: 'active_alerts' }),
    };
  }

  getDefaultQuery(): Partial<WorkflowQuery> {
    return { metric: 'success_rate', groupBy: 'workflow' };
  }

  filterQuery(query: WorkflowQuery): boolean {
    return !query.hide && Boolean(query.metric || query.queryType === 'annotations');
  }

  async query(request: DataQueryRequest<WorkflowQuery>): Promise<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const data: DataFrame[] = [];
    const annotationQueries = request.targets.filter((t) => t.queryType === 'annotations');
    const metricQueries = request.targets.filter((t) => t.queryType !== 'annotations' && !t.hide && t.metric);
    if (annotationQueries.length > 0) {
      const { annotations } = await this.client.annotations(from, to);
      const workflowIds = new Set(annotationQueries.flatMap((q) => buildTarget(q, request.scopedVars).workflowIds ?? []));
      const rows = annotations.filter((a) => workflowIds.size === 0 || workflowIds.has(a.workflowId));
      data.push(
        createDataFrame({
          refId: annotationQueries[0]!.refId,
          fields: [
            { name: 'time', type: FieldType.time, values: rows.map((a) => a.time) },
            { name: 'title', type: FieldType.string, values: rows.map((a) => `${a.type}: ${a.title}`) },
            { name: 'text', type: FieldType.string, values: rows.map((a) => a.text) },
            { name: 'tags', type: FieldType.other, values: rows.map((a) => a.tags) },
          ],
        })
      );
    }
    if (metricQueries.length === 0) {
      return { data };
    }
    const body: QueryRequest = {
      from,
      to,
      intervalMs: request.intervalMs,
      maxDataPoints: request.maxDataPoints ?? 1000,
      targets: metricQueries.map((q) => buildTarget(q, request.scopedVars)),
    };
    const response = await this.client.query(body);
    const errors: Array<{ refId: string; message: string }> = [];
    for (const q of metricQueries) {
      const result = response.results[q.refId];
      if (result?.error) {
        errors.push({ refId: q.refId, message: result.error });
      }
      data.push(...toFrames(result?.frames ?? [], q));
    }
    return { data, ...(errors.length > 0 ? { errors } : {}) };
  }

  /**
   * Template variables: `workflows` or `workflows(team=payments)` → workflow ids; `label_values(env)` → the
   * values of a workflow label. A filter value `*` (an "All" that sets allValue `*`) or empty matches any.
   */
  async metricFindQuery(query: string): Promise<MetricFindValue[]> {
    const variableQuery = parseVariableQuery(getTemplateSrv().replace(query ?? ''));
    if (variableQuery.kind === 'label_values') {
      const { values } = await this.client.labelValues(variableQuery.label);
      return values.map((value) => ({ text: value, value }));
    }
    const { workflows } = await this.client.workflowVariables(variableQuery.filter);
    return workflows.map((w) => ({ text: w.id, value: w.id }));
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    let version: string | undefined;
    let release: string | undefined;
    try {
      const health = await this.client.health();
      if (health.status === 'unhealthy') {
        return { status: 'error', message: 'The sidecar answers but reports itself unhealthy (its database is unreachable); see its /health' };
      }
      version = health.version;
      release = knownRelease(health.release);
    } catch (error) {
      const e = error as SidecarError;
      if ((e.details as { status?: string } | undefined)?.status === 'unhealthy') {
        return { status: 'error', message: 'The sidecar answers but reports itself unhealthy (its database is unreachable); see its /health' };
      }
      return { status: 'error', message: e.code === 'unreachable' || e.status === 0 || e.status >= 500 ? `Cannot reach the Workflow Monitor sidecar at the configured URL (${e.message})` : `Unexpected answer from the sidecar: ${e.message}` };
    }
    try {
      await this.client.listWorkflows();
    } catch (error) {
      const e = error as SidecarError;
      // Grafana's proxy turns the sidecar's 401 into a 400 "Authentication to data source failed" (ds_proxy.go);
      // the harness and direct calls still see the 401.
      if (e.status === 401 || isProxyAuthenticationFailure(e)) {
        return { status: 'error', message: 'The sidecar refused the API token: check the token in the data source settings (SIDECAR_API_TOKEN)' };
      }
      if (e.status === 404) {
        return { status: 'error', message: 'The URL answers but is not a Workflow Monitor sidecar (no /api/v1/workflows)' };
      }
      return { status: 'error', message: `The sidecar answered with an error: ${e.message}` };
    }
    if (version && Number(version.split('.')[0]) !== SUPPORTED_API_MAJOR) {
      return { status: 'error', message: `Sidecar API version ${version} is not supported by this plugin (needs ${SUPPORTED_API_MAJOR}.x); upgrade the one that is older` };
    }
    const about = [release && `release ${release}`, version && `API ${version}`].filter(Boolean).join(', ');
    const connected = `Connected to the Workflow Monitor sidecar${about ? ` (${about})` : ''}`;
    // The nested data source is built with the app: its plugin.json carries the same release.
    const mismatch = releaseMismatch(this.meta?.info?.version, release);
    if (mismatch) {
      return { status: 'warning', message: `${connected}. ${mismatch}` };
    }
    return { status: 'success', message: connected };
  }
}
