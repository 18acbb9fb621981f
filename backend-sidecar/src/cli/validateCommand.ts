import fs from 'node:fs/promises';
import { parseAlertingFiles } from '../alerts/alertingFiles';
import type { FileLoadError } from '../schema/yaml';
import { loadWorkflowFileList } from '../workflows/loadWorkflowFiles';
import { EXIT, oneOf, parseCommandArgs, type CliContext, type ExitCode } from './cliContext';
import { collectDefinitionFiles } from './definitionFiles';
import { ProgressLine } from './progressLine';
import { YamlPositions, type SourcePosition } from './yamlPositions';

export const VALIDATE_USAGE = `Usage: workflow-monitor validate [dir|file...] [--format text|json]

Checks workflow and alerting files exactly as the sidecar does when it loads them, without a
sidecar or a database. A directory stands for what the sidecar reads from WORKFLOWS_DIR: its
*.yaml/*.yml files as workflows and alerting/*.yaml as rules, channels and escalation policies.
Without arguments: $WORKFLOWS_DIR, else ./workflows.

\${NAME} references are checked against this process's environment, as the sidecar checks them
against its own: set the variables (any value will do) or give defaults (\${NAME:-default}).
What only the sidecar's database knows (a rule naming a channel that exists only there,
MAX_WORKFLOWS) is checked when the files are loaded or applied.

Options:
  --format text|json  text (default): one "file:line:column: path: message" line per problem;
                      json: {"valid", "files", "workflows", "rules", "channels",
                      "escalationPolicies", "errors": [{file, line, column, path, message}]}
  -h, --help          this help

Exit codes: 0 every file is valid, 1 at least one problem, 2 wrong command line.
`;

/** A problem found in a file, placed where an editor or a CI annotation can jump to. */
export interface LocatedError extends FileLoadError {
  /** Absent when the problem is not inside a file's text (a directory that cannot be read). */
  line?: number;
  column?: number;
}

/** Places each loader error in its file's text (each file read and parsed once). */
export async function locateErrors(errors: readonly FileLoadError[]): Promise<LocatedError[]> {
  const positions = new Map<string, YamlPositions | null>();
  const located: LocatedError[] = [];
  for (const error of errors) {
    if (!positions.has(error.file)) {
      positions.set(
        error.file,
        await fs.readFile(error.file, 'utf8').then(
          (text) => new YamlPositions(text),
          () => null
        )
      );
    }
    const position: SourcePosition | undefined = error.path === '(directory)' ? undefined : positions.get(error.file)?.of(error.path, error.message);
    located.push(position ? { ...error, line: position.line, column: position.column } : { ...error });
  }
  return located;
}

/** The loaders name a YAML syntax error's place in its path and message; the position says it once. */
const SYNTAX_ERROR_PATH = /^line \d+, column \d+$/;

/** `file:line:column: path: message`, the shape compilers use, which editors and CI annotate. */
export function formatLocatedError(error: LocatedError): string {
  const where = error.line !== undefined ? `${error.file}:${error.line}:${error.column}` : error.file;
  if (SYNTAX_ERROR_PATH.test(error.path)) {
    return `${where}: (yaml): ${error.message.replace(/ at line \d+, column \d+:?$/, '')}`;
  }
  return `${where}: ${error.path}: ${error.message}`;
}

export interface ValidationOutcome {
  files: string[];
  counts: { workflows: number; rules: number; channels: number; escalationPolicies: number };
  errors: LocatedError[];
}

/** The sidecar's own loaders over the collected files; errors placed in their files. */
export async function validateDefinitions(targets: readonly string[], env: NodeJS.ProcessEnv, progress?: ProgressLine): Promise<ValidationOutcome> {
  progress?.update('collecting files');
  const found = await collectDefinitionFiles(targets, env);
  progress?.update(`validating ${found.workflowFiles.length} workflow files`);
  const workflows = await loadWorkflowFileList(found.workflowFiles, env);
  progress?.update(`validating ${found.alertingFiles.length} alerting files`);
  const alerting = await parseAlertingFiles(found.alertingFiles, env);
  progress?.update('placing errors');
  return {
    files: [...found.workflowFiles, ...found.alertingFiles],
    counts: { workflows: workflows.workflows.length, rules: alerting.rules.length, channels: alerting.channels.length, escalationPolicies: alerting.policies.length },
    errors: await locateErrors([...found.errors, ...workflows.errors, ...alerting.errors]),
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export async function validateCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('validate', args, { format: { type: 'string' } }, VALIDATE_USAGE);
  if (values.help) {
    ctx.stdout.write(VALIDATE_USAGE);
    return EXIT.ok;
  }
  const format = oneOf('validate', 'format', values.format, ['text', 'json'] as const, 'text', VALIDATE_USAGE);
  const progress = new ProgressLine(ctx.stderr);
  const outcome = await validateDefinitions(positionals, ctx.env, progress).finally(() => progress.stop());
  const valid = outcome.errors.length === 0;
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify({ valid, files: outcome.files, ...outcome.counts, errors: outcome.errors }, null, 2)}\n`);
  } else {
    for (const error of outcome.errors) {
      ctx.stdout.write(`${formatLocatedError(error)}\n`);
    }
    const { workflows, rules, channels, escalationPolicies } = outcome.counts;
    const found = `${plural(workflows, 'workflow')}, ${plural(rules, 'rule')}, ${plural(channels, 'channel')}, ${plural(escalationPolicies, 'escalation policy').replace(/policys$/, 'policies')} valid in ${plural(outcome.files.length, 'file')}`;
    ctx.stdout.write(valid ? `ok: ${found}\n` : `${plural(outcome.errors.length, 'problem')} found; ${found}\n`);
  }
  return valid ? EXIT.ok : EXIT.failed;
}
