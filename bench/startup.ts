/**
 * Start-up time of the sidecar: the compiled output (`node dist/main.js`, what the image runs) side by side with
 * the sources through tsx (`node --import tsx src/main.ts`, what `npm start` ran before issue 19) and with
 * `npm start`'s launcher (`node scripts/launch.cjs main`: the freshness check, then dist/main.js) (issue 19).
 *
 * Per sample, the variants alternate: spawn the process, poll GET /health every 5 ms on its port until it answers
 * 200, and record the wall time from spawn, the CPU time the process had used by then (user + system from
 * /proc/<pid>/stat: on a loaded machine wall time is mostly waiting for a core, CPU time is what start-up costs) and
 * its resident memory; then SIGTERM and wait for the exit. Every variant starts against the same migrated
 * database (DATABASE_URL: an embedded PostgreSQL started once, or BENCH_DATABASE_URL's server), loads the seven
 * demo workflow files and runs the scheduler, so what differs is only how the code is loaded. tsx keeps its
 * compiled files in a cache across runs: the warm-up sample fills it, so the figures are a restart's, not a first
 * start's. dist/ is built first when missing or stale.
 * Usage (repository root): npx tsx bench/startup.ts [--samples 10] [--node /path/to/node]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../backend-sidecar/scripts/launch.cjs';
import { startBenchDatabase } from './support/benchDatabase';

const SIDECAR = path.resolve(__dirname, '../backend-sidecar');
const CLOCK_TICKS_PER_SECOND = 100;

const VARIANTS: Array<{ name: string; args: string[] }> = [
  { name: 'node dist/main.js (compiled, the image)', args: ['dist/main.js'] },
  { name: 'node scripts/launch.cjs main (npm start: freshness check + compiled)', args: ['scripts/launch.cjs', 'main'] },
  { name: 'node --import tsx src/main.ts (sources, before)', args: ['--import', 'tsx', 'src/main.ts'] },
];

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** User + system CPU milliseconds and resident MB of a live process. */
function usageOf(pid: number): { cpuMs: number; rssMb: number } {
  // Fields after the command name, which sits in parentheses and may hold spaces.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, rssMb: rssKb / 1024 };
}

async function sample(nodeBinary: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; cpuMs: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(nodeBinary, args, { cwd: SIDECAR, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  try {
    for (;;) {
      if (exited) {
        throw new Error(`${args.join(' ')} exited before /health answered:\n${stderr}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        if (response.status === 200) {
          const wallMs = performance.now() - started;
          return { wallMs, ...usageOf(child.pid!) };
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exit;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const samples = Number(option('samples', '10'));
  const nodeBinary = option('node', process.execPath);
  ensureBuilt(SIDECAR);
  const db = await startBenchDatabase();
  const workflowsDir = path.join(SIDECAR, 'demo/workflows');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.tmpdir(),
    DATABASE_URL: db.url,
    SIDECAR_API_TOKEN: 'startup-bench-token-0123456789',
    WORKFLOWS_DIR: workflowsDir,
    // The demo files name ${DEMO_BASE_URL}; nothing needs to answer there during start-up.
    DEMO_BASE_URL: 'http://127.0.0.1:9',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
  };
  const results = VARIANTS.map(() => [] as Array<{ wallMs: number; cpuMs: number; rssMb: number }>);
  try {
    for (const variant of VARIANTS) {
      await sample(nodeBinary, variant.args, env); // warm-up: tsx's cache, the OS's file cache
    }
    for (let i = 0; i < samples; i++) {
      for (const [index, variant] of VARIANTS.entries()) {
        results[index]!.push(await sample(nodeBinary, variant.args, env));
      }
      process.stderr.write(`sample ${i + 1}/${samples}\n`);
    }
  } finally {
    await db.close();
  }
  const nodeVersion = await new Promise<string>((resolve) => {
    const child = spawn(nodeBinary, ['--version']);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', () => resolve(out.trim()));
  });
  const lines = [
    `Node ${nodeVersion}, ${os.cpus().length} cores (load average ${os.loadavg()[0]!.toFixed(1)} at the end), ${samples} samples per variant, medians (min–max)`,
    '',
    '| start | spawn → /health 200 (ms) | CPU until then (ms) | RSS then (MB) |',
    '|---|---:|---:|---:|',
    ...VARIANTS.map((variant, index) => {
      const r = results[index]!;
      const cell = (values: number[], digits = 0) => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
      return `| ${variant.name} | ${cell(r.map((x) => x.wallMs))} | ${cell(r.map((x) => x.cpuMs))} | ${cell(r.map((x) => x.rssMb))} |`;
    }),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
