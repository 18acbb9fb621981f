#!/usr/bin/env node
// Packs the built plugin the way Grafana installs it (`grafana cli plugins install`, GF_INSTALL_PLUGINS) and its
// plugin validator expects it: one zip whose single root folder is the app id and holds the dist/ content, with
// .sha1 and .md5 files beside it (`<hash>  <zip name>`, the format `sha1sum -c` reads and the catalog's checksum
// field takes).
//
//   npm run package                      clean build (dist/ removed first), then the zip in the repository root
//   node scripts/package-plugin.mjs --no-build --out <dir>
//                                        pack the dist/ already there into <dir> (the archive test does this)
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import yazl from 'yazl';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    dist: { type: 'string', default: path.join(root, 'dist') },
    out: { type: 'string', default: root },
  },
});

// Files a test may leave in src/ that the generated copy rules (`**/*.json`, …) would ship.
const TEST_ONLY = /(^|\/)(__tests__|__mocks__|fixtures?|tests?)(\/|$)|\.(test|spec)\.[cm]?[jt]sx?$/;

function fail(message) {
  console.error(`package-plugin: ${message}`);
  process.exit(1);
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const { version } = readJson(path.join(root, 'package.json'));
const { id: pluginId } = readJson(path.join(root, 'src/plugin.json'));
const distDir = path.resolve(options.dist);

if (!options['no-build']) {
  // webpack's output.clean keeps files matching its backend-binary pattern; removing dist/ leaves nothing stale.
  fs.rmSync(distDir, { recursive: true, force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    fail(`npm run build failed (exit ${build.status ?? build.signal})`);
  }
}

const builtManifest = path.join(distDir, 'plugin.json');
if (!fs.existsSync(builtManifest)) {
  fail(`${builtManifest} not found: run npm run build first, or leave out --no-build`);
}
const built = readJson(builtManifest);
if (built.id !== pluginId || built.info?.version !== version) {
  fail(`${builtManifest} is ${built.id}@${built.info?.version}, package.json and src/plugin.json say ${pluginId}@${version}: rebuild`);
}

/** Every file under dir, as sorted '/'-separated relative paths (a stable entry order makes diffs of listings readable). */
function listFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) {
      fail(`${full} is a symbolic link; the archive holds regular files only`);
    }
    if (entry.isFile()) {
      files.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  }
  return files.sort();
}

const files = listFiles(distDir);
const testOnly = files.filter((file) => TEST_ONLY.test(file));
if (testOnly.length > 0) {
  fail(`dist/ holds test-only files (${testOnly.join(', ')}); keep fixtures out of src/`);
}

const zipName = `${pluginId}-${version}.zip`;
const outDir = path.resolve(options.out);
fs.mkdirSync(outDir, { recursive: true });
const zipPath = path.join(outDir, zipName);
const partPath = `${zipPath}.part`;

const zip = new yazl.ZipFile();
const folders = new Set();
for (const file of files) {
  // Explicit folder entries, as `zip -r` writes them: some unzip tools do not create folders from file paths alone.
  const parts = file.split('/');
  for (let depth = 0; depth < parts.length; depth += 1) {
    const folder = [pluginId, ...parts.slice(0, depth)].join('/');
    if (!folders.has(folder)) {
      folders.add(folder);
      zip.addEmptyDirectory(folder, { mode: 0o40755 });
    }
  }
  zip.addFile(path.join(distDir, file), `${pluginId}/${file}`, { mode: 0o100644 });
}
zip.end();

await new Promise((resolve, reject) => {
  const output = fs.createWriteStream(partPath);
  output.on('close', resolve);
  output.on('error', reject);
  zip.outputStream.on('error', reject);
  zip.outputStream.pipe(output);
});
fs.renameSync(partPath, zipPath);

const bytes = fs.readFileSync(zipPath);
const sums = {};
for (const algorithm of ['sha1', 'md5']) {
  sums[algorithm] = crypto.createHash(algorithm).update(bytes).digest('hex');
  fs.writeFileSync(`${zipPath}.${algorithm}`, `${sums[algorithm]}  ${zipName}\n`);
}

console.log(`${path.relative(process.cwd(), zipPath) || zipPath}: ${(bytes.length / 1024).toFixed(1)} KB, ${files.length} files`);
console.log(`sha1 ${sums.sha1}`);
console.log(`md5  ${sums.md5}`);
