#!/usr/bin/env node
// Prints the size of every built module and lazy chunk in dist/ (raw and gzip), largest first, with what each holds
// (the page, or the libraries, read from its source map); then what opening each app page downloads (its chunk and
// the chunks loaded with it), and whether the app's module.js meets the 100 KB goal. Run after `npm run build`:
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

/** `Overview` for ./pages/Overview.tsx, `AppConfig` for ./components/AppConfig/…; else the npm packages inside. */
function contents(file) {
  const map = path.join(dist, `${file}.map`);
  if (!fs.existsSync(map)) {
    return { pages: [], libraries: [] };
  }
  const sources = JSON.parse(fs.readFileSync(map, 'utf8')).sources ?? [];
  const pages = sources.map((s) => /\/(?:pages|components\/(?=AppConfig\/))([\w]+)(?:\/[\w]+)?\.tsx$/.exec(s)?.[1] ?? /\/pages\/(\w+)\.tsx$/.exec(s)?.[1]).filter(Boolean);
  const libraries = [
    ...new Set(
      sources
        .filter((s) => s.includes('node_modules/'))
        .map((s) => s.split('node_modules/').pop().split('/'))
        .map((parts) => (parts[0].startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/'))
    ),
  ];
  return { pages: [...new Set(pages)], libraries };
}

const rows = files
  .map((f) => {
    const buffer = fs.readFileSync(path.join(dist, f));
    return { file: f, bytes: buffer.length, gzip: zlib.gzipSync(buffer).length, ...contents(f) };
  })
  .sort((a, b) => b.bytes - a.bytes);
const byFile = new Map(rows.map((r) => [r.file, r]));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

console.log('file'.padEnd(30), 'size'.padStart(10), 'gzip'.padStart(10), '  holds');
for (const r of rows) {
  const holds = r.pages.length > 0 ? `page ${r.pages.join(', ')}` : r.libraries.slice(0, 4).join(', ');
  console.log(r.file.padEnd(30), kb(r.bytes).padStart(10), kb(r.gzip).padStart(10), ' ', holds);
}

// webpack loads a lazy page as `Promise.all([x.e(<chunk>), …])` (or `x.e(<chunk>)` alone): what each page downloads.
const groups = [];
for (const r of rows) {
  const text = fs.readFileSync(path.join(dist, r.file), 'utf8');
  for (const m of text.matchAll(/Promise\.all\(\[((?:\w+\.e\(\d+\),?)+)\]\)|\b\w+\.e\((\d+)\)\.then/g)) {
    const ids = m[1] ? [...m[1].matchAll(/\.e\((\d+)\)/g)].map((x) => x[1]) : [m[2]];
    groups.push(ids.map((id) => `${id}.js`).filter((f) => byFile.has(f)));
  }
}
const pages = groups
  .map((chunks) => ({ chunks, page: chunks.flatMap((f) => byFile.get(f).pages)[0] }))
  .filter((g) => g.page)
  .map((g) => ({ ...g, bytes: g.chunks.reduce((a, f) => a + byFile.get(f).bytes, 0), gzip: g.chunks.reduce((a, f) => a + byFile.get(f).gzip, 0) }))
  .sort((a, b) => b.bytes - a.bytes);
if (pages.length > 0) {
  console.log(`\n${'opening the page'.padEnd(30)} ${'size'.padStart(10)} ${'gzip'.padStart(10)}   chunks`);
  for (const p of pages) {
    console.log(p.page.padEnd(30), kb(p.bytes).padStart(10), kb(p.gzip).padStart(10), ' ', p.chunks.join(' + '));
  }
}

const main = rows.find((r) => r.file === 'module.js');
const pageChunks = rows.filter((r) => r.pages.length > 0);
const largestPage = pageChunks[0];
console.log(`\napp module.js: ${kb(main.bytes)} (goal < 100 KB: ${main.bytes < 100 * 1024 ? 'met' : 'NOT met'}); ${rows.length} files, ${kb(rows.reduce((a, r) => a + r.bytes, 0))} in all`);
if (largestPage) {
  console.log(`largest page chunk: ${largestPage.file} (${largestPage.pages.join(', ')}) ${kb(largestPage.bytes)}, ${kb(largestPage.gzip)} gzip`);
}
if (pages[0]) {
  console.log(`heaviest page to open: ${pages[0].page} ${kb(pages[0].bytes)} (${kb(pages[0].gzip)} gzip) in ${pages[0].chunks.length} chunks`);
}
