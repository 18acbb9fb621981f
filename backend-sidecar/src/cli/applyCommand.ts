import { loadApplyFiles } from './applyFiles';
import { planApply, type PlanAction, type PlanEntry } from './applyPlan';
import { CliFailure, CliUsageError, EXIT, parseCommandArgs, type CliContext, type ExitCode } from './cliContext';
import { defaultWorkflowsDir } from './definitionFiles';
import { ProgressLine } from './progressLine';
import { SidecarApiError, SidecarClient, sidecarTarget } from './sidecarClient';
import { formatLocatedError, locateErrors } from './validateCommand';

export const APPLY_USAGE = `Usage: workflow-monitor apply [dir] [--url <url>] [--token <token>] [--prune] [--dry-run]

Makes the sidecar's API-defined workflows and alert rules match the files in [dir]: *.yaml/*.yml
as workflows, alerting/*.yaml "rules" as rules (default dir: $WORKFLOWS_DIR, else ./workflows).
Each definition is compared with the sidecar's and sent only when it differs, so a second run
changes nothing and says so. Nothing is sent when a file does not validate.

\${NAME} references are substituted from this process's environment before sending, in step
requests too: the sidecar stores API definitions as sent (readable with any API token) and never
substitutes them. Keep secrets in file-defined workflows on the sidecar itself.

The sidecar's file-defined workflows and rules are never touched (one in the files with such an
id is an error); predefined rules may be changed, never deleted. Channels and escalation policies
in alerting files are not applied (they carry secrets): they are counted and left out.

Options:
  --url <url>      the sidecar's base URL (default $WORKFLOW_MONITOR_URL)
  --token <token>  its full API token, SIDECAR_API_TOKEN (default $WORKFLOW_MONITOR_TOKEN;
                   prefer the variable: a flag is visible in the process list)
  --prune          also delete the API-defined workflows and rules that are not in the files
  --dry-run        print the plan (create / update / delete / unchanged) and change nothing
  -h, --help       this help

Exit codes: 0 applied (or nothing to do), 1 invalid files, a conflict, an unreachable sidecar, a
refused token or a refused change, 2 wrong command line.
`;

const ACTION_WIDTH = 'unchanged'.length;

function describeEntry(entry: PlanEntry): string {
  const where = entry.file ? `  (${entry.file})` : entry.action === 'delete' ? '  (not in the files)' : '';
  return `  ${entry.action.padEnd(ACTION_WIDTH)}  ${entry.kind.padEnd('workflow'.length)}  ${entry.id}${where}`;
}

function count(entries: readonly PlanEntry[], action: PlanAction): number {
  return entries.filter((e) => e.action === action).length;
}

function summary(entries: readonly PlanEntry[], tense: 'done' | 'planned'): string {
  const words = tense === 'done' ? ['created', 'updated', 'deleted'] : ['to create', 'to update', 'to delete'];
  return `${count(entries, 'create')} ${words[0]}, ${count(entries, 'update')} ${words[1]}, ${count(entries, 'delete')} ${words[2]}, ${count(entries, 'unchanged')} unchanged`;
}

export async function applyCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(
    'apply',
    args,
    { url: { type: 'string' }, token: { type: 'string' }, prune: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    APPLY_USAGE
  );
  if (values.help) {
    ctx.stdout.write(APPLY_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new CliUsageError(`apply: give one directory, got ${positionals.length}`, APPLY_USAGE);
  }
  const target = sidecarTarget('apply', values, ctx.env, APPLY_USAGE);
  const dir = positionals[0] ?? defaultWorkflowsDir(ctx.env);
  const dryRun = values['dry-run'] === true;

  const progress = new ProgressLine(ctx.stderr);
  try {
    progress.update(`reading ${dir}`);
    const local = await loadApplyFiles(dir, ctx.env);
    if (local.errors.length > 0) {
      progress.clear();
      for (const error of await locateErrors(local.errors)) {
        ctx.stdout.write(`${formatLocatedError(error)}\n`);
      }
      ctx.stdout.write(`nothing applied: ${local.errors.length} problem${local.errors.length === 1 ? '' : 's'} in the files\n`);
      return EXIT.failed;
    }

    if (values.prune && !dryRun && local.workflows.length + local.rules.length === 0) {
      // An empty or mistyped directory would otherwise delete everything API-defined.
      throw new CliFailure(`${dir} holds no workflow or rule: apply --prune would delete every API-defined one on the sidecar; refusing (see the plan with --dry-run)`);
    }
    const client = new SidecarClient(target);
    progress.update(`reading the sidecar's workflows and rules at ${client.url}`);
    const [remoteWorkflows, remoteRules] = [await client.listWorkflows(), await client.listRules()];
    const plan = planApply(local, { workflows: remoteWorkflows, rules: remoteRules }, { prune: values.prune === true });
    progress.clear();
    if (plan.conflicts.length > 0) {
      for (const conflict of plan.conflicts) {
        ctx.stdout.write(`conflict: ${conflict}\n`);
      }
      ctx.stdout.write('nothing applied: rename these in the files, or remove them from the sidecar\'s WORKFLOWS_DIR\n');
      return EXIT.failed;
    }
    if (local.skipped.channels + local.skipped.escalationPolicies > 0) {
      const { channels, escalationPolicies } = local.skipped;
      ctx.stdout.write(
        `note: ${channels} channel${channels === 1 ? '' : 's'} and ${escalationPolicies} escalation polic${escalationPolicies === 1 ? 'y' : 'ies'} in alerting files are not applied (apply manages workflows and rules)\n`
      );
    }
    for (const extra of plan.notInFiles) {
      ctx.stdout.write(`note: API-defined ${extra.kind} "${extra.id}" on the sidecar is not in the files (--prune deletes it)\n`);
    }

    const changes = plan.entries.filter((e) => e.action !== 'unchanged');
    ctx.stdout.write(`${dryRun ? 'plan' : 'apply'} ${dir} → ${client.url}\n`);
    for (const entry of plan.entries) {
      ctx.stdout.write(`${describeEntry(entry)}\n`);
    }
    if (dryRun) {
      ctx.stdout.write(`dry run, nothing changed: ${summary(plan.entries, 'planned')}\n`);
      return EXIT.ok;
    }
    if (changes.length === 0) {
      ctx.stdout.write(`no changes: the sidecar already matches the files (${plan.entries.length} unchanged)\n`);
      return EXIT.ok;
    }

    // Creations and updates before deletions, workflows before the rules that may scope to them;
    // deletions in the reverse order.
    const order = [
      ...changes.filter((e) => e.action !== 'delete' && e.kind === 'workflow'),
      ...changes.filter((e) => e.action !== 'delete' && e.kind === 'rule'),
      ...changes.filter((e) => e.action === 'delete' && e.kind === 'rule'),
      ...changes.filter((e) => e.action === 'delete' && e.kind === 'workflow'),
    ];
    const failed: PlanEntry[] = [];
    for (const [i, entry] of order.entries()) {
      progress.update(`applying ${i + 1}/${order.length}: ${entry.action} ${entry.kind} ${entry.id}`);
      try {
        if (entry.kind === 'workflow') {
          await (entry.action === 'delete' ? client.deleteWorkflow(entry.id) : client.putWorkflow(entry.id, entry.body));
        } else {
          await (entry.action === 'delete' ? client.deleteRule(entry.id) : client.putRule(entry.id, entry.body));
        }
      } catch (error) {
        if (!(error instanceof SidecarApiError)) {
          throw error;
        }
        progress.clear();
        ctx.stdout.write(`error: ${entry.action} ${entry.kind} "${entry.id}"${entry.file ? ` (${entry.file})` : ''}: the sidecar answered ${error.message}\n`);
        failed.push(entry);
      }
    }
    progress.clear();
    const done = plan.entries.filter((e) => !failed.includes(e));
    ctx.stdout.write(`applied: ${summary(done, 'done')}${failed.length > 0 ? `, ${failed.length} refused` : ''}\n`);
    return failed.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    progress.stop();
  }
}
