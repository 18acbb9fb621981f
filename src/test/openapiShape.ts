import openapi from '../../tests/contract/openapi.json';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
};

const doc = openapi as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }> }>>;
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i += 1) {
    s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]!;
  }
  return s;
}

/** Problems with `value` against `schema` (required fields, unknown fields, types, enums), as paths. */
export function shapeProblems(value: unknown, schema: Schema, path = '$', depth = 0): string[] {
  if (depth > 12) {
    return [];
  }
  const s = resolve(schema);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) {
    const results = branches.map((b) => shapeProblems(value, b, path, depth + 1));
    return results.some((r) => r.length === 0) ? [] : results[0]!;
  }
  if (s.allOf) {
    // An extended schema: one object with the properties and requirements of every part.
    const parts = s.allOf.map(resolve);
    const merged: Schema = {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
    return shapeProblems(value, merged, path, depth + 1);
  }
  if (value === null) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    return s.nullable || types.includes('null') || s.type === undefined ? [] : [`${path}: null is not allowed`];
  }
  if (s.enum && !s.enum.includes(value)) {
    return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'array') {
    return Array.isArray(value) ? value.flatMap((item, i) => (s.items ? shapeProblems(item, s.items, `${path}[${i}]`, depth + 1) : [])) : [`${path}: expected an array`];
  }
  if (type === 'object' || s.properties) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      return [`${path}: expected an object`];
    }
    const record = value as Record<string, unknown>;
    const problems = (s.required ?? []).filter((k) => !(k in record)).map((k) => `${path}.${k}: required by the document`);
    if (s.properties && (s.additionalProperties === undefined || s.additionalProperties === false)) {
      problems.push(...Object.keys(record).filter((k) => !(k in s.properties!)).map((k) => `${path}.${k}: not in the document`));
    }
    for (const [k, v] of Object.entries(record)) {
      if (s.properties?.[k] && v !== undefined) {
        problems.push(...shapeProblems(v, s.properties[k]!, `${path}.${k}`, depth + 1));
      }
    }
    return problems;
  }
  if (type === 'string' && typeof value !== 'string') {
    return [`${path}: expected a string`];
  }
  if ((type === 'number' || type === 'integer') && typeof value !== 'number') {
    return [`${path}: expected a number`];
  }
  if (type === 'boolean' && typeof value !== 'boolean') {
    return [`${path}: expected a boolean`];
  }
  return [];
}

/** The response schema the document gives `method path` for `status`, if any. */
export function responseSchema(method: string, path: string, status: number): { template: string; schema?: Schema } | undefined {
  const template = Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  if (!template) {
    return undefined;
  }
  const operation = doc.paths[template]![method.toLowerCase()];
  if (!operation) {
    return undefined;
  }
  return { template, schema: operation.responses[String(status)]?.content?.['application/json']?.schema };
}
