import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEATURES } from '../../src/app/features/index';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * The OpenAPI document as generated clients and linters read it: operation names, documented 4xx answers,
 * license, and Redocly's recommended rules (backend-sidecar/redocly.yaml) without a single warning.
 */
type Operation = { operationId?: string; responses: Record<string, unknown>; security?: unknown[]; parameters?: unknown[]; requestBody?: unknown; 'x-read-only-token'?: boolean };
type Document = { info: { license?: { name: string; identifier?: string; url?: string } }; paths: Record<string, Record<string, Operation>> };

const SIDECAR_DIR = path.resolve(__dirname, '../..');
let sidecar: TestSidecar;
let doc: Document;
let operations: Array<{ method: string; path: string; op: Operation }>;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { ALERTING: 'false' } });
  doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as Document;
  operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path: p, op })));
});

afterAll(async () => {
  await sidecar.stop();
});

describe('the OpenAPI document', () => {
  it('names every operation with a unique camelCase operationId (what generated clients call the method)', () => {
    const missing = operations.filter((o) => !o.op.operationId).map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(missing).toEqual([]);
    const ids = operations.map((o) => o.op.operationId!);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.filter((id) => !/^[a-z][A-Za-z0-9]*$/.test(id))).toEqual([]);
    expect(operations.find((o) => o.method === 'get' && o.path === '/api/v1/workflows')!.op.operationId).toBe('listWorkflows');
    expect(operations.find((o) => o.method === 'post' && o.path === '/api/v1/alerts/{id}/acknowledge')!.op.operationId).toBe('acknowledgeAlert');
  });

  it('documents 400 where a request has input, 401 behind the token, 403 where the read-only token may not call, 404 where the path names an id', () => {
    const gaps: string[] = [];
    for (const { method, path: p, op } of operations) {
      const name = `${method.toUpperCase()} ${p}`;
      const expected: string[] = [];
      if ((op.parameters?.length ?? 0) > 0 || op.requestBody) {
        expected.push('400');
      }
      if ((op.security?.length ?? 0) > 0) {
        expected.push('401');
        if (op['x-read-only-token'] === false) {
          expected.push('403');
        }
      }
      if (p.includes('{') && method !== 'put') {
        expected.push('404');
      }
      for (const status of expected) {
        if (!(status in op.responses)) {
          gaps.push(`${name}: ${status}`);
        }
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = (response as { content?: Record<string, { schema?: { $ref?: string } }> }).content?.['application/json']?.schema;
        if (status.startsWith('4') && schema?.$ref !== '#/components/schemas/Error') {
          gaps.push(`${name}: ${status} without the error body`);
        }
      }
    }
    expect(gaps).toEqual([]);
    // Only the open probes answer no 4xx at all (explained in redocly.yaml).
    expect(operations.filter((o) => !Object.keys(o.op.responses).some((s) => s.startsWith('4'))).map((o) => o.op.operationId).sort()).toEqual(['getHealth', 'getReadiness']);
  });

  it('says under which license the API is published', () => {
    expect(doc.info.license).toEqual({ name: 'Apache 2.0', identifier: 'Apache-2.0' });
  });

  it("passes Redocly's recommended rules with no error and no warning", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-openapi-lint-'));
    try {
      const file = path.join(dir, 'openapi.json');
      fs.writeFileSync(file, JSON.stringify(doc, null, 2));
      const cli = require.resolve('@redocly/cli/bin/cli.js');
      const result = spawnSync(process.execPath, [cli, 'lint', file, '--config', path.join(SIDECAR_DIR, 'redocly.yaml'), '--format', 'json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        timeout: 120_000,
      });
      const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }> };
      const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect({ problems, totals: report.totals }).toEqual({ problems: [], totals: expect.objectContaining({ errors: 0, warnings: 0 }) });
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

