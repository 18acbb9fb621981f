import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ruleDefinitionOf } from './applyPlan';
import { CliFailure, CliUsageError, EXIT, parseCommandArgs, type CliContext, type ExitCode } from './cliContext';
import { defaultWorkflowsDir } from './definitionFiles';
import { ProgressLine } from './progressLine';
import { SidecarClient, sidecarTarget } from './sidecarClient';

export const EXPORT_USAGE = `Usage: workflow-monitor export [--url <url>] [--token <token>] [--out <dir>]

Writes the sidecar's API-defined workflows as <dir>/<id>.yaml and its API-defined rules as
<dir>/alerting/rules.yaml, in the form "workflow-monitor apply <dir>" takes back unchanged.
Files of the same names are replaced; other files in <dir> are left alone (export into an empty
directory for an exact copy). File-defined workflows and rules (their files already are the
source) and the predefined rules are not exported.

Options:
  --url <url>      the sidecar's base URL (default $WORKFLOW_MONITOR_URL)
  --token <token>  an API token; the read-only one is enough (default $WORKFLOW_MONITOR_TOKEN)
  --out <dir>      where to write (default $WORKFLOWS_DIR, else ./workflows); created if missing
  -h, --help       this help

Exit codes: 0 written, 1 an unreachable sidecar, a refused token or a file that cannot be
written, 2 wrong command line.
`;

const HEADER = '# Exported by "workflow-monitor export" from an API-defined definition; "workflow-monitor apply" takes it back.\n';

async function writeFile(file: string, content: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  } catch (error) {
    throw new CliFailure(`cannot write ${file}: ${(error as Error).message}`);
  }
}

export async function exportCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('export', args, { url: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } }, EXPORT_USAGE);
  if (values.help) {
    ctx.stdout.write(EXPORT_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new CliUsageError(`export: unexpected argument "${positionals[0]}"; the directory is given with --out`, EXPORT_USAGE);
  }
  const client = new SidecarClient(sidecarTarget('export', values, ctx.env, EXPORT_USAGE));
  const out = values.out ?? defaultWorkflowsDir(ctx.env);
  const progress = new ProgressLine(ctx.stderr);
  try {
    progress.update(`reading the sidecar's workflows and rules at ${client.url}`);
    const [workflows, rules] = [await client.listWorkflows(), await client.listRules()];
    const apiWorkflows = workflows.filter((w) => w.source === 'api');
    const apiRules = rules.filter((r) => r.source === 'api');
    const written: string[] = [];
    for (const [i, workflow] of apiWorkflows.entries()) {
      progress.update(`writing ${i + 1}/${apiWorkflows.length}: ${workflow.id}`);
      // Ids are lower-case letters, digits, - and _ (the schema's rule): safe as file names.
      const file = path.join(out, `${workflow.id}.yaml`);
      await writeFile(file, HEADER + YAML.stringify(workflow.definition));
      written.push(file);
    }
    if (apiRules.length > 0) {
      const file = path.join(out, 'alerting', 'rules.yaml');
      await writeFile(file, HEADER + YAML.stringify({ rules: apiRules.map(ruleDefinitionOf) }));
      written.push(file);
    }
    progress.clear();
    for (const file of written) {
      ctx.stdout.write(`wrote ${file}\n`);
    }
    const skipped = workflows.length - apiWorkflows.length;
    ctx.stdout.write(
      `exported ${apiWorkflows.length} workflow${apiWorkflows.length === 1 ? '' : 's'} and ${apiRules.length} rule${apiRules.length === 1 ? '' : 's'} from ${client.url} to ${out}` +
        `${skipped > 0 ? ` (${skipped} file-defined workflow${skipped === 1 ? '' : 's'} left out)` : ''}\n`
    );
    return EXIT.ok;
  } finally {
    progress.stop();
  }
}
