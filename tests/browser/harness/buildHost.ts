import path from 'node:path';
import { build } from 'esbuild';

export const HARNESS_BUILD_DIR = path.resolve(__dirname, '../../.harness-build');

/** Bundles the host (real @grafana packages, React, …) once; about a second. */
export async function buildHost(): Promise<string> {
  const outfile = path.join(HARNESS_BUILD_DIR, 'host.js');
  await build({
    entryPoints: [path.join(__dirname, 'hostEntry.tsx')],
    bundle: true,
    outfile,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    sourcemap: false,
    minify: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"development"', global: 'window' },
    loader: { '.svg': 'text', '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.png': 'file', '.gif': 'file' },
    absWorkingDir: path.resolve(__dirname, '../../..'),
  });
  return outfile;
}
