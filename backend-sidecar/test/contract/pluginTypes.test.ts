import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { FEATURES } from '../../src/app/features/index';
import { startTestSidecar, type TestSidecar } from '../support/startTestSidecar';

/**
 * The plugin's client types (src/api/types.ts at the repository root) against the OpenAPI
 * document this sidecar serves, field by field and into nested objects: every field the plugin
 * reads must exist in the document's schema of the same name; every field the document requires
 * must be known to the plugin (unless listed as unread below); what the plugin takes as always
 * there must be required and non-null in the document; string-literal types must list the
 * document's enum; a union must have the document's variants. A change on one side without the
 * other fails here.
 */
const TYPES_FILE = path.resolve(__dirname, '../../../src/api/types.ts');
/** Plugin interface → component schema. */
const CHECKED: Record<string, string> = {
  Alert: 'Alert',
  AlertEvent: 'AlertEvent',
  AlertNotification: 'AlertNotification',
  Workflow: 'Workflow',
  ExecutionSummary: 'ExecutionSummary',
  Attempt: 'StepAttempt',
  DryRunResult: 'DryRunResult',
  Rule: 'Rule',
  ThresholdCondition: 'ThresholdCondition',
  RateCondition: 'RateCondition',
  PatternCondition: 'PatternCondition',
  DurationCondition: 'DurationCondition',
  ConsecutiveFailuresCondition: 'ConsecutiveFailuresCondition',
  CustomCondition: 'CustomCondition',
  BurnRateCondition: 'BurnRateCondition',
  BurnRatePair: 'BurnRatePair',
  AnomalyCondition: 'AnomalyCondition',
  SloStatus: 'SloStatus',
  SloBurnRates: 'SloBurnRates',
  CertificateExpiryCondition: 'CertificateExpiryCondition',
  AttemptTls: 'AttemptTls',
  EscalationPolicy: 'EscalationPolicy',
  EscalationTier: 'EscalationTier',
  SlackChannel: 'SlackChannel',
  SlackChannelConfig: 'SlackChannelConfig',
  DiscordChannel: 'DiscordChannel',
  DiscordChannelConfig: 'DiscordChannelConfig',
  EmailChannel: 'EmailChannel',
  EmailChannelConfig: 'EmailChannelConfig',
  SmsChannel: 'SmsChannel',
  SmsChannelConfig: 'SmsChannelConfig',
  WebhookChannel: 'WebhookChannel',
  WebhookChannelConfig: 'WebhookChannelConfig',
  AlertmanagerChannel: 'AlertmanagerChannel',
  AlertmanagerChannelConfig: 'AlertmanagerChannelConfig',
};
/** Plugin union type → component schema whose `oneOf` lists the same variants. */
const UNIONS: Record<string, string> = { Condition: 'Condition', Channel: 'Channel' };
/** Required by the document, deliberately not read by the plugin. */
const UNREAD: Record<string, string[]> = { Workflow: ['definition', 'createdAt', 'updatedAt'], ExecutionSummary: ['runId'] };

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

const source = ts.createSourceFile(TYPES_FILE, fs.readFileSync(TYPES_FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
const interfaces = new Map<string, ts.InterfaceDeclaration>();
const aliases = new Map<string, ts.TypeAliasDeclaration>();
source.forEachChild((node) => {
  if (ts.isInterfaceDeclaration(node)) {
    interfaces.set(node.name.text, node);
  } else if (ts.isTypeAliasDeclaration(node)) {
    aliases.set(node.name.text, node);
  }
});

/** An interface's properties, those of the interfaces it extends (in this file) included. */
function members(decl: ts.InterfaceDeclaration): Map<string, ts.PropertySignature> {
  const out = new Map<string, ts.PropertySignature>();
  for (const clause of decl.heritageClauses ?? []) {
    for (const base of clause.types) {
      const inherited = interfaces.get(base.expression.getText());
      for (const [name, member] of inherited ? members(inherited) : []) {
        out.set(name, member);
      }
    }
  }
  for (const member of decl.members) {
    // Quoted names too: keys such as '5m' cannot be identifiers.
    if (ts.isPropertySignature(member) && member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) {
      out.set(member.name.text, member);
    }
  }
  return out;
}

const isNull = (node: ts.TypeNode) => ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword;

/** A type with `| null` taken off, and whether it had one. */
function nonNull(node: ts.TypeNode): { type: ts.TypeNode; nullable: boolean } {
  if (ts.isUnionTypeNode(node) && node.types.some(isNull)) {
    const rest = node.types.filter((t) => !isNull(t));
    return { type: rest.length === 1 ? rest[0]! : ts.factory.createUnionTypeNode(rest), nullable: true };
  }
  return { type: node, nullable: false };
}

/** The string literals a type allows (through aliases in this file), or undefined if it is not such a union. */
function literals(node: ts.TypeNode): string[] | undefined {
  if (ts.isParenthesizedTypeNode(node)) {
    return literals(node.type);
  }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
    return [node.literal.text];
  }
  if (ts.isUnionTypeNode(node)) {
    const parts = node.types.filter((t) => !isNull(t)).map(literals);
    return parts.every((p) => p !== undefined) ? parts.flat() as string[] : undefined;
  }
  if (ts.isTypeReferenceNode(node) && aliases.has(node.typeName.getText())) {
    return literals(aliases.get(node.typeName.getText())!.type);
  }
  return undefined;
}

/** The properties of an object type: a type literal or an interface (or alias) of this file. */
function objectMembers(node: ts.TypeNode): Map<string, ts.PropertySignature> | undefined {
  if (ts.isTypeLiteralNode(node)) {
    return new Map(node.members.filter(ts.isPropertySignature).filter((m) => ts.isIdentifier(m.name)).map((m) => [(m.name as ts.Identifier).text, m]));
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (interfaces.has(name)) {
      return members(interfaces.get(name)!);
    }
    if (aliases.has(name)) {
      return objectMembers(aliases.get(name)!.type);
    }
  }
  return undefined;
}

function elementType(node: ts.TypeNode): ts.TypeNode | undefined {
  if (ts.isArrayTypeNode(node)) {
    return node.elementType;
  }
  return ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Array' && node.typeArguments?.length === 1 ? node.typeArguments[0] : undefined;
}

let sidecar: TestSidecar;
let schemas: Record<string, Schema>;

function resolve(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i += 1) {
    s = schemas[s.$ref.replace('#/components/schemas/', '')]!;
  }
  return s;
}

const schemaNullable = (s: Schema) => (Array.isArray(s.type) && s.type.includes('null')) || (s.enum ?? []).includes(null) || (s.anyOf ?? []).some((b) => b.type === 'null');

/** Disagreements between a plugin type and a schema, as `path: what`. */
function compareValue(where: string, tsType: ts.TypeNode, schemaRef: Schema): string[] {
  const schema = resolve(schemaRef);
  const { type, nullable } = nonNull(tsType);
  const problems: string[] = [];
  if (!nullable && schemaNullable(schema)) {
    problems.push(`${where}: may be null in the document; the plugin type does not say \`| null\``);
  }
  const allowed = literals(type);
  const documented = schema.enum?.filter((v) => v !== null);
  if (allowed && documented && JSON.stringify([...allowed].sort()) !== JSON.stringify([...documented].map(String).sort())) {
    problems.push(`${where}: the plugin allows ${JSON.stringify(allowed)}, the document ${JSON.stringify(documented)}`);
  }
  const fields = objectMembers(type);
  if (fields && schema.properties) {
    problems.push(...compareObject(where, fields, schema));
  }
  const element = elementType(type);
  if (element && schema.items) {
    problems.push(...compareValue(`${where}[]`, element, schema.items));
  }
  return problems;
}

function compareObject(where: string, fields: Map<string, ts.PropertySignature>, schema: Schema, unread: string[] = []): string[] {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const problems: string[] = [];
  for (const [name, member] of fields) {
    const property = properties[name];
    if (!property) {
      problems.push(`${where}.${name}: not in the document`);
      continue;
    }
    const optional = member.questionToken !== undefined;
    if (!optional && !required.has(name)) {
      problems.push(`${where}.${name}: the document may leave it out; the plugin type says it is always there`);
    }
    if (optional && required.has(name)) {
      problems.push(`${where}.${name}: always there in the document; the plugin type says optional`);
    }
    if (member.type) {
      problems.push(...compareValue(`${where}.${name}`, member.type, property));
    }
  }
  for (const name of required) {
    if (!fields.has(name) && !unread.includes(name)) {
      problems.push(`${where}.${name}: required by the document, unknown to the plugin`);
    }
  }
  return problems;
}

beforeAll(async () => {
  sidecar = await startTestSidecar({ features: FEATURES, env: { ALERTING: 'false' } });
  const doc = (await (await sidecar.api('/api/v1/openapi.json')).json()) as { components: { schemas: typeof schemas } };
  schemas = doc.components.schemas;
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('the plugin client types agree with the OpenAPI document', () => {
  it.each(Object.entries(CHECKED))('%s ⇄ components.schemas.%s', (tsName, schemaName) => {
    const schema = schemas[schemaName];
    expect(schema).toBeDefined();
    const declaration = interfaces.get(tsName);
    expect(declaration).toBeDefined();
    expect(compareObject(tsName, members(declaration!), schema!, UNREAD[tsName])).toEqual([]);
  });

  it.each(Object.entries(UNIONS))('union %s ⇄ the variants of components.schemas.%s', (tsName, schemaName) => {
    const alias = aliases.get(tsName);
    expect(alias && ts.isUnionTypeNode(alias.type)).toBe(true);
    const pluginVariants = (alias!.type as ts.UnionTypeNode).types.map((t) => CHECKED[t.getText()] ?? `(unchecked ${t.getText()})`);
    const documentVariants = (schemas[schemaName]!.oneOf ?? []).map((b) => (b.$ref ?? '').replace('#/components/schemas/', ''));
    expect(pluginVariants.sort()).toEqual(documentVariants.sort());
  });

  it('finds a drift (the comparison itself can fail)', () => {
    const drifted = ts.createSourceFile('drift.ts', 'interface X { id: number; state: "a" | "b"; gone: string; when?: string }', ts.ScriptTarget.ES2022, true);
    const declaration = drifted.statements.find(ts.isInterfaceDeclaration)!;
    const fields = new Map(declaration.members.filter(ts.isPropertySignature).map((m) => [(m.name as ts.Identifier).text, m]));
    const schema: Schema = { type: 'object', properties: { id: { type: ['integer', 'null'] }, state: { type: 'string', enum: ['a', 'c'] }, when: { type: 'string' }, extra: { type: 'string' } }, required: ['id', 'state', 'when', 'extra'] };
    expect(compareObject('X', fields, schema)).toEqual([
      'X.id: may be null in the document; the plugin type does not say `| null`',
      'X.state: the plugin allows ["a","b"], the document ["a","c"]',
      'X.gone: not in the document',
      'X.when: always there in the document; the plugin type says optional',
      'X.extra: required by the document, unknown to the plugin',
    ]);
  });
});

/**
 * The plugin's tests answer with handlers shaped like this document (src/test/fakeSidecar.ts checks
 * every handler response against it); the copy they read must be the document this code serves.
 * Refresh it with: cd backend-sidecar && UPDATE_FIXTURES=1 npx jest test/contract (UPDATE_OPENAPI_FIXTURE=1 works too)
 */
describe('the OpenAPI copy the plugin tests use', () => {
  it('is the document the sidecar serves', async () => {
    const served = await (await sidecar.api('/api/v1/openapi.json')).json();
    const fixture = path.resolve(__dirname, '../../../tests/contract/openapi.json');
    if (process.env.UPDATE_FIXTURES || process.env.UPDATE_OPENAPI_FIXTURE) {
      fs.writeFileSync(fixture, `${JSON.stringify(served, null, 2)}\n`);
    }
    expect(JSON.parse(fs.readFileSync(fixture, 'utf8'))).toEqual(served);
  });
});
