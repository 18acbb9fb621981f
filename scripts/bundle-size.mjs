#!/usr/bin/env node
// Prints the size of every built module and lazy chunk in dist/ (raw and gzip), largest first,
// and whether the app's module.js meets the 100 KB goal. Run after `npm run build`:
//   node scripts/bundle-size.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.resolve(process.argv[2] ?? 'dist');
if (!fs.existsSync(path.join(dist, 'module.js'))) {
  console.error(`${dist}/module.js not found: run npm run build first`);
  process.exit(2);
}
const files = fs.readdirSync(dist, { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
const rows = files
  .map((f) => {
    const buffer = fs.readFileSync(path.join(dist, f));
    return { file: f, bytes: buffer.length, gzip: zlib.gzipSync(buffer).length };
  })
  .sort((a, b) => b.bytes - a.bytes);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log('file'.padEnd(34), 'size'.padStart(10), 'gzip'.padStart(10));
for (const r of rows) {
  console.log(r.file.padEnd(34), kb(r.bytes).padStart(10), kb(r.gzip).padStart(10));
}
const main = rows.find((r) => r.file === 'module.js');
console.log(`\napp module.js: ${kb(main.bytes)} (goal < 100 KB: ${main.bytes < 100 * 1024 ? 'met' : 'NOT met'}); ${rows.length} files, ${kb(rows.reduce((a, r) => a + r.bytes, 0))} in all`);
