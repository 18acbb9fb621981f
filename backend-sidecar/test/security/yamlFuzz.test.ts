import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { syncAlertingFiles } from '../../src/alerts/alertingFiles';
import { loadWorkflowFile } from '../../src/workflows/loadWorkflowFiles';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

/**
 * Property-based fuzzing of the YAML loaders (FUZZ_RUNS cases, 1,000 by default): whatever a file
 * holds — random text, random YAML documents, almost-valid workflows with hostile values — loading
 * never throws, and every problem names the file, a path and a reason.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
jest.setTimeout(600_000);

let dir: string;
let db: TestDatabase;
let n = 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-yaml-fuzz-'));
  db = await createTestDatabase();
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

const hostile = fc.constantFrom("'; DROP TABLE workflows; --", '__proto__', 'constructor', '${HOME}', '${NOPE}', '{{token}}', '\u0000', '*/5 * * * *', '-1s', '99999d', 'http://', '');
const value = fc.oneof(hostile, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const nearlyValid = fc.record({
  id: fc.oneof(fc.constant('wf'), value),
  name: fc.oneof(fc.constant('Workflow'), value),
  schedule: fc.oneof(fc.constant({ every: '1m' }), fc.record({ cron: value }), fc.record({ every: value }), value),
  timeout: fc.oneof(fc.constant('30s'), value),
  retry: fc.oneof(fc.constant({ strategy: 'default' }), fc.record({ maxAttempts: value, initialDelay: value, jitter: value }), value),
  labels: fc.oneof(fc.dictionary(fc.string(), value), value),
  steps: fc.oneof(fc.array(fc.record({ name: value, request: fc.oneof(fc.record({ url: value, method: value }), value), assert: fc.array(value) }), { maxLength: 3 }), value),
}, { requiredKeys: [] });
const document = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.anything({ maxDepth: 4 }).map((v) => YAML.stringify(v) ?? ''),
  nearlyValid.map((v) => YAML.stringify(v)),
  fc.array(nearlyValid, { maxLength: 3 }).map((workflows) => YAML.stringify({ workflows }))
);

function write(text: string): string {
  n += 1;
  const file = path.join(dir, `f${n}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe('the YAML loaders under hostile files', () => {
  it('the workflow loader never throws and names file, path and reason', async () => {
    await fc.assert(
      fc.asyncProperty(document, async (text) => {
        const file = write(text);
        const loaded = await loadWorkflowFile(file, { HOME: '/root' });
        for (const error of loaded.errors) {
          expect(error.file).toBe(file);
          expect(typeof error.path).toBe('string');
          expect(error.path.length).toBeGreaterThan(0);
          expect(error.message.length).toBeGreaterThan(0);
        }
        fs.rmSync(file);
      }),
      { numRuns: RUNS }
    );
  });

  it('the alerting loader never throws and keeps the database consistent', async () => {
    const section = fc.record({
      channels: fc.oneof(fc.array(fc.record({ id: value, name: value, type: fc.oneof(fc.constantFrom('webhook', 'slack', 'email'), value), config: fc.oneof(fc.record({ url: value, secret: value }), value) }, { requiredKeys: [] }), { maxLength: 2 }), value),
      rules: fc.oneof(fc.array(fc.record({ id: value, name: value, severity: value, condition: fc.oneof(fc.record({ type: fc.constantFrom('custom', 'rate', 'threshold'), expression: value, value }), value) }, { requiredKeys: [] }), { maxLength: 2 }), value),
    }, { requiredKeys: [] });
    const alertingDir = path.join(dir, 'alerting');
    fs.mkdirSync(alertingDir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), section.map((s) => YAML.stringify(s))), async (text) => {
        fs.writeFileSync(path.join(alertingDir, 'a.yaml'), text);
        const errors = await syncAlertingFiles(db.pool, alertingDir, {});
        for (const error of errors) {
          expect(error.path.length).toBeGreaterThan(0);
          expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: Math.max(50, Math.floor(RUNS / 5)) }
    );
  });
});
