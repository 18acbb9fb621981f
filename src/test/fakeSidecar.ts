import { of, throwError } from 'rxjs';
import { config, setAppEvents, setBackendSrv, setDataSourceSrv, type BackendSrvRequest } from '@grafana/runtime';
import { DATASOURCE_TYPE } from '../api/client';
import { responseSchema, shapeProblems } from './openapiShape';

export interface Handled {
  status?: number;
  body: unknown;
  /** Response headers (e.g. Content-Disposition of a report file). */
  headers?: Record<string, string>;
}
/** `GET api/v1/alerts` → handler; the path is what follows the data source proxy prefix. */
export type Handlers = Record<string, (req: BackendSrvRequest & { path: string }) => Handled | unknown>;

export const DS_UID = 'wm-test';

/**
 * Stands in for Grafana's services around a plugin in tests: backendSrv answers the data source
 * proxy paths from `handlers` (shaped like the sidecar's OpenAPI responses), the data source
 * list holds one Workflow Monitor data source, and toasts are recorded.
 */
export function installFakeSidecar(
  handlers: Handlers,
  opts: { role?: 'Viewer' | 'Editor' | 'Admin'; login?: string; /** More data sources of our type after the first (DS_UID); their requests answer from the same handlers. */ moreDatasources?: Array<{ uid: string; name: string }> } = {}
) {
  const requests: Array<BackendSrvRequest & { path: string; datasourceUid: string }> = [];
  const toasts: Array<{ type: string; payload: unknown }> = [];
  const datasources = [{ uid: DS_UID, name: 'Workflow Monitor' }, ...(opts.moreDatasources ?? [])].map((ds) => ({
    ...ds,
    type: DATASOURCE_TYPE,
    meta: { id: DATASOURCE_TYPE, name: 'Workflow Monitor', type: 'datasource', info: { logos: { small: '' } } },
  }));
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      const proxied = /^\/api\/datasources\/proxy\/uid\/([^/]+)\/(.*)$/.exec(req.url);
      const path = proxied ? proxied[2]! : req.url;
      const full = { ...req, path, datasourceUid: proxied?.[1] ?? '' };
      requests.push(full);
      const key = `${req.method ?? 'GET'} ${path}`;
      const handler = handlers[key] ?? Object.entries(handlers).find(([k]) => new RegExp(`^${k.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(key))?.[1];
      if (!handler) {
        return throwError(() => ({ status: 404, data: { error: { code: 'not_found', message: `no handler for ${key}` } }, config: req }));
      }
      const out = handler(full);
      const handled = out && typeof out === 'object' && 'body' in out ? (out as Handled) : { status: 200, body: out };
      // A handler must answer the way the sidecar's OpenAPI document says (tests/contract/openapi.json).
      const documented = responseSchema(req.method ?? 'GET', `/${path.split('?')[0]}`, handled.status ?? 200);
      if (!documented) {
        throw new Error(`fake sidecar: ${key} (HTTP ${handled.status ?? 200}) is not in the sidecar's OpenAPI document`);
      }
      // A binary answer (report CSV/PDF, asked with responseType blob) is not the JSON the document describes.
      const binary = req.responseType === 'blob' && (handled.status ?? 200) < 400;
      if (documented.schema && !binary) {
        const problems = shapeProblems(handled.body, documented.schema);
        if (problems.length > 0) {
          throw new Error(`fake sidecar: the handler for ${key} disagrees with the OpenAPI document: ${problems.slice(0, 5).join('; ')}`);
        }
      }
      if ((handled.status ?? 200) >= 400) {
        // Asked for a blob, the browser hands even a JSON error body over as a Blob.
        const data = req.responseType === 'blob' ? new Blob([JSON.stringify(handled.body)], { type: 'application/json' }) : handled.body;
        return throwError(() => ({ status: handled.status, data, config: req }));
      }
      const headers = Object.fromEntries(Object.entries(handled.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return of({ data: handled.body, status: handled.status ?? 200, ok: true, config: req, headers: { get: (name: string) => headers[name.toLowerCase()] ?? null } });
    },
  } as never);
  setDataSourceSrv({
    getList: () => datasources,
    getInstanceSettings: (ref?: string | { uid?: string } | null) => {
      const key = typeof ref === 'string' ? ref : ref?.uid;
      return datasources.find((ds) => ds.uid === key || ds.name === key);
    },
    get: async () => undefined,
  } as never);
  setAppEvents({ publish: (event: { type: string; payload: unknown }) => toasts.push(event) } as never);
  (config as unknown as { bootData: { user: Record<string, unknown> } }).bootData = {
    ...(config.bootData ?? {}),
    user: { login: opts.login ?? 'alice', orgRole: opts.role ?? 'Editor' },
  } as never;
  return { requests, toasts };
}
