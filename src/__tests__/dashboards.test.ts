import fs from 'fs';
import path from 'path';
import ts from 'typescript';

// The app's dashboards (`includes` type dashboard): Grafana imports them itself, so they must hold no
// literal data source uid (a data source created in the UI has a random one) and must be dashboards as
// @grafana/schema defines them.
const root = path.resolve(__dirname, '../..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const app = read('src/plugin.json');
const DATASOURCE_TYPE: string = read('src/datasource/plugin.json').id;
const NO_QUERY_PANELS = new Set(
  ['trend', 'alertlist'].map((name) => read(`src/panels/${name}/plugin.json`)).filter((p) => p.skipDataQuery === true).map((p) => p.id as string)
);
const REF = { type: DATASOURCE_TYPE, uid: '${datasource}' };

const dashboards: Array<{ file: string; json: any }> = app.includes
  .filter((i: { type: string }) => i.type === 'dashboard')
  .map((i: { path: string }) => ({ file: `src/${i.path}`, json: read(`src/${i.path}`) }));

/**
 * Type-checks `json` written out as a TypeScript literal of `typeName` (declared in `prelude`): inline, the
 * literal gets its literal types and excess-property checks, which a JSON import (every string widened) would not.
 */
function typeErrors(json: unknown, prelude: string, typeName: string): string[] {
  const file = path.join(root, 'src/__tests__/__dashboard_typecheck__.ts');
  const source = `${prelude}\nexport const checked: ${typeName} = ${JSON.stringify(json, null, 2)};\n`;
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], jsx: ts.JsxEmit.React };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, version, onError) => (path.resolve(name) === file ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, onError));
  const fileExists = host.fileExists;
  host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && path.resolve(d.file.fileName) === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

// `Dashboard` from @grafana/schema, with the targets of panels and annotations typed as our data source's query.
const PRELUDE = `
import type { AnnotationQuery, Dashboard, Panel } from '@grafana/schema';
import type { WorkflowQuery } from '../datasource/types';
type WorkflowPanel = Omit<Panel, 'targets'> & { targets?: WorkflowQuery[] };
type WorkflowDashboard = Omit<Dashboard, 'panels' | 'annotations'> & {
  panels?: WorkflowPanel[];
  annotations?: { list?: Array<AnnotationQuery<WorkflowQuery>> };
};
// And it is a Dashboard, as Grafana's own type says.
export const asDashboard = (d: WorkflowDashboard): Dashboard => ({ ...d, panels: d.panels?.map((p) => ({ ...p, targets: p.targets?.map((t): Record<string, unknown> => ({ ...t })) })) });
`;

/** Every object in the dashboard with the JSON path to it. */
function* objects(value: unknown, at = '$'): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      yield* objects(v, `${at}[${i}]`);
    }
  } else if (value && typeof value === 'object') {
    yield [at, value as Record<string, unknown>];
    for (const [k, v] of Object.entries(value)) {
      yield* objects(v, `${at}.${k}`);
    }
  }
}

describe.each(dashboards)('$file', ({ json }) => {
  it("type-checks as @grafana/schema's Dashboard, its targets as the data source's WorkflowQuery", () => {
    expect(typeErrors(json, PRELUDE, 'WorkflowDashboard')).toEqual([]);
  });

  it('has the data source variable first: type datasource, query = our data source type', () => {
    const [first] = json.templating.list;
    expect(first).toMatchObject({ name: 'datasource', type: 'datasource', query: DATASOURCE_TYPE });
  });

  it('names the data source only through ${datasource}: every datasource reference, panel, target, variable and annotation', () => {
    const refs = [...objects(json)].filter(([, o]) => 'datasource' in o).map(([at, o]) => ({ at, datasource: o.datasource }));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toEqual({ at: ref.at, datasource: REF });
    }
    for (const [i, panel] of json.panels.entries()) {
      const at = `panels[${i}] (${panel.type})`;
      if (NO_QUERY_PANELS.has(panel.type)) {
        // A panel that runs no query finds the sidecar from its own option, given the variable.
        expect({ at, datasourceUid: panel.options.datasourceUid }).toEqual({ at, datasourceUid: '${datasource}' });
        continue;
      }
      expect({ at, datasource: panel.datasource }).toEqual({ at, datasource: REF });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect({ at, datasource: target.datasource }).toEqual({ at, datasource: REF });
      }
    }
    for (const variable of json.templating.list.filter((v: { type: string }) => v.type !== 'datasource' && v.type !== 'custom' && v.type !== 'textbox' && v.type !== 'constant')) {
      expect({ variable: variable.name, datasource: variable.datasource }).toEqual({ variable: variable.name, datasource: REF });
    }
    for (const annotation of json.annotations?.list ?? []) {
      expect({ annotation: annotation.name, datasource: annotation.datasource }).toEqual({ annotation: annotation.name, datasource: REF });
    }
  });

  it('holds no literal data source uid anywhere (the provisioned "workflow-monitor" or any other)', () => {
    const uids = [...objects(json)].filter(([at, o]) => at !== '$' && 'uid' in o).map(([at, o]) => ({ at, uid: o.uid }));
    expect(uids.filter((u) => u.uid !== '${datasource}')).toEqual([]);
    expect(JSON.stringify(json)).not.toContain('"workflow-monitor"}');
    expect(JSON.stringify(json)).not.toMatch(/"uid":\s*"workflow-monitor"/);
  });

  it('offers an environment variable from label_values(env) and filters every metric target by it', () => {
    const env = json.templating.list.find((v: { name: string }) => v.name === 'env');
    expect(env).toMatchObject({ type: 'query', query: 'label_values(env)', datasource: REF, includeAll: true, allValue: '*' });
    const targets = json.panels.flatMap((p: { targets?: unknown[] }) => p.targets ?? []);
    for (const target of targets) {
      expect(target).toMatchObject({ labels: { env: '$env' } });
    }
  });
});

describe('the dashboard type check', () => {
  const json = dashboards[0]!.json;
  const broken = (change: (d: any) => void) => {
    const copy = JSON.parse(JSON.stringify(json));
    change(copy);
    return typeErrors(copy, PRELUDE, 'WorkflowDashboard').join('\n');
  };

  it('really checks: a wrong variable type, an unknown target metric and a misspelt field are each reported', () => {
    expect(broken((d) => (d.templating.list[0].type = 'datasauce'))).toContain('"datasauce"');
    expect(broken((d) => (d.panels.find((p: { targets?: unknown[] }) => p.targets).targets[0].metric = 'cpu'))).toContain('"cpu"');
    expect(broken((d) => (d.titel = 'typo'))).toContain('titel');
  });
});

describe('who owns the app dashboards', () => {
  it('is Grafana alone through includes: no dashboards provider provisions them from the plugin folder', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(['wm-detail', 'wm-overview']);
    const dir = path.join(root, 'provisioning/dashboards');
    const providers = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')) : [];
    for (const text of providers) {
      expect(text).not.toContain(app.id);
      expect(text).not.toMatch(/plugins\//);
    }
  });
});
