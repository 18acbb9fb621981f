import { from, lastValueFrom, type Observable } from 'rxjs';

export interface HarnessConfig {
  appId: string;
  appModule: string;
  datasourceModule?: string;
  datasourceUid: string;
  datasourceType: string;
  /** Every Workflow Monitor data source, the first being `datasourceUid`. */
  datasources: Array<{ uid: string; name: string }>;
  theme?: 'dark' | 'light';
  view:
    | { kind: 'app' }
    | { kind: 'panel'; module: string; options?: Record<string, unknown>; targets?: unknown[]; rangeMs?: number }
    | { kind: 'queryEditor' };
}

interface FetchOptions {
  url: string;
  method?: string;
  data?: unknown;
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** As Grafana's FetchRequest: the body is read as this type (error bodies too); by default JSON when it parses, else text. */
  responseType?: 'json' | 'text' | 'arraybuffer' | 'blob';
}

/** The response body the way Grafana's backendSrv reads it for `responseType`. */
async function readBody(response: Response, responseType: FetchOptions['responseType']): Promise<unknown> {
  if (responseType === 'blob') {
    return response.blob();
  }
  if (responseType === 'arraybuffer') {
    return response.arrayBuffer();
  }
  const text = await response.text();
  if (responseType === 'text') {
    return text;
  }
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
    return text;
  }
}

/**
 * Grafana's backendSrv, as far as a plugin sees it: `fetch` returns an Observable of
 * {data, status, ok, headers}, errors are {status, statusText, data}. Requests go to the harness
 * server, which plays Grafana's data source proxy (role check + bearer token) in front of the real sidecar.
 */
export function createBackendSrv(_config: HarnessConfig) {
  const request = async (options: FetchOptions) => {
    const url = new URL(options.url, window.location.origin);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value === undefined || value === null) {
        continue;
      }
      for (const v of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(key, String(v));
      }
    }
    const method = (options.method ?? 'GET').toUpperCase();
    const hasBody = options.data !== undefined && method !== 'GET';
    const response = await window.fetch(url, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: hasBody ? (typeof options.data === 'string' ? options.data : JSON.stringify(options.data)) : undefined,
    });
    const data = await readBody(response, options.responseType);
    const result = { data, status: response.status, statusText: response.statusText, ok: response.ok, headers: response.headers, url: url.toString(), redirected: false, type: 'basic', config: options };
    if (!response.ok) {
      throw { ...result, isHandled: false };
    }
    return result;
  };
  const fetch = (options: FetchOptions): Observable<unknown> => from(request(options));
  const dataOf = async (options: FetchOptions) => ((await request(options)) as { data: unknown }).data;
  return {
    fetch,
    datasourceRequest: (options: FetchOptions) => request(options),
    request: (options: FetchOptions) => dataOf(options),
    get: (url: string, params?: Record<string, unknown>) => dataOf({ url, params }),
    delete: (url: string, data?: unknown) => dataOf({ url, method: 'DELETE', data }),
    post: (url: string, data?: unknown) => dataOf({ url, method: 'POST', data }),
    patch: (url: string, data?: unknown) => dataOf({ url, method: 'PATCH', data }),
    put: (url: string, data?: unknown) => dataOf({ url, method: 'PUT', data }),
    resolveCancelerIfExists: () => undefined,
    getInspectorStream: () => from([]),
    lastValueFrom,
  };
}
