import fs from 'fs';
import path from 'path';

// Grafana's plugin validator downloads a binary at run time and cannot run here; these checks
// cover what it would reject in our three kinds of manifest. The dist/ checks run after
// `npm run build` (npm test builds first).
const root = path.resolve(__dirname, '../..');
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const app = read(path.join(root, 'src/plugin.json'));
const datasource = read(path.join(root, 'src/datasource/plugin.json'));
const panels = ['trend', 'alertlist'].map((name) => ({ name, manifest: read(path.join(root, `src/panels/${name}/plugin.json`)) }));
const dist = path.join(root, 'dist');
const built = fs.existsSync(path.join(dist, 'plugin.json'));
const ID = /^[a-z0-9]+-[a-z0-9]+-(app|datasource|panel)$/;

describe('src/plugin.json (the app)', () => {
  it('has an id of the form <org>-<name>-app and type app', () => {
    expect(app.id).toMatch(ID);
    expect(app.id.endsWith('-app')).toBe(true);
    expect(app.type).toBe('app');
  });

  it('declares the Grafana version it needs', () => {
    expect(app.dependencies.grafanaDependency).toMatch(/^>=\s*\d+\.\d+\.\d+$/);
  });

  it('points every include at something that exists, and includes the nested data source and panels', () => {
    for (const include of app.includes) {
      if (include.type === 'page') {
        expect(include.path).toMatch(/^\/(a\/%PLUGIN_ID%\/[\w/-]*|plugins\/%PLUGIN_ID%)$/);
      } else {
        expect({ include: include.path, exists: fs.existsSync(path.join(root, 'src', include.path)) }).toEqual({ include: include.path, exists: true });
      }
    }
    const types = app.includes.map((i: { type: string }) => i.type);
    expect(types.filter((t: string) => t === 'panel')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['datasource', 'dashboard']));
    expect(app.includes.filter((i: { type: string }) => i.type === 'page').map((i: { name: string }) => i.name)).toEqual(['Overview', 'Workflows', 'Alerts', 'Rules', 'Channels', 'Escalation policies', 'Silences', 'SLOs', 'Locations', 'Configuration']);
    for (const logo of Object.values<string>(app.info.logos)) {
      expect(fs.existsSync(path.join(root, 'src', logo))).toBe(true);
    }
  });

  it('lists screenshots for the catalog that exist under src/ as PNGs, by relative paths webpack copies', () => {
    expect(app.info.screenshots.length).toBeGreaterThan(0);
    for (const shot of app.info.screenshots as Array<{ name: string; path: string }>) {
      expect(shot.name).toBeTruthy();
      // Grafana's validator refuses absolute URLs and paths starting with '.' or '/'.
      expect(shot.path).toMatch(/^img\/screenshots\/[\w-]+\.png$/);
      const file = path.join(root, 'src', shot.path);
      expect({ path: shot.path, exists: fs.existsSync(file) }).toEqual({ path: shot.path, exists: true });
      expect(fs.readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
  });

  it('has links with a name and an absolute https URL (plugin.schema.json wants a URI)', () => {
    expect(app.info.links.length).toBeGreaterThan(0);
    for (const link of app.info.links as Array<{ name: string; url: string }>) {
      expect(link.name).toBeTruthy();
      expect(new URL(link.url).protocol).toBe('https:');
    }
  });
});

describe('src/datasource/plugin.json (nested data source)', () => {
  it('has a literal, valid id and type datasource', () => {
    expect(datasource.id).toMatch(ID);
    expect(datasource.id).not.toContain('%');
    expect(datasource.type).toBe('datasource');
    expect(datasource.annotations).toBe(true);
    expect(datasource.dependencies.grafanaDependency).toBe(app.dependencies.grafanaDependency);
  });

  it('proxies reads for Viewers and changes for Editors, always adding the bearer token from secure data', () => {
    const route = (method: string, p: string) => datasource.routes.find((r: { method: string; path: string }) => r.method === method && r.path === p);
    expect(route('GET', 'api')).toMatchObject({ reqRole: 'Viewer', url: '{{ .JsonData.url }}/api' });
    expect(route('POST', 'api/v1/query')).toMatchObject({ reqRole: 'Viewer' });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect(route(method, 'api')).toMatchObject({ reqRole: 'Editor' });
    }
    // The query route must come before the catch-all POST route (Grafana takes the first match).
    const order = datasource.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    expect(order.indexOf('POST api/v1/query')).toBeLessThan(order.indexOf('POST api'));
    for (const r of datasource.routes.filter((x: { path: string }) => x.path.startsWith('api'))) {
      expect(r.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }]);
    }
  });

  it('sends a dry run (POST api/v1/dry-runs) through an Editor route, as Grafana matches them: the first whose method is equal and path a prefix', () => {
    const matched = datasource.routes.find((r: { method: string; path: string }) => r.method === 'POST' && 'api/v1/dry-runs'.startsWith(r.path));
    expect(matched).toMatchObject({ path: 'api', reqRole: 'Editor' });
  });
});

describe('every nested plugin.json', () => {
  it.each([['datasource', datasource], ...panels.map((p) => [p.name, p.manifest])])('%s has info.links with a name and an absolute https URL', (_name, manifest) => {
    expect(manifest.info.links.length).toBeGreaterThan(0);
    for (const link of manifest.info.links as Array<{ name: string; url: string }>) {
      expect(link.name).toBeTruthy();
      expect(new URL(link.url).protocol).toBe('https:');
    }
  });

  it('marks the alert list panel skipDataQuery (it reads the sidecar itself; Grafana then shows no query editor)', () => {
    expect(panels.find((p) => p.name === 'alertlist')!.manifest.skipDataQuery).toBe(true);
    expect(panels.find((p) => p.name === 'trend')!.manifest.skipDataQuery).toBeUndefined();
  });
});

describe.each(panels)('src/panels/$name/plugin.json (nested panel)', ({ name, manifest }) => {
  it('has a literal, valid id and type panel, with its logo', () => {
    expect(manifest.id).toMatch(ID);
    expect(manifest.type).toBe('panel');
    for (const logo of Object.values<string>(manifest.info.logos)) {
      expect(fs.existsSync(path.join(root, 'src/panels', name, logo))).toBe(true);
    }
  });
});

(built ? describe : describe.skip)('npm run build output (dist/)', () => {
  it('has the app, the data source and both panels with their placeholders filled', () => {
    for (const dir of ['', 'datasource', 'panels/trend', 'panels/alertlist']) {
      const out = read(path.join(dist, dir, 'plugin.json'));
      expect(out.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(JSON.stringify(out)).not.toContain('%PLUGIN_ID%');
      expect({ dir, module: fs.statSync(path.join(dist, dir, 'module.js')).size > 0 }).toEqual({ dir, module: true });
    }
    expect(read(path.join(dist, 'plugin.json')).id).toBe(app.id);
    for (const logo of Object.values<string>(app.info.logos)) {
      expect(fs.existsSync(path.join(dist, logo))).toBe(true);
    }
    expect(fs.existsSync(path.join(dist, 'dashboards/overview.json'))).toBe(true);
  });

  it("keeps the app's module.js (loaded for every app page) under 100 KB: pages are lazy chunks", () => {
    expect(fs.statSync(path.join(dist, 'module.js')).size).toBeLessThan(100 * 1024);
  });

  it('ships nothing test-only: no tests, fixtures or contract files', () => {
    const files = (fs.readdirSync(dist, { recursive: true }) as string[]).map(String);
    expect(files.filter((f) => /(^|\/)(__tests__|fixtures?|tests?|contract)(\/|$)|\.test\.|\.spec\./.test(f))).toEqual([]);
  });
});
