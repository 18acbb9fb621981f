import fs from 'node:fs';
import path from 'node:path';
import { CLI_BIN } from '../support/cliProcess';

const SIDECAR_DIR = path.resolve(__dirname, '../..');

describe('the workflow-monitor bin', () => {
  it('is declared by the sidecar package and in the lockfile, so `npm ci` links it for `npx workflow-monitor`', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(SIDECAR_DIR, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(manifest.bin).toEqual({ 'workflow-monitor': 'bin/workflow-monitor.cjs' });
    expect(path.join(SIDECAR_DIR, manifest.bin!['workflow-monitor']!)).toBe(CLI_BIN);
    const lock = JSON.parse(fs.readFileSync(path.join(SIDECAR_DIR, '..', 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['backend-sidecar']?.bin).toEqual(manifest.bin);
  });

  it('is an executable node script', () => {
    expect(fs.readFileSync(CLI_BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(CLI_BIN).mode & 0o111).not.toBe(0);
  });
});
