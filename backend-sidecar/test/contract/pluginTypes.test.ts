import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { FEATURES } from '../../src/app/features';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * The plugin's client types (src/api/types.ts at the repository root) against the OpenAPI
 * document this sidecar serves: every field the plugin reads must exist in the document's schema
 * of the same name, and every field the document requires must be known to the plugin. A change
 * on one side without the other fails here.
 */
const TYPES_FILE = path.resolve(__dirname, '../../../src/api/types.ts');
const CHECKED: Record<string, string> = {
  Alert: 'Alert',
  AlertEvent: 'AlertEvent',
  AlertNotification: 'AlertNotification',
  Workflow: 'Workflow',
  ExecutionSummary: 'ExecutionSummary',
  Attempt: 'StepAttempt',
};

function interfaceFields(): Map<string, Map<string, boolean>> {
  const source = ts.createSourceFile(TYPES_FILE, fs.readFileSync(TYPES_FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, Map<string, boolean>>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) {
      const fields = new Map<string, boolean>();
      for (const member of node.members) {
        if (ts.isPropertySignature(member) && member.name && ts.isIdentifier(member.name)) {
          fields.set(member.name.text, member.questionToken !== undefined);
        }
      }
      out.set(node.name.text, fields);
    }
  });
  return out;
}

let sidecar: TestSidecar;
let schemas: Record<string, { properties?: Record<string, unknown>; required?: string[]; allOf?: unknown[] }>;

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { ALERTING: 'false' } });
  const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as { components: { schemas: typeof schemas } };
  schemas = doc.components.schemas;
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('the plugin client types agree with the OpenAPI document', () => {
  const fields = interfaceFields();
  it.each(Object.entries(CHECKED))('%s ⇄ components.schemas.%s', (tsName, schemaName) => {
    const schema = schemas[schemaName];
    expect(schema).toBeDefined();
    const properties = Object.keys(schema!.properties ?? {});
    const pluginFields = fields.get(tsName)!;
    expect(pluginFields).toBeDefined();
    const unknownToServer = [...pluginFields.keys()].filter((f) => !properties.includes(f));
    expect({ schemaName, unknownToServer }).toEqual({ schemaName, unknownToServer: [] });
    const requiredButMissing = (schema!.required ?? []).filter((f) => !pluginFields.has(f) && !['definition', 'createdAt', 'updatedAt', 'runId', 'finishedAt'].includes(f));
    expect({ schemaName, requiredButMissing }).toEqual({ schemaName, requiredButMissing: [] });
  });
});

/**
 * The plugin's tests answer with handlers shaped like this document (src/test/fakeSidecar.ts checks
 * every handler response against it); the copy they read must be the document this code serves.
 * Refresh it with: cd backend-sidecar && UPDATE_OPENAPI_FIXTURE=1 npx jest test/contract
 */
describe('the OpenAPI copy the plugin tests use', () => {
  it('is the document the sidecar serves', async () => {
    const served = await (await sidecar.api('/api/v1/openapi.json')).json();
    const fixture = path.resolve(__dirname, '../../../src/__tests__/fixtures/openapi.json');
    if (process.env.UPDATE_OPENAPI_FIXTURE) {
      fs.writeFileSync(fixture, `${JSON.stringify(served, null, 2)}\n`);
    }
    expect(JSON.parse(fs.readFileSync(fixture, 'utf8'))).toEqual(served);
  });
});
