import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Exit codes of every command: 0 done (or clean), 1 the work found or hit a problem (invalid files,
 * a failed run, the sidecar refused), 2 the command line itself is wrong, 3 a `test --strict` run
 * that only degraded.
 */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, degraded: 3 } as const);
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a stream the CLI writes to must offer; `isTTY` decides whether progress lines are drawn. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Everything a command reads from or writes to the outside, so tests can hand in their own. */
export interface CliContext {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
}

/** The command line is wrong: the message says how, and the usage of the command follows it. */
export class CliUsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command could not do its work for a reason the user can act on (the message says which). */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util's parseArgs in strict mode plus `--help`, with its errors turned into usage errors that
 * name the command: an unknown flag or a flag without its value is never silently ignored.
 */
export function parseCommandArgs<O extends OptionSpecs>(command: string, args: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument starting with a '-'.*$/, '');
    throw new CliUsageError(`${command}: ${message}`, usage);
  }
}

/** One value of a flag that must be one of `allowed`. */
export function oneOf<T extends string>(command: string, flag: string, value: string | undefined, allowed: readonly T[], fallback: T, usage: string): T {
  if (value === undefined) {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliUsageError(`${command}: --${flag} must be one of ${allowed.join(', ')}, got "${value}"`, usage);
  }
  return value as T;
}
