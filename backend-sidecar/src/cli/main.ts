import { coerceError } from '../errors/errors';
import { APPLY_USAGE, applyCommand } from './applyCommand';
import { CliFailure, CliUsageError, EXIT, type CliContext, type ExitCode } from './cliContext';
import { EXPORT_USAGE, exportCommand } from './exportCommand';
import { SidecarApiError } from './sidecarClient';
import { TEST_USAGE, testCommand } from './testCommand';
import { VALIDATE_USAGE, validateCommand } from './validateCommand';

export const MAIN_USAGE = `Usage: workflow-monitor <command> [options]

Workflows as code: check, try and ship workflow and alert-rule files.

Commands:
  validate [dir|file...]          check files as the sidecar loads them (file:line:column: path: message)
  test <file> [--step <name>]     run a workflow once from here, printing every step, attempt and assertion
  apply [dir] --url --token       create/update the sidecar's API-defined workflows and rules from files
  export --url --token [--out]    write the sidecar's API-defined workflows and rules as files apply takes back

Run "workflow-monitor <command> --help" for a command's options.
--url and --token default to $WORKFLOW_MONITOR_URL and $WORKFLOW_MONITOR_TOKEN.
`;

const COMMANDS: Record<string, { run: (args: readonly string[], ctx: CliContext) => Promise<ExitCode>; usage: string }> = {
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  test: { run: testCommand, usage: TEST_USAGE },
  apply: { run: applyCommand, usage: APPLY_USAGE },
  export: { run: exportCommand, usage: EXPORT_USAGE },
};

/** Runs one command line; every outcome is an exit code and text, never a stack trace. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === undefined) {
    ctx.stderr.write(MAIN_USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && args[0] !== undefined ? COMMANDS[args[0]] : undefined;
    ctx.stdout.write(topic?.usage ?? MAIN_USAGE);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    ctx.stderr.write(`workflow-monitor: unknown command "${name}"\n\n${MAIN_USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, ctx);
  } catch (error) {
    if (error instanceof CliUsageError) {
      ctx.stderr.write(`workflow-monitor ${error.message}\n\n${error.usage ?? command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof CliFailure || error instanceof SidecarApiError) {
      ctx.stderr.write(`workflow-monitor ${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    // Not foreseen: still one line saying what happened, and the way to see more.
    const e = coerceError(error);
    ctx.stderr.write(`workflow-monitor ${name}: ${e.message}${ctx.env.WORKFLOW_MONITOR_DEBUG ? `\n${e.stack ?? ''}` : ' (set WORKFLOW_MONITOR_DEBUG=1 for the stack)'}\n`);
    return EXIT.failed;
  }
}

/** The process entry: `process.argv` in, `process.exitCode` out (the bin and `node dist/cli/main.js` call it). */
export function runFromProcess(): void {
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`workflow-monitor: ${coerceError(error).message}\n`);
      process.exitCode = EXIT.failed;
    }
  );
}

if (require.main === module) {
  runFromProcess();
}
