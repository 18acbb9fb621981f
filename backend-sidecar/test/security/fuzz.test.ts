import fc from 'fast-check';
import { FEATURES } from '../../src/app/features/index';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * Property-based fuzzing of every /api route's body and query (FUZZ_RUNS cases per route, 1,000 by
 * default): never a 5xx, never a crash, and every 400 is a JSON error whose details name a field.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
jest.setTimeout(600_000);

const HOSTILE = [
  "'; DROP TABLE workflows; --",
  "1' OR '1'='1",
  '$[?(@.__proto__)]',
  '{"$where": "sleep(1000)"}',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '${process.env.SIDECAR_API_TOKEN}',
  '{{constructor.constructor("return process")()}}',
  '\u0000',
  '😀'.repeat(50),
  'a'.repeat(5000),
];

interface Operation {
  method: string;
  path: string;
  bodyKeys: string[];
  queryKeys: string[];
}

let sidecar: TestSidecar;
let operations: Operation[];

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { SCHEDULER: 'false' } });
  const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as any;
  operations = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      if (!path.startsWith('/api')) {
        continue;
      }
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const resolved = schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        bodyKeys: Object.keys(resolved?.properties ?? {}),
        queryKeys: (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name),
      });
    }
  }
});

afterAll(async () => {
  await sidecar?.stop();
});

const hostileString = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE));
const value = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

function bodyFor(op: Operation) {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(op.bodyKeys.length > 0 ? fc.constantFrom(...op.bodyKeys) : fc.string(), value, { maxKeys: 8 })
  );
}

function queryFor(op: Operation) {
  return fc.dictionary(op.queryKeys.length > 0 ? fc.constantFrom(...op.queryKeys, 'unknown') : fc.string({ maxLength: 8 }), hostileString, { maxKeys: 4 });
}

describe('fuzzing every /api route', () => {
  it('finds the routes to fuzz', () => {
    expect(operations.length).toBeGreaterThan(3);
  });

  it(`answers ${RUNS} random bodies and queries per route without a 5xx`, async () => {
    const serverErrors: string[] = [];
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(bodyFor(op), queryFor(op), fc.constantFrom('matrix-probe', '1', HOSTILE[0]!, '%27%3B'), async (body, query, id) => {
          const path = op.path.replace(/\{\w+\}/g, encodeURIComponent(id));
          const search = new URLSearchParams(query as Record<string, string>).toString();
          const response = await sidecar.api(`${path}${search ? `?${search}` : ''}`, {
            method: op.method,
            ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { json: body }),
          });
          const text = await response.text();
          if (response.status >= 500) {
            serverErrors.push(`${op.method} ${op.path} → ${response.status} ${text.slice(0, 300)} for ${JSON.stringify(body).slice(0, 200)}`);
            return false;
          }
          if (response.status === 400) {
            const error = JSON.parse(text).error;
            return typeof error.code === 'string' && typeof error.message === 'string' && !text.includes('    at ');
          }
          return true;
        }),
        { numRuns: RUNS }
      ).catch((error: Error) => serverErrors.push(`${op.method} ${op.path}: ${error.message.split('\n').slice(0, 6).join(' ')}`));
    }
    expect(serverErrors).toEqual([]);
  });

  it('stores SQL- and JSON-path-injection strings verbatim and returns them unchanged', async () => {
    for (const [i, hostile] of HOSTILE.filter((h) => h.length < 1000 && !h.includes('\u0000')).entries()) {
      const id = `inject-${i}`;
      const created = await sidecar.api('/api/v1/workflows', {
        method: 'POST',
        json: { id, name: hostile, description: hostile, labels: { note: hostile }, schedule: { every: '1h' }, steps: [{ name: 'x', request: { url: 'http://127.0.0.1:9/' } }] },
      });
      expect(created.status).toBe(201);
      const read = (await (await sidecar.api(`/api/v1/workflows/${id}`)).json()) as any;
      expect(read.name).toBe(hostile);
      expect(read.description).toBe(hostile);
      expect(read.labels.note).toBe(hostile);
    }
    const { rows } = await sidecar.db.pool.query(`SELECT to_regclass('workflows')::text AS t`);
    expect(rows[0].t).toBe('workflows');
  });

  it('refuses oversize bodies (413), deep nesting and huge arrays (400 or 413)', async () => {
    const big = await sidecar.api('/api/v1/workflows', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const nested = await sidecar.api('/api/v1/workflows', { method: 'POST', body: `{"id":"deep","nested":${deep}}`, headers: { 'content-type': 'application/json' } });
    expect([400, 413]).toContain(nested.status);
    const huge = await sidecar.api('/api/v1/workflows', { method: 'POST', json: { id: 'huge', name: 'h', schedule: { every: '1h' }, steps: Array.from({ length: 50_000 }, () => ({ name: 'x' })) } });
    expect([400, 413]).toContain(huge.status);
  });
});
