import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI_BIN = path.resolve(__dirname, '../../bin/workflow-monitor.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `workflow-monitor <args>` as a user does (the package's bin, a child process), so exit
 * codes and output are the real ones. Only PATH and HOME are inherited: WORKFLOWS_DIR or
 * WORKFLOW_MONITOR_* of the machine running the tests never leak in.
 */
export function runCliProcess(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
