import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { setImmediate as nodeSetImmediate } from 'timers';
import yauzl from 'yauzl';

// yauzl schedules its reads with setImmediate, which the jsdom environment lacks; this file cannot switch to the
// node environment because the scaffold's setup file (jest-setup.js) needs the DOM.
globalThis.setImmediate ??= nodeSetImmediate;

// The plugin archive as Grafana's plugin validator (grafana/plugin-validator, pkg/analysis/passes) reads it. The
// validator downloads a binary and calls grafana.com, so it cannot run here; these are its static checks:
//   archive, archivename       one root folder, named the plugin id (no dist/ inside)
//   metadata, metadatavalid    plugin.json present and within plugin.schema.json (id, version, updated, links…)
//   typesuffix, pluginname     id `<org>-<name>-<type>`, ending with its type
//   nestedmetadata, includesnested   every nested plugin.json declared in includes with the same type
//   logos, metadatapaths       logos and screenshots relative (no leading '.' or '/') and present
//   screenshots                at least one, its content matching its extension
//   modulejs, jssourcemap      module.js in every plugin, module.js.map beside each
//   readme, templatereadme, brokenlinks   README.md present, no comments, not the template, no relative links
//   changelog, license         CHANGELOG.md not empty; LICENSE Apache 2.0 without the template's placeholders
//   backendbinary              no executable, no backend (this app has none)
//   unsafesvg                  (a subset) no scripts or event handlers in SVGs
//   checksum                   the .sha1 / .md5 beside the zip match it
// plus ours: no test-only file ships, every sourceMappingURL resolves inside the archive, the archive is dist/.
//
// By default this packs the dist/ that `npm run build` left (npm test builds before the plugin tests) into a temp
// folder with scripts/package-plugin.mjs; with PLUGIN_ARCHIVE=<zip> it checks that archive instead (.ci/run does, for
// the one `npm run package` made).

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const { id: appId } = JSON.parse(fs.readFileSync(path.join(root, 'src/plugin.json'), 'utf8'));
const ZIP_NAME = `${appId}-${version}.zip`;
/** The nested plugins' manifests the archive must hold: every plugin.json under src/ but the app's. */
const NESTED = fs
  .readdirSync(path.join(root, 'src'), { recursive: true })
  .map((name) => String(name).split(path.sep).join('/'))
  .filter((name) => name.endsWith('/plugin.json'))
  .sort();
// plugin.schema.json's id pattern, for the types this archive can hold.
const PLUGIN_ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const TEST_ONLY = /(^|\/)(__tests__|__mocks__|fixtures?|tests?)(\/|$)|\.(test|spec)\.[cm]?[jt]sx?$/;

type Manifest = {
  id: string;
  type: string;
  name: string;
  backend?: boolean;
  executable?: string;
  alerting?: boolean;
  info: {
    version: string;
    updated: string;
    description?: string;
    keywords?: string[];
    logos: { small: string; large: string };
    screenshots?: Array<{ name?: string; path: string }>;
    links?: Array<{ name?: string; url: string }>;
  };
  includes?: Array<{ type: string; path?: string; name: string }>;
  dependencies: { grafanaDependency: string };
};

/** Every entry of the zip: folders end with '/' and map to null. yauzl refuses absolute and `..` names itself. */
function readZip(file: string): Promise<Map<string, Buffer | null>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) {
        reject(openError);
        return;
      }
      const entries = new Map<string, Buffer | null>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          entries.set(entry.fileName, null);
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            reject(streamError);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

function distFiles(): string[] {
  return fs
    .readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dist, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** What a PNG, JPEG, GIF or SVG file's first bytes say it is, the way the validator's DetectContentType does. */
function imageType(bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'png';
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  if (bytes.subarray(0, 6).toString('latin1') === 'GIF87a' || bytes.subarray(0, 6).toString('latin1') === 'GIF89a') {
    return 'gif';
  }
  return bytes.subarray(0, 512).toString('utf8').includes('<svg') ? 'svg' : 'unknown';
}
const EXTENSION_TYPE: Record<string, string> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.gif': 'gif', '.svg': 'svg' };

let zipPath: string;
let tempDir: string | undefined;
let entries: Map<string, Buffer | null>;
/** Files inside the root folder, by their path relative to it. */
let files: Map<string, Buffer>;
let manifests: Map<string, Manifest>;

const text = (file: string) => {
  const bytes = files.get(file);
  if (!bytes) {
    throw new Error(`${file} is not in ${path.basename(zipPath)}`);
  }
  return bytes.toString('utf8');
};

beforeAll(async () => {
  if (process.env.PLUGIN_ARCHIVE) {
    zipPath = path.resolve(root, process.env.PLUGIN_ARCHIVE);
  } else {
    if (!fs.existsSync(path.join(dist, 'plugin.json'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test builds before the plugin tests), or set PLUGIN_ARCHIVE to a zip made by `npm run package`');
    }
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-archive-'));
    execFileSync(process.execPath, [path.join(root, 'scripts/package-plugin.mjs'), '--no-build', '--out', tempDir], { cwd: root, stdio: 'pipe' });
    zipPath = path.join(tempDir, ZIP_NAME);
  }
  entries = await readZip(zipPath);
  files = new Map();
  for (const [name, bytes] of entries) {
    if (bytes && name.startsWith(`${appId}/`)) {
      files.set(name.slice(appId.length + 1), bytes);
    }
  }
  manifests = new Map();
  for (const [name] of files) {
    if (name === 'plugin.json' || name.endsWith('/plugin.json')) {
      manifests.set(name, JSON.parse(text(name)));
    }
  }
});

afterAll(() => {
  if (tempDir) {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
});

describe('the plugin archive', () => {
  it('is named <app id>-<package.json version>.zip', () => {
    expect(path.basename(zipPath)).toBe(ZIP_NAME);
  });

  it('holds one root folder named the app id, with the plugin directly inside (no dist/)', () => {
    const tops = new Set([...entries.keys()].map((name) => name.split('/')[0]));
    expect([...tops]).toEqual([appId]);
    expect(entries.has(`${appId}/`)).toBe(true);
    expect([...files.keys()].filter((name) => name.startsWith('dist/'))).toEqual([]);
    expect(files.has('plugin.json')).toBe(true);
  });

  it('is exactly what npm run build put in dist/', () => {
    if (!fs.existsSync(path.join(dist, 'plugin.json'))) {
      throw new Error('dist/ is missing: run `npm run build` first');
    }
    expect([...files.keys()].sort()).toEqual(distFiles());
  });

  it('has a .sha1 and a .md5 beside it that match it', () => {
    const bytes = fs.readFileSync(zipPath);
    for (const [algorithm, length] of [
      ['sha1', 40],
      ['md5', 32],
    ] as const) {
      const [sum, name] = fs.readFileSync(`${zipPath}.${algorithm}`, 'utf8').trim().split(/\s+/);
      expect(sum).toHaveLength(length);
      expect({ algorithm, sum, name }).toEqual({ algorithm, sum: crypto.createHash(algorithm).update(bytes).digest('hex'), name: ZIP_NAME });
    }
  });

  it('ships no test-only file', () => {
    expect([...files.keys()].filter((name) => TEST_ONLY.test(name))).toEqual([]);
    // The contract recordings the plugin tests read (tests/contract/) once reached dist/ through `**/*.json`.
    expect([...files.keys()].filter((name) => /(^|\/)(openapi|queryResponse)\.json$/.test(name))).toEqual([]);
  });
});

describe('plugin.json of the app, in the archive', () => {
  it('is an app whose id is <org>-<name>-app and whose version is package.json\'s, built today or earlier', () => {
    const app = manifests.get('plugin.json')!;
    expect(app.id).toBe(appId);
    expect(app.id).toMatch(/^[0-9a-z]+-[0-9a-z]+-app$/);
    expect(app.type).toBe('app');
    expect(app.name).not.toBe(app.id);
    expect(app.info.version).toBe(version);
    expect(app.info.version).toMatch(SEMVER);
    expect(app.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Date(`${app.info.updated}T00:00:00Z`).toISOString().slice(0, 10)).toBe(app.info.updated);
    expect(app.info.description).toBeTruthy();
    expect(app.info.keywords?.length).toBeGreaterThan(0);
    expect(app.dependencies.grafanaDependency).toMatch(/^>=\d+\.\d+\.\d+$/);
  });

  it('lists screenshots that ship in the archive, as PNG/JPEG/GIF/SVG matching their extension', () => {
    const shots = manifests.get('plugin.json')!.info.screenshots ?? [];
    expect(shots.length).toBeGreaterThan(0);
    for (const shot of shots) {
      expect(shot.name).toBeTruthy();
      expect(shot.path).toMatch(/^[^./][^:]*$/);
      const bytes = files.get(shot.path);
      expect({ path: shot.path, shipped: Boolean(bytes) }).toEqual({ path: shot.path, shipped: true });
      expect({ path: shot.path, type: imageType(bytes!) }).toEqual({ path: shot.path, type: EXTENSION_TYPE[path.extname(shot.path)] });
    }
  });

  it('has links with a name and an absolute https URL (the schema wants a URI; grafana.com follows them)', () => {
    const links = manifests.get('plugin.json')!.info.links ?? [];
    for (const link of links) {
      expect(link.name).toBeTruthy();
      expect(new URL(link.url).protocol).toBe('https:');
    }
  });

  it('includes paths that exist in the archive, and every nested plugin.json is included with its type', () => {
    const app = manifests.get('plugin.json')!;
    for (const include of app.includes ?? []) {
      if (include.type !== 'page') {
        expect({ include: include.path, shipped: files.has(include.path!) }).toEqual({ include: include.path, shipped: true });
      }
    }
    const nested = [...manifests.keys()].filter((name) => name !== 'plugin.json').sort();
    expect(nested).toEqual(NESTED);
    expect(nested).toEqual(expect.arrayContaining(['datasource/plugin.json', 'panels/alertlist/plugin.json', 'panels/trend/plugin.json']));
    for (const name of nested) {
      const declared = app.includes?.find((include) => include.path === name);
      expect({ name, type: declared?.type }).toEqual({ name, type: manifests.get(name)!.type });
    }
  });
});

describe('every plugin.json in the archive (the app and its nested plugins)', () => {
  it('has a literal id of the form <org>[-<name>]-<type> ending with its type, and the app\'s version', () => {
    expect([...manifests.keys()].sort()).toEqual(['plugin.json', ...NESTED].sort());
    for (const [name, manifest] of manifests) {
      expect({ name, id: manifest.id }).toEqual({ name, id: expect.stringMatching(PLUGIN_ID) });
      expect({ name, suffix: manifest.id.split('-').pop() }).toEqual({ name, suffix: manifest.type });
      expect({ name, version: manifest.info.version, updated: manifest.info.updated }).toEqual({
        name,
        version,
        updated: manifests.get('plugin.json')!.info.updated,
      });
    }
    expect(new Set([...manifests.values()].map((m) => m.id)).size).toBe(manifests.size);
  });

  it('declares no backend: no executable, no backend or alerting flag', () => {
    for (const [name, manifest] of manifests) {
      expect({ name, executable: manifest.executable, backend: manifest.backend, alerting: manifest.alerting }).toEqual({
        name,
        executable: undefined,
        backend: undefined,
        alerting: undefined,
      });
    }
  });

  it('has small and large logos, relative to it and shipped', () => {
    for (const [name, manifest] of manifests) {
      const folder = path.posix.dirname(name);
      for (const logo of [manifest.info.logos.small, manifest.info.logos.large]) {
        expect(logo).toMatch(/^[^./][^:]*$/);
        const file = path.posix.join(folder, logo);
        expect({ name, logo: file, shipped: files.has(file) }).toEqual({ name, logo: file, shipped: true });
      }
    }
  });

  it('has a module.js with its module.js.map beside it', () => {
    for (const name of manifests.keys()) {
      const folder = path.posix.dirname(name);
      for (const file of ['module.js', 'module.js.map'].map((f) => path.posix.join(folder, f))) {
        expect({ file, shipped: files.has(file) }).toEqual({ file, shipped: true });
      }
    }
  });
});

describe('the archive\'s other files', () => {
  it('resolves every sourceMappingURL of every script to a source map inside the archive', () => {
    const scripts = [...files.keys()].filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(manifests.size);
    for (const script of scripts) {
      const match = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text(script));
      expect({ script, sourceMap: Boolean(match) }).toEqual({ script, sourceMap: true });
      // Lazy chunks name theirs with webpack's `?_cache=<hash>`; the file is the path without the query.
      const mapFile = path.posix.join(path.posix.dirname(script), match![1]!.split(/[?#]/)[0]!);
      expect({ script, mapFile, shipped: files.has(mapFile) }).toEqual({ script, mapFile, shipped: true });
      expect(JSON.parse(text(mapFile))).toMatchObject({ version: 3, sources: expect.any(Array), mappings: expect.any(String) });
    }
  });

  it('has the catalog README: not the scaffold template, no comments, only absolute links', () => {
    const readme = text('README.md');
    expect(readme.trim().length).toBeGreaterThan(500);
    expect(readme).toMatch(/^# Workflow Monitor\n/);
    expect(readme).not.toMatch(/Grafana (Panel|Data Source|Datasource|App|Data Source Backend) Plugin Template/i);
    expect(readme).not.toMatch(/This README file is going to be the one displayed/);
    expect(readme).not.toContain('<!--');
    expect(readme).toMatch(/sidecar/i);
    const links = [...readme.matchAll(/\[.+?\]\((.+?)\)/g)].map((m) => m[1]!.split(/\s+/)[0]!);
    expect(links.filter((link) => !/^(https:\/\/|http:\/\/|mailto:|#)/.test(link))).toEqual([]);
  });

  it('has a CHANGELOG.md and an Apache 2.0 LICENSE with the copyright filled in', () => {
    expect(text('CHANGELOG.md').trim()).not.toBe('');
    const license = text('LICENSE');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).not.toContain('{yyyy}');
    expect(license).not.toContain('{name of copyright owner}');
    expect(license).toMatch(/Copyright \d{4} \S/);
  });

  it('has SVGs without scripts, foreign content or event handlers', () => {
    const svgs = [...files.keys()].filter((name) => name.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    for (const svg of svgs) {
      const body = text(svg);
      expect({ svg, unsafe: /<(script|foreignObject|iframe|noscript|template|audio|math)\b/i.test(body) }).toEqual({ svg, unsafe: false });
      expect({ svg, handlers: /\son[a-z]+\s*=/i.test(body), javascript: /javascript:/i.test(body) }).toEqual({ svg, handlers: false, javascript: false });
    }
  });
});
