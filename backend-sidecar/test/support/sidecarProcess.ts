import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const SIDECAR_DIR = path.resolve(__dirname, '../..');

export interface SidecarProcess {
  child: ChildProcess;
  /** JSON log lines seen so far. */
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line that matches. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** How the sources run without a build (`npm run start:sources`). */
export const FROM_SOURCES = ['--import', 'tsx', 'src/main.ts'];
/** What the image runs (`npm start` too, once dist/ is current). */
export const COMPILED = ['dist/main.js'];

/** Starts the sidecar (by default `src/main.ts` through tsx), with JSON logs so the test can read them. */
export function spawnSidecar(env: Record<string, string>, nodeArgs: string[] = FROM_SOURCES): SidecarProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: SIDECAR_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  let buffer = '';
  let errText = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      } catch {
        errText += `${text}\n`;
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    errText += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stderr: () => errText,
    waitFor(predicate, timeoutMs = 180_000) {
      const seen = lines.find(predicate);
      if (seen) {
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr:\n${errText}\nlines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`sidecar exited with ${code} before the expected log line; stderr:\n${errText}`));
        });
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

export const listening = (line: Record<string, unknown>) => typeof line.msg === 'string' && line.msg.startsWith('Workflow Monitor sidecar listening on ');
export const urlOf = (line: Record<string, unknown>) => String(line.msg).replace('Workflow Monitor sidecar listening on ', '');

/** A port free right now on loopback (for processes that log too little to announce theirs). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
}

/** Polls /ready until the process answers (or exits). */
export async function waitUntilReady(p: SidecarProcess, url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(`${url}/ready`)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sidecar at ${url} did not become ready; stderr:\n${p.stderr()}`);
}
