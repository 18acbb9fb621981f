/**
 * What the sidecar image copies into its runtime stage, in MB, measured without a Docker daemon (issue 19): the
 * runtime stage of backend-sidecar/Dockerfile is the deps stage's /app (`npm ci --omit=dev` of the sidecar workspace,
 * with the package files) plus the compiled dist/, migrations/ and demo/. This script does the same `npm ci` into a
 * temporary folder and compiles dist/ the way the image's build stage does (`npm run build -w backend-sidecar`),
 * then sums file sizes (apparent bytes, as a layer holds them). The Node.js base image comes on top.
 * Usage (repository root): npx tsx bench/image-contents.ts [--keep]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../backend-sidecar/scripts/launch.cjs';

const ROOT = path.resolve(__dirname, '..');
const SIDECAR = path.join(ROOT, 'backend-sidecar');

function bytesIn(target: string): { bytes: number; files: number } {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) {
    return { bytes: stat.isFile() ? stat.size : 0, files: stat.isFile() ? 1 : 0 };
  }
  let bytes = 0;
  let files = 0;
  for (const name of fs.readdirSync(target)) {
    const inner = bytesIn(path.join(target, name));
    bytes += inner.bytes;
    files += inner.files;
  }
  return { bytes, files };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** node_modules/<pkg> and node_modules/@scope/<pkg>, largest first. */
function packagesBySize(nodeModules: string): Array<{ name: string; bytes: number }> {
  const out: Array<{ name: string; bytes: number }> = [];
  for (const name of fs.readdirSync(nodeModules)) {
    if (name.startsWith('.')) {
      continue;
    }
    const full = path.join(nodeModules, name);
    if (name.startsWith('@')) {
      for (const inner of fs.readdirSync(full)) {
        out.push({ name: `${name}/${inner}`, bytes: bytesIn(path.join(full, inner)).bytes });
      }
    } else {
      out.push({ name, bytes: bytesIn(full).bytes });
    }
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

function main(): void {
  const keep = process.argv.includes('--keep');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-image-'));
  try {
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    fs.mkdirSync(path.join(dir, 'backend-sidecar'));
    fs.copyFileSync(path.join(SIDECAR, 'package.json'), path.join(dir, 'backend-sidecar/package.json'));
    const started = Date.now();
    // The deps stage's command, word for word.
    execFileSync('npm', ['ci', '--omit=dev', '--workspace', 'backend-sidecar', '--include-workspace-root=false', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
    const installSeconds = (Date.now() - started) / 1000;
    ensureBuilt(SIDECAR);

    const parts: Array<[string, string]> = [
      ['node_modules (npm ci --omit=dev)', path.join(dir, 'node_modules')],
      ['backend-sidecar/node_modules', path.join(dir, 'backend-sidecar/node_modules')],
      ['backend-sidecar/dist (compiled)', path.join(SIDECAR, 'dist')],
      ['backend-sidecar/migrations', path.join(SIDECAR, 'migrations')],
      ['backend-sidecar/demo', path.join(SIDECAR, 'demo')],
      ['package.json, package-lock.json, backend-sidecar/package.json', path.join(dir, 'package.json')],
    ];
    let total = 0;
    const rows: string[] = [];
    for (const [label, target] of parts) {
      if (!fs.existsSync(target)) {
        rows.push(`| ${label} | — | — |`);
        continue;
      }
      let { bytes, files } = bytesIn(target);
      if (label.startsWith('package.json')) {
        bytes += fs.statSync(path.join(dir, 'package-lock.json')).size + fs.statSync(path.join(dir, 'backend-sidecar/package.json')).size;
        files = 3;
      }
      total += bytes;
      rows.push(`| ${label} | ${mb(bytes)} | ${files} |`);
    }
    const packages = packagesBySize(path.join(dir, 'node_modules'));
    process.stdout.write(
      [
        `Node ${process.version}, npm ci --omit=dev took ${installSeconds.toFixed(0)} s (${packages.length} packages)`,
        '',
        '| copied into the runtime stage | MB | files |',
        '|---|---:|---:|',
        ...rows,
        `| **total** | **${mb(total)}** | |`,
        '',
        'Largest production packages:',
        '',
        '| package | MB |',
        '|---|---:|',
        ...packages.slice(0, 8).map((p) => `| ${p.name} | ${mb(p.bytes)} |`),
        '',
      ].join('\n')
    );
  } finally {
    if (keep) {
      process.stderr.write(`kept ${dir}\n`);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main();
