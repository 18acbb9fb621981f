import fs from 'node:fs';
import path from 'node:path';

/**
 * The layer rule: a module imports only from its own layer or the ones below it. Data and control flow
 * upward by return values and events (`events/`), never by a lower module reaching up. The rank of each
 * folder under src/ and why it sits there:
 */
const LAYERS: Record<string, number> = {
  // Leaves with no knowledge of the product: error classes, the logger, the linear-time regex engine, span names.
  errors: 0,
  log: 0,
  regex: 0,
  tracing: 0,
  // The lower layer: everything the engines and routes are built from, none of which knows who calls it.
  schema: 1, // validation pieces every edge uses (issues, yaml, durations, timestamps, label filters, env interpolation)
  model: 1, // the domain's values: execution shapes, the workflow definition, state constants, file-managed guard
  config: 1, // env parsing (uses schema's durations and net's CIDR lists)
  db: 1, // pool, migrations, embedded PostgreSQL
  net: 1, // egress guard; its refusal is a retry error class
  retry: 1, // classification, backoff, breaker: policies the executor and notify apply
  metrics: 1, // prom-client instruments; features subscribe them to events
  events: 1, // the typed event bus through which lower modules tell upper ones what happened
  executor: 1, // runs a definition's steps and assertions (the step language lives here)
  store: 1, // SQL for executions, workflows, resource limits
  rollups: 1, // rollup rebuild and retention SQL, used by metricsApi and the rebuild CLI
  // The HTTP framework (route definition, auth, errors, health): the domain's routes are built on it.
  http: 2,
  // Domain engines and their routes: they compose the lower layer and may use each other.
  workflows: 3,
  scheduler: 3,
  alerts: 3,
  notify: 3,
  metricsApi: 3,
  reports: 3, // SLA reports (JSON, CSV, PDF) from rollups and report schedules queued into the outbox
  slo: 3, // SLO arithmetic and its rollup reads (SLO API, burn-rate rules, SLA reports)
  demo: 3,
  replicas: 3, // heartbeat rows, GET /api/v1/locations
  // The composition root: features wire the domain together; sidecar.ts composes the features.
  app: 4,
  // src/main.ts: the process entry.
  main: 5,
  // The workflow-monitor CLI: a process entry of its own over the loaders, the executor and the HTTP API (never app/).
  cli: 5,
};

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(full);
    }
    // Unit tests beside the code may reach anywhere to build their state; the rule is about the product.
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const SPECIFIER_PATTERNS = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];

function relativeImports(text: string): string[] {
  return SPECIFIER_PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!)).filter((spec) =>
    spec.startsWith('.')
  );
}

function layerOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length === 1 ? 'main' : parts[0]!;
}

describe('layering of backend-sidecar/src', () => {
  const files = sourceFiles(SRC);

  it('knows the layer of every folder under src/', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((layer) => !(layer in LAYERS));
    expect(unknown).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of relativeImports(fs.readFileSync(file, 'utf8'))) {
        const to = layerOf(path.resolve(path.dirname(file), spec));
        if (LAYERS[to]! > LAYERS[from]!) {
          offending.push(`${path.relative(SRC, file)} (${from}) → ${spec} (${to})`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('reads imports of every form, so an offending edge cannot hide', () => {
    const text = [
      "import { a } from '../workflows/x';",
      'import {\n  b,\n  c,\n} from "../scheduler/u";',
      "import type { D } from '../alerts/y';",
      "import '../http/z';",
      "const m = await import('../app/w');",
      "export { e } from '../notify/v';",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['../workflows/x', '../scheduler/u', '../alerts/y', '../notify/v', '../http/z', '../app/w']);
  });
});
