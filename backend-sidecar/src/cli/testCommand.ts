import { runWorkflow } from '../executor/runWorkflow';
import { StepHttpClient, type HttpRequest } from '../executor/httpRequest';
import { EXECUTION_STATUS, EXECUTION_TRIGGER, type AttemptRecord, type ExecutionResult, type StepResult } from '../model/execution';
import type { WorkflowDefinition } from '../model/workflowDefinition';
import { EgressGuard } from '../net/egressGuard';
import { BreakerRegistry } from '../retry/breakerRegistry';
import { abortableSleep } from '../retry/runWithRetry';
import { loadWorkflowFile } from '../workflows/loadWorkflowFiles';
import { CliUsageError, EXIT, parseCommandArgs, type CliContext, type ExitCode } from './cliContext';
import { ProgressLine } from './progressLine';
import { formatLocatedError, locateErrors } from './validateCommand';

export const TEST_USAGE = `Usage: workflow-monitor test <file> [--step <name>] [--workflow <id>] [--strict]

Runs the workflow in <file> once, now, from this machine, with its retry policy, timeout and
assertions: the sidecar's executor and retry module alone, no sidecar and no database. Prints each
step, every attempt (HTTP status, error type, delay waited before it) and every assertion.
\${NAME} in requests is resolved from this process's environment, as the sidecar resolves it from
its own for file workflows.

Options:
  --step <name>     run the steps up to and including <name> (the ones before it extract the
                    values it needs); the steps after it are left out
  --workflow <id>   the workflow to run when <file> holds several (default: every one, in order)
  --strict          exit 3 when a run is only degraded (it needed retries, or was slower than
                    degradedAfter)
  -h, --help        this help

Exit codes: 0 every run succeeded (degraded ones too, with a warning line, unless --strict),
1 a run failed or the file does not validate, 2 wrong command line, 3 degraded under --strict.
`;

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function describeAttempt(attempt: AttemptRecord): string {
  const outcome = attempt.errorType ? `${attempt.errorType}${attempt.errorMessage ? `: ${attempt.errorMessage}` : ''}` : 'ok';
  const status = attempt.httpStatus !== undefined ? `HTTP ${attempt.httpStatus}` : 'no response';
  return `    attempt ${attempt.number}: ${status}, ${outcome} (waited ${formatMs(attempt.delayMs)} before it, took ${formatMs(attempt.durationMs)})`;
}

function describeStep(step: StepResult, total: number): string[] {
  const http = step.httpStatus !== undefined ? `, HTTP ${step.httpStatus}` : '';
  const attempts = step.attempts.length > 0 ? `, ${step.attempts.length} attempt${step.attempts.length === 1 ? '' : 's'}` : '';
  const lines = [`  step ${step.position + 1}/${total} ${step.name}: ${step.status}${http}${attempts}, ${formatMs(step.durationMs)}`];
  lines.push(...step.attempts.map(describeAttempt));
  for (const assertion of step.assertions) {
    const detail = assertion.passed ? '' : ` — ${assertion.message ?? 'failed'}`;
    lines.push(`    ${assertion.passed ? 'pass' : 'FAIL'} ${assertion.assertion}${detail}`);
  }
  const extracted = Object.keys(step.extracted);
  if (extracted.length > 0) {
    lines.push(`    extracted ${extracted.join(', ')}`);
  }
  if (step.status === 'failed' && step.errorMessage && step.assertions.every((a) => a.passed)) {
    lines.push(`    error (${step.errorType ?? 'unknown'}): ${step.errorMessage}`);
  }
  return lines;
}

function describeResult(result: ExecutionResult): string {
  const attempts = result.steps.reduce((sum, s) => sum + s.attempts.length, 0);
  const why =
    result.status === EXECUTION_STATUS.failed
      ? ` — ${result.errorType ?? 'unknown'}: ${result.errorMessage ?? 'failed'}`
      : result.status === EXECUTION_STATUS.degraded
        ? result.steps.some((s) => s.attempts.length > 1)
          ? ' — it needed retries'
          : ' — slower than degradedAfter'
        : '';
  return `  result: ${result.status}, ${attempts} attempt${attempts === 1 ? '' : 's'}, ${formatMs(result.durationMs)}${why}`;
}

/** The steps a run takes under `--step`: the named one and every step before it. */
function upToStep(definition: WorkflowDefinition, stepName: string | undefined): WorkflowDefinition {
  if (stepName === undefined) {
    return definition;
  }
  const index = definition.steps.findIndex((step) => step.name === stepName);
  if (index < 0) {
    throw new CliUsageError(`test: workflow "${definition.id}" has no step "${stepName}"; its steps: ${definition.steps.map((s) => s.name).join(', ')}`, TEST_USAGE);
  }
  return { ...definition, steps: definition.steps.slice(0, index + 1) };
}

export async function testCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('test', args, { step: { type: 'string' }, workflow: { type: 'string' }, strict: { type: 'boolean' } }, TEST_USAGE);
  if (values.help) {
    ctx.stdout.write(TEST_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new CliUsageError(`test: give exactly one workflow file${positionals.length > 1 ? `, got ${positionals.length}` : ''}`, TEST_USAGE);
  }
  const file = positionals[0]!;
  const loaded = await loadWorkflowFile(file, ctx.env);
  if (loaded.errors.length > 0) {
    for (const error of await locateErrors(loaded.errors)) {
      ctx.stdout.write(`${formatLocatedError(error)}\n`);
    }
    return EXIT.failed;
  }
  let definitions = loaded.workflows.map((w) => w.definition);
  if (values.workflow !== undefined) {
    definitions = definitions.filter((d) => d.id === values.workflow);
    if (definitions.length === 0) {
      throw new CliUsageError(`test: ${file} has no workflow "${values.workflow}"; it has: ${loaded.workflows.map((w) => w.definition.id).join(', ') || 'none'}`, TEST_USAGE);
    }
  }
  if (definitions.length === 0) {
    ctx.stdout.write(`${file}: no workflow to run\n`);
    return EXIT.failed;
  }
  const pushOnly = definitions.find((d) => d.steps.length === 0);
  if (pushOnly) {
    throw new CliUsageError(`test: workflow "${pushOnly.id}" is a push workflow: it runs elsewhere and has no steps to test`, TEST_USAGE);
  }
  const runs = definitions.map((d) => upToStep(d, values.step));

  // Its own client, closed at the end, so that no kept-alive connection holds the process open.
  const client = new StepHttpClient(EgressGuard.defaults());
  const progress = new ProgressLine(ctx.stderr);
  let worst: ExitCode = EXIT.ok;
  try {
    for (const definition of runs) {
      ctx.stdout.write(`${definition.id} (${definition.name}): running ${definition.steps.length} step${definition.steps.length === 1 ? '' : 's'}\n`);
      let requests = 0;
      const result = await runWorkflow(definition, {
        trigger: EXECUTION_TRIGGER.manual,
        breakers: new BreakerRegistry(Date.now),
        env: ctx.env,
        send: (url: URL, req: HttpRequest) => {
          requests += 1;
          progress.update(`${definition.id}: request ${requests}, ${req.method} ${url.origin}${url.pathname}`);
          return client.send(url, req);
        },
        sleep: (ms: number, signal?: AbortSignal) => {
          progress.update(`${definition.id}: waiting ${formatMs(ms)} before retrying`);
          return abortableSleep(ms, signal);
        },
      });
      progress.clear();
      for (const step of result.steps) {
        ctx.stdout.write(`${describeStep(step, definition.steps.length).join('\n')}\n`);
      }
      ctx.stdout.write(`${describeResult(result)}\n`);
      if (result.status === EXECUTION_STATUS.failed) {
        worst = EXIT.failed;
      } else if (result.status === EXECUTION_STATUS.degraded) {
        ctx.stdout.write(`  warning: ${definition.id} only degraded${values.strict ? '' : ' (exit code 0; --strict makes it 3)'}\n`);
        if (values.strict && worst === EXIT.ok) {
          worst = EXIT.degraded;
        }
      }
    }
  } finally {
    progress.stop();
    await client.close();
  }
  return worst;
}
