import { FEATURES } from '../../src/app/features';
import { startTestSidecar, TEST_READONLY_TOKEN, type TestSidecar } from '../support/startTestSidecar';

/**
 * Every route of the OpenAPI document × {no token, wrong token, read-only token, full token}. The
 * table is generated from the document, so a new route cannot be forgotten.
 */
jest.setTimeout(120_000);

let sidecar: TestSidecar;
let routes: Array<{ method: string; path: string; public: boolean; readOnly: boolean }>;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES });
  const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; 'x-read-only-token'?: boolean }>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      public: Array.isArray(op.security) && op.security.length === 0,
      readOnly: op['x-read-only-token'] === true,
    }))
  );
});

afterAll(async () => {
  await sidecar?.stop();
});

function concrete(path: string): string {
  // Numeric ids for executions/alerts/silences/notifications, slugs elsewhere.
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => (/executions|alerts|silences|notifications/.test(path) && name === 'id' ? '999999' : 'matrix-probe'));
}

async function call(route: { method: string; path: string }, token: string | null): Promise<number> {
  const response = await sidecar.api(concrete(route.path), {
    method: route.method,
    token,
    ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { json: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('authorisation matrix (generated from the OpenAPI document)', () => {
  it('covers the foundation routes and every feature route', () => {
    expect(routes.length).toBeGreaterThan(5);
    expect(routes.some((r) => r.path === '/api/v1/workflows' && r.method === 'POST')).toBe(true);
  });

  it('answers each route with the documented status for each kind of caller', async () => {
    const table: string[] = [];
    const failures: string[] = [];
    for (const route of routes) {
      const none = await call(route, null);
      const wrong = await call(route, 'wrong-token-0123456789abcdef');
      const readOnly = await call(route, TEST_READONLY_TOKEN);
      const full = await call(route, undefined as unknown as string);
      table.push(`${route.method} ${route.path}: none ${none}, wrong ${wrong}, read-only ${readOnly}, full ${full}`);
      const expectNone = route.public ? none !== 401 : none === 401;
      const expectWrong = route.public ? wrong !== 401 : wrong === 401;
      const expectReadOnly = route.public ? readOnly !== 403 : route.readOnly ? readOnly !== 401 && readOnly !== 403 : readOnly === 403;
      const expectFull = full !== 401 && full !== 403 && full < 500;
      if (!(expectNone && expectWrong && expectReadOnly && expectFull)) {
        failures.push(table[table.length - 1]!);
      }
    }
    expect(failures).toEqual([]);
    // Read-only may only GET — and run data source queries, which change nothing (Grafana viewers send them).
    const READ_ONLY_POSTS = ['POST /api/v1/query'];
    expect(routes.filter((r) => r.readOnly && r.method !== 'GET' && !r.public).map((r) => `${r.method} ${r.path}`)).toEqual(READ_ONLY_POSTS);
  });

  it('counts requests and failed authentications in /metrics', async () => {
    const text = await (await fetch(`${sidecar.url}/metrics`)).text();
    expect(text).toMatch(/workflow_monitor_http_requests_total\{[^}]*status="401"[^}]*\} \d+/);
    expect(text).toMatch(/workflow_monitor_auth_failures_total\{[^}]*\} \d+/);
  });

  it('sends security headers on every response, including errors', async () => {
    for (const path of ['/health', '/api/v1/workflows', '/api/v1/nope']) {
      const response = await fetch(`${sidecar.url}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBeTruthy();
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });
});
