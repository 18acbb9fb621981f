import fs from 'node:fs/promises';
import { parseAlertingFiles } from '../alerts/alertingFiles';
import type { RuleInput } from '../alerts/ruleSchema';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../model/workflowDefinition';
import { interpolateEnv } from '../schema/interpolateEnv';
import { parseYaml, type FileLoadError } from '../schema/yaml';
import { workflowItems } from '../workflows/loadWorkflowFiles';
import { collectDefinitionFiles } from './definitionFiles';

/** A definition as apply sends it (`raw`, what the file says) and compares it (`parsed`, the schema's output). */
export interface LocalDefinition<T> {
  id: string;
  raw: unknown;
  parsed: T;
  file: string;
}

export interface ApplyFiles {
  workflows: Array<LocalDefinition<WorkflowDefinition>>;
  rules: Array<LocalDefinition<RuleInput>>;
  /** Entries of alerting files that apply does not manage. */
  skipped: { channels: number; escalationPolicies: number };
  files: string[];
  errors: FileLoadError[];
}

function missingVariables(file: string, missing: string[]): FileLoadError {
  return { file, path: '(file)', message: `environment variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\${${m}}`).join(', ')} not set and no default given` };
}

/**
 * The workflows and rules of a directory, as `apply` sends them to the sidecar's API. They become
 * API-defined there, and the sidecar never substitutes `${NAME}` in API definitions: apply
 * substitutes every reference from its own environment first, in step requests too, so what is
 * sent — and stored — holds the values. Each definition is checked with the schema the API checks
 * it with; a duplicate id is an error on the later file.
 */
export async function loadApplyFiles(dir: string, env: NodeJS.ProcessEnv): Promise<ApplyFiles> {
  const found = await collectDefinitionFiles([dir], env);
  const result: ApplyFiles = { workflows: [], rules: [], skipped: { channels: 0, escalationPolicies: 0 }, files: [...found.workflowFiles, ...found.alertingFiles], errors: [...found.errors] };
  const seen = new Map<string, string>();
  for (const file of found.workflowFiles) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      result.errors.push({ file, path: '(file)', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const interpolated = interpolateEnv(text, env);
    if (interpolated.missing.length > 0) {
      result.errors.push(missingVariables(file, interpolated.missing));
      continue;
    }
    const parsed = parseYaml(interpolated.text, file);
    if ('error' in parsed) {
      result.errors.push(parsed.error);
      continue;
    }
    if (parsed.content === null || parsed.content === undefined) {
      continue;
    }
    const { items, isList } = workflowItems(parsed.content);
    if (!Array.isArray(items)) {
      result.errors.push({ file, path: 'workflows', message: 'must be a list of workflow definitions' });
      continue;
    }
    items.forEach((raw: unknown, i) => {
      const pathPrefix = isList ? `workflows[${i}]` : undefined;
      const definition = parseWorkflowDefinition(raw, { source: 'api', file, pathPrefix });
      if (!definition.ok) {
        result.errors.push(...definition.errors.map((e) => ({ file, path: e.path, message: e.message })));
        return;
      }
      const id = definition.definition.id;
      const first = seen.get(id);
      if (first) {
        result.errors.push({ file, path: pathPrefix ? `${pathPrefix}.id` : 'id', message: `workflow id "${id}" is already defined in ${first}` });
        return;
      }
      seen.set(id, file);
      result.workflows.push({ id, raw, parsed: definition.definition, file });
    });
  }
  const alerting = await parseAlertingFiles(found.alertingFiles, env);
  result.errors.push(...alerting.errors);
  const seenRules = new Map<string, string>();
  for (const rule of alerting.rules) {
    const first = seenRules.get(rule.item.id);
    if (first) {
      result.errors.push({ file: rule.file, path: `${rule.path}.id`, message: `rule id "${rule.item.id}" is already defined in ${first}` });
      continue;
    }
    seenRules.set(rule.item.id, rule.file);
    result.rules.push({ id: rule.item.id, raw: rule.raw, parsed: rule.item, file: rule.file });
  }
  result.skipped = { channels: alerting.channels.length, escalationPolicies: alerting.policies.length };
  return result;
}
