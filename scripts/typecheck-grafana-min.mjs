#!/usr/bin/env node
// Type-checks the plugin code that ships (src/ without its tests) against the @grafana/* type declarations of the
// oldest Grafana that plugin.json admits (`grafanaDependency: ">=X.Y.Z"`), so that promise stays true: the plugin
// is built and tested against 13.1.1, and an API that only newer packages have fails here.
//   node scripts/typecheck-grafana-min.mjs            # the version in src/plugin.json
//   node scripts/typecheck-grafana-min.mjs 12.4.0     # another one
// Only the packages' tarballs are fetched (`npm pack`), not installed: @grafana/ui before 13.1 depends on a GitHub
// tarball (react-data-grid) that `npm install` cannot fetch everywhere, and the type check needs no dependencies of
// theirs but the ones the project already has (react, rxjs, @emotion/*), which resolve from the root node_modules.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'src/plugin.json'), 'utf8'));
const declared = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.dependencies?.grafanaDependency ?? '');
const version = process.argv[2] ?? declared?.[1];
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(`typecheck-grafana-min: need a version: src/plugin.json grafanaDependency is "${manifest.dependencies?.grafanaDependency}" (expected ">=X.Y.Z")`);
  process.exit(2);
}
// The packages src/ imports, and the @grafana ones their declarations import, at the same version.
const PACKAGES = ['data', 'ui', 'runtime', 'schema', 'i18n', 'e2e-selectors'];

// Under node_modules, so what the declarations import besides @grafana/* resolves to the project's own packages.
const cache = path.join(root, 'node_modules/.cache/grafana-types', version);
const packageDir = (name) => path.join(cache, 'node_modules/@grafana', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const name of PACKAGES) {
  const dir = packageDir(name);
  const have = fs.existsSync(path.join(dir, 'package.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version : undefined;
  if (have === version) {
    continue;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-types-'));
  try {
    const packed = JSON.parse(execFileSync(npm, ['pack', `@grafana/${name}@${version}`, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tmp, packed[0].filename), '-C', dir, '--strip-components=1']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const tsconfig = path.join(cache, 'tsconfig.json');
fs.writeFileSync(
  tsconfig,
  JSON.stringify(
    {
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: {
        noEmit: true,
        baseUrl: cache,
        rootDir: root,
        typeRoots: [path.join(root, 'node_modules/@types')],
        paths: Object.fromEntries(PACKAGES.map((name) => [`@grafana/${name}`, [packageDir(name)]])),
      },
      include: [path.join(root, 'src'), path.join(root, '.config/types')],
      // What ships: tests and their fakes are built against the version the suite runs.
      exclude: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'src/**/__tests__/**', 'src/test/**'].map((glob) => path.join(root, glob)),
    },
    null,
    2
  )
);

console.log(`typecheck-grafana-min: src/ against @grafana/{${PACKAGES.join(',')}}@${version} (${path.relative(root, cache)})`);
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { cwd: root, stdio: 'inherit' });
} catch {
  console.error(
    `\ntypecheck-grafana-min: src/ does not type-check against @grafana/* ${version}, the oldest version src/plugin.json admits.\n` +
      'Use only APIs that version has (or feature-detect them), or raise grafanaDependency in every plugin.json.'
  );
  process.exit(1);
}
console.log(`typecheck-grafana-min: src/ type-checks against @grafana/* ${version}`);
