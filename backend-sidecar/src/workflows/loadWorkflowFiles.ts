import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseYaml, type FileLoadError } from '../schema/yaml';
import { listYamlFiles } from '../schema/yamlFiles';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../model/workflowDefinition';
import { ENV_REFERENCE, envValue } from '../schema/interpolateEnv';
import { forEachRequestString, mapStrings } from '../model/requestEnv';

export type { FileLoadError };

export interface LoadedWorkflow {
  definition: WorkflowDefinition;
  /**
   * The definition stored and returned by the API: `${ENV}` substituted, except in step requests,
   * which keep it as written (resolved when each request is built).
   */
  raw: unknown;
  file: string;
}

/** The workflow definitions of a file's content: the content itself, or its `workflows` list. */
export function workflowItems(content: unknown): { items: unknown; isList: boolean } {
  const isList = typeof content === 'object' && content !== null && !Array.isArray(content) && 'workflows' in content;
  return { items: isList ? (content as { workflows: unknown }).workflows : [content], isList };
}

function missingVariablesError(file: string, missing: string[]): FileLoadError {
  return { file, path: '(file)', message: `environment variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\${${m}}`).join(', ')} not set and no default given (use \${NAME:-default})` };
}

/**
 * The file's content with `${NAME}` substituted from `env`, except inside step requests (url,
 * headers, query, body, json), where references stay as written (requestEnv.ts). Substitution
 * stays textual, as it always was, so `enabled: ${ON:-true}` is still a boolean. To know which
 * references sit in a request, the file is first parsed with every reference replaced by a token
 * that reads the same in any YAML scalar; then parsed again with the others substituted and the
 * request ones still tokens, which are put back as written.
 */
function parseKeepingRequestReferences(text: string, file: string, env: Record<string, string | undefined>): { content: unknown } | { error: FileLoadError } {
  const references: string[] = [];
  const nonce = crypto.randomBytes(6).toString('hex');
  const tokenized = text.replace(ENV_REFERENCE, (match: string) => `wmenv${nonce}r${references.push(match) - 1}x`);
  if (references.length === 0) {
    return parseYaml(text, file);
  }
  const located = parseYaml(tokenized, file);
  if ('error' in located) {
    return located;
  }
  const tokenPattern = new RegExp(`wmenv${nonce}r(\\d+)x`, 'g');
  const inRequests = new Set<number>();
  const { items } = workflowItems(located.content);
  for (const item of Array.isArray(items) ? items : []) {
    forEachRequestString(item, (value) => {
      for (const found of value.matchAll(tokenPattern)) {
        inRequests.add(Number(found[1]));
      }
    });
  }
  const missing: string[] = [];
  let index = 0;
  const substituted = text.replace(ENV_REFERENCE, (match: string, escaped: string, name: string, fallback: string | undefined) => {
    const i = index++;
    if (inRequests.has(i)) {
      return `wmenv${nonce}r${i}x`;
    }
    if (escaped) {
      return match.slice(1);
    }
    const value = envValue(name, fallback, env);
    if (value === undefined && !missing.includes(name)) {
      missing.push(name);
    }
    return value ?? match;
  });
  if (missing.length > 0) {
    return { error: missingVariablesError(file, missing) };
  }
  const parsed = parseYaml(substituted, file);
  if ('error' in parsed) {
    return parsed;
  }
  return { content: mapStrings(parsed.content, (value) => value.replace(tokenPattern, (_token, i: string) => references[Number(i)]!)) };
}

/** One file: a workflow, or `workflows: [...]` for several. */
export async function loadWorkflowFile(file: string, env: NodeJS.ProcessEnv): Promise<{ workflows: LoadedWorkflow[]; errors: FileLoadError[] }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    return { workflows: [], errors: [{ file, path: '(file)', message: `cannot read: ${(error as Error).message}` }] };
  }
  const parsed = parseKeepingRequestReferences(text, file, env);
  if ('error' in parsed) {
    return { workflows: [], errors: [parsed.error] };
  }
  const { content } = parsed;
  if (content === null || content === undefined) {
    return { workflows: [], errors: [] };
  }
  const { items, isList } = workflowItems(content);
  if (!Array.isArray(items)) {
    return { workflows: [], errors: [{ file, path: 'workflows', message: 'must be a list of workflow definitions' }] };
  }
  const workflows: LoadedWorkflow[] = [];
  const errors: FileLoadError[] = [];
  items.forEach((raw: unknown, i) => {
    const parsed = parseWorkflowDefinition(raw, { source: 'file', file, pathPrefix: isList ? `workflows[${i}]` : undefined, env });
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
    entries = await listYamlFiles(dir);
  } catch (error) {
    return { workflows: [], errors: [{ file: dir, path: '(directory)', message: `cannot read WORKFLOWS_DIR: ${(error as Error).message}` }] };
  }
  return loadWorkflowFileList(
    entries.map((name) => path.join(dir, name)),
    env
  );
}

/** The given files in order, as loadWorkflowDirectory loads a directory's (the CLI's `validate` passes its own list). */
export async function loadWorkflowFileList(files: readonly string[], env: NodeJS.ProcessEnv): Promise<{ workflows: LoadedWorkflow[]; errors: FileLoadError[] }> {
  const workflows: LoadedWorkflow[] = [];
  const errors: FileLoadError[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
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
