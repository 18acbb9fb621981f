import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { parseWorkflowDefinition, type WorkflowDefinition } from './definitionSchema';
import { interpolateEnv } from './interpolateEnv';

export interface LoadedWorkflow {
  definition: WorkflowDefinition;
  /** The definition as written (after ${ENV}), stored and returned by the API. */
  raw: unknown;
  file: string;
}

export interface FileLoadError {
  file: string;
  path: string;
  message: string;
}

/**
 * A YAML file's text as plain data, or the first problem with the file and where it is. Both the
 * syntax errors of parseDocument and the alias errors of toJS (an unknown alias, an alias bomb
 * past 100 expansions) are reported, never thrown.
 */
export function parseYaml(text: string, file: string): { content: unknown } | { error: FileLoadError } {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '(file)';
    return { error: { file, path: where, message: `invalid YAML: ${first.message.split('\n')[0]}` } };
  }
  try {
    return { content: document.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { error: { file, path: '(file)', message: `invalid YAML: ${(error as Error).message.split('\n')[0]}` } };
  }
}

/** One file: a workflow, or `workflows: [...]` for several. */
export async function loadWorkflowFile(file: string, env: NodeJS.ProcessEnv): Promise<{ workflows: LoadedWorkflow[]; errors: FileLoadError[] }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    return { workflows: [], errors: [{ file, path: '(file)', message: `cannot read: ${(error as Error).message}` }] };
  }
  const { text: interpolated, missing } = interpolateEnv(text, env);
  if (missing.length > 0) {
    return { workflows: [], errors: [{ file, path: '(file)', message: `environment variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\${${m}}`).join(', ')} not set and no default given (use \${NAME:-default})` }] };
  }
  const parsed = parseYaml(interpolated, file);
  if ('error' in parsed) {
    return { workflows: [], errors: [parsed.error] };
  }
  const { content } = parsed;
  if (content === null || content === undefined) {
    return { workflows: [], errors: [] };
  }
  const isList = typeof content === 'object' && !Array.isArray(content) && 'workflows' in content;
  const items: unknown[] = isList ? ((content as { workflows: unknown }).workflows as unknown[]) : [content];
  if (!Array.isArray(items)) {
    return { workflows: [], errors: [{ file, path: 'workflows', message: 'must be a list of workflow definitions' }] };
  }
  const workflows: LoadedWorkflow[] = [];
  const errors: FileLoadError[] = [];
  items.forEach((raw, i) => {
    const parsed = parseWorkflowDefinition(raw, { source: 'file', file, pathPrefix: isList ? `workflows[${i}]` : undefined });
    if (parsed.ok) {
      workflows.push({ definition: parsed.definition, raw, file });
    } else {
      errors.push(...parsed.errors.map((e) => ({ file, path: e.path, message: e.message })));
    }
  });
  return { workflows, errors };
}

/**
 * Every `*.yaml|*.yml` at the top of `dir` (not recursive: `alerting/` belongs to the alert and
 * channel definitions). A bad file never stops the good ones; a duplicate id is an error on the
 * later file.
 */
export async function loadWorkflowDirectory(dir: string, env: NodeJS.ProcessEnv): Promise<{ workflows: LoadedWorkflow[]; errors: FileLoadError[] }> {
  let entries: string[];
  try {
    entries = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort();
  } catch (error) {
    return { workflows: [], errors: [{ file: dir, path: '(directory)', message: `cannot read WORKFLOWS_DIR: ${(error as Error).message}` }] };
  }
  const workflows: LoadedWorkflow[] = [];
  const errors: FileLoadError[] = [];
  const seen = new Map<string, string>();
  for (const name of entries) {
    const file = path.join(dir, name);
    const loaded = await loadWorkflowFile(file, env);
    errors.push(...loaded.errors);
    for (const workflow of loaded.workflows) {
      const first = seen.get(workflow.definition.id);
      if (first) {
        errors.push({ file, path: 'id', message: `workflow id "${workflow.definition.id}" is already defined in ${first}` });
        continue;
      }
      seen.set(workflow.definition.id, file);
      workflows.push(workflow);
    }
  }
  return { workflows, errors };
}
