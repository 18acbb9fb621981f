import { of, throwError } from 'rxjs';
import { config, setAppEvents, setBackendSrv, setDataSourceSrv, type BackendSrvRequest } from '@grafana/runtime';
import { DATASOURCE_TYPE } from '../api/client';
import { responseSchema, shapeProblems } from './openapiShape';

export interface Handled {
  status?: number;
  body: unknown;
}
/** `GET api/v1/alerts` → handler; the path is what follows the data source proxy prefix. */
export type Handlers = Record<string, (req: BackendSrvRequest & { path: string }) => Handled | unknown>;

export const DS_UID = 'wm-test';

/**
 * Routes the sidecar gains in the same change as the page that calls them (issue 17: dry runs),
 * answered without the OpenAPI check until the committed document has them. The integrator
 * removes an entry once `src/__tests__/fixtures/openapi.json` documents the route.
 */
const NOT_YET_DOCUMENTED = new Set(['POST api/v1/dry-runs']);

/**
 * Stands in for Grafana's services around a plugin in tests: backendSrv answers the data source
 * proxy paths from `handlers` (shaped like the sidecar's OpenAPI responses), the data source
 * list holds one Workflow Monitor data source, and toasts are recorded.
 */
export function installFakeSidecar(handlers: Handlers, opts: { role?: 'Viewer' | 'Editor' | 'Admin'; login?: string } = {}) {
  const requests: Array<BackendSrvRequest & { path: string }> = [];
  const toasts: Array<{ type: string; payload: unknown }> = [];
  const prefix = `/api/datasources/proxy/uid/${DS_UID}/`;
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      const path = req.url.startsWith(prefix) ? req.url.slice(prefix.length) : req.url;
      const full = { ...req, path };
      requests.push(full);
      const key = `${req.method ?? 'GET'} ${path}`;
      const handler = handlers[key] ?? Object.entries(handlers).find(([k]) => new RegExp(`^${k.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(key))?.[1];
      if (!handler) {
        return throwError(() => ({ status: 404, data: { error: { code: 'not_found', message: `no handler for ${key}` } }, config: req }));
      }
      const out = handler(full);
      const handled = out && typeof out === 'object' && 'body' in out ? (out as Handled) : { status: 200, body: out };
      // A handler must answer the way the sidecar's OpenAPI document says (tests/contract/openapi.json).
      const documented = NOT_YET_DOCUMENTED.has(key) ? { schema: undefined } : responseSchema(req.method ?? 'GET', `/${path.split('?')[0]}`, handled.status ?? 200);
      if (!documented) {
        throw new Error(`fake sidecar: ${key} (HTTP ${handled.status ?? 200}) is not in the sidecar's OpenAPI document`);
      }
      if (documented.schema) {
        const problems = shapeProblems(handled.body, documented.schema);
        if (problems.length > 0) {
          throw new Error(`fake sidecar: the handler for ${key} disagrees with the OpenAPI document: ${problems.slice(0, 5).join('; ')}`);
        }
      }
      if ((handled.status ?? 200) >= 400) {
        return throwError(() => ({ status: handled.status, data: handled.body, config: req }));
      }
      return of({ data: handled.body, status: handled.status ?? 200, ok: true, config: req });
    },
  } as never);
  setDataSourceSrv({
    getList: () => [{ uid: DS_UID, name: 'Workflow Monitor', type: DATASOURCE_TYPE }],
    getInstanceSettings: () => undefined,
    get: async () => undefined,
  } as never);
  setAppEvents({ publish: (event: { type: string; payload: unknown }) => toasts.push(event) } as never);
  (config as unknown as { bootData: { user: Record<string, unknown> } }).bootData = {
    ...(config.bootData ?? {}),
    user: { login: opts.login ?? 'alice', orgRole: opts.role ?? 'Editor' },
  } as never;
  return { requests, toasts };
}
