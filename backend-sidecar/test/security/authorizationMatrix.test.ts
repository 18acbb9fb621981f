import { FEATURES } from '../../src/app/features/index';
import { metricSum, scrapeMetrics } from '../support/prometheusText';
import { startTestSidecar, TEST_READONLY_TOKEN, type TestSidecar } from '../support/startTestSidecar';

/**
 * Who may call what, written down: every operation of the OpenAPI document must have a row here,
 * and every row an operation — a route added without deciding who may call it fails this test.
 * `public`: no token needed; `read`: the read-only token may call it (every GET, and
 * `POST /api/v1/query`, which changes nothing and Grafana Viewers send); `write`: the full token only.
 */
type Access = 'public' | 'read' | 'write';
const MATRIX: Record<string, Access> = {
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/openapi.json': 'read',
  'GET /api/v1/workflows': 'read',
  'POST /api/v1/workflows': 'write',
  'GET /api/v1/workflows/{id}': 'read',
  'PUT /api/v1/workflows/{id}': 'write',
  'DELETE /api/v1/workflows/{id}': 'write',
  'POST /api/v1/workflows/{id}/run': 'write',
  'GET /api/v1/workflows/{id}/executions': 'read',
  'GET /api/v1/executions/{id}': 'read',
  'POST /api/v1/executions': 'write',
  'POST /api/v1/dry-runs': 'write',
  'GET /api/v1/alerts': 'read',
  'GET /api/v1/alerts/{id}': 'read',
  'POST /api/v1/alerts/{id}/acknowledge': 'write',
  'POST /api/v1/alerts/{id}/unacknowledge': 'write',
  'POST /api/v1/alerts/{id}/resolve': 'write',
  'GET /api/v1/silences': 'read',
  'POST /api/v1/silences': 'write',
  'DELETE /api/v1/silences/{id}': 'write',
  'GET /api/v1/rules': 'read',
  'POST /api/v1/rules': 'write',
  'GET /api/v1/rules/{id}': 'read',
  'PUT /api/v1/rules/{id}': 'write',
  'DELETE /api/v1/rules/{id}': 'write',
  'GET /api/v1/escalation-policies': 'read',
  'POST /api/v1/escalation-policies': 'write',
  'PUT /api/v1/escalation-policies/{id}': 'write',
  'GET /api/v1/channels': 'read',
  'POST /api/v1/channels': 'write',
  'GET /api/v1/channels/{id}': 'read',
  'PUT /api/v1/channels/{id}': 'write',
  'DELETE /api/v1/channels/{id}': 'write',
  'POST /api/v1/channels/{id}/test': 'write',
  'GET /api/v1/alerting/load-errors': 'read',
  'GET /api/monitoring/metrics': 'read',
  'POST /api/v1/query': 'read',
  'GET /api/v1/variables/workflows': 'read',
  'GET /api/v1/annotations': 'read',
  'GET /api/v1/locations': 'read',
  'GET /api/v1/variables/label-values': 'read',
  'GET /api/v1/reports/sla': 'read',
  'GET /api/v1/report-schedules': 'read',
  'POST /api/v1/report-schedules': 'write',
  'GET /api/v1/report-schedules/{id}': 'read',
  'PUT /api/v1/report-schedules/{id}': 'write',
  'DELETE /api/v1/report-schedules/{id}': 'write',
  'GET /api/v1/slos': 'read',
  'GET /api/v1/workflows/{id}/slo': 'read',
};

jest.setTimeout(180_000);

let sidecar: TestSidecar;
/** The document's operations, as `METHOD /path`, with what the document says about their security. */
let operations: Array<{ key: string; method: string; path: string; public: boolean; readOnly: boolean }>;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES });
  const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; 'x-read-only-token'?: boolean }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
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

async function call(route: { method: string; path: string }, token: string | null | undefined): Promise<number> {
  const response = await sidecar.api(concrete(route.path), {
    method: route.method,
    token,
    ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { json: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** What each kind of caller must get for an operation with this access. */
function allowed(access: Access, statuses: { none: number; wrong: number; readOnly: number; full: number }): boolean {
  const passes = (status: number) => status !== 401 && status !== 403 && status < 500;
  if (access === 'public') {
    return passes(statuses.none) && passes(statuses.wrong) && passes(statuses.readOnly) && passes(statuses.full);
  }
  const refusedWithoutToken = statuses.none === 401 && statuses.wrong === 401 && passes(statuses.full);
  return refusedWithoutToken && (access === 'read' ? passes(statuses.readOnly) : statuses.readOnly === 403);
}

describe('authorisation matrix (every operation of the OpenAPI document)', () => {
  it('has a row for every operation the sidecar serves, and an operation for every row', () => {
    const served = operations.map((o) => o.key).sort();
    const written = Object.keys(MATRIX).sort();
    expect({ withoutARow: served.filter((k) => !(k in MATRIX)), withoutAnOperation: written.filter((k) => !served.includes(k)) }).toEqual({ withoutARow: [], withoutAnOperation: [] });
  });

  it('documents the access each row gives (security and x-read-only-token)', () => {
    const documented = Object.fromEntries(operations.map((o) => [o.key, o.public ? 'public' : o.readOnly ? 'read' : 'write']));
    expect(documented).toEqual(MATRIX);
  });

  it('lets the read-only token call every GET and POST /api/v1/query, and nothing else', () => {
    const readOnlyNonGets = Object.entries(MATRIX).filter(([key, access]) => access === 'read' && !key.startsWith('GET ')).map(([key]) => key);
    expect(readOnlyNonGets).toEqual(['POST /api/v1/query']);
    expect(Object.entries(MATRIX).filter(([key, access]) => key.startsWith('GET ') && access === 'write')).toEqual([]);
  });

  it('answers each operation with the expected status for no token, a wrong token, the read-only token and the full token, counting every refusal in /metrics', async () => {
    const before = await scrapeMetrics(sidecar.url);
    const failures: string[] = [];
    const refused = { status401: 0, missing: 0, wrong: 0, readOnly: 0 };
    for (const operation of operations) {
      const access = MATRIX[operation.key] ?? 'write';
      const statuses = {
        none: await call(operation, null),
        wrong: await call(operation, 'wrong-token-0123456789abcdef'),
        readOnly: await call(operation, TEST_READONLY_TOKEN),
        full: await call(operation, undefined),
      };
      if (!allowed(access, statuses)) {
        failures.push(`${operation.key} (${access}): none ${statuses.none}, wrong ${statuses.wrong}, read-only ${statuses.readOnly}, full ${statuses.full}`);
      }
      refused.status401 += [statuses.none, statuses.wrong, statuses.readOnly, statuses.full].filter((s) => s === 401).length;
      if (access !== 'public') {
        refused.missing += statuses.none === 401 ? 1 : 0;
        refused.wrong += statuses.wrong === 401 ? 1 : 0;
        refused.readOnly += statuses.readOnly === 403 ? 1 : 0;
      }
    }
    expect(failures).toEqual([]);
    const after = await scrapeMetrics(sidecar.url);
    const delta = (name: string, labels: Record<string, string>) => metricSum(after, name, labels) - metricSum(before, name, labels);
    expect({
      status401: delta('workflow_monitor_http_requests_total', { status: '401' }),
      missing: delta('workflow_monitor_auth_failures_total', { reason: 'missing' }),
      wrong: delta('workflow_monitor_auth_failures_total', { reason: 'wrong_token' }),
      readOnly: delta('workflow_monitor_auth_failures_total', { reason: 'read_only' }),
    }).toEqual(refused);
    expect(refused.readOnly).toBe(Object.values(MATRIX).filter((a) => a === 'write').length);
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
