import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { FileLoadError } from '../schema/yaml';
import { listYamlFiles } from '../schema/yamlFiles';

/** The definition files a command works on, sorted into the two kinds the sidecar loads. */
export interface DefinitionFiles {
  workflowFiles: string[];
  alertingFiles: string[];
  /** Arguments that could not be read (a missing directory or file). */
  errors: FileLoadError[];
}

/** The directory the sidecar would read: WORKFLOWS_DIR, else `./workflows`. */
export function defaultWorkflowsDir(env: NodeJS.ProcessEnv): string {
  return env.WORKFLOWS_DIR && env.WORKFLOWS_DIR.trim() !== '' ? env.WORKFLOWS_DIR : 'workflows';
}

const ALERTING_SECTIONS = new Set(['channels', 'escalationPolicies', 'rules']);

/**
 * A file named on the command line is an alerting file when it sits in an `alerting/` directory
 * (where the sidecar reads them) or when its top level holds only `channels`, `escalationPolicies`
 * or `rules`; everything else is read as workflows, as the sidecar reads WORKFLOWS_DIR.
 */
async function isAlertingFile(file: string): Promise<boolean> {
  if (path.basename(path.dirname(path.resolve(file))) === 'alerting') {
    return true;
  }
  try {
    const content: unknown = YAML.parse(await fs.readFile(file, 'utf8'), { maxAliasCount: 100 });
    return typeof content === 'object' && content !== null && !Array.isArray(content) && Object.keys(content).length > 0 && Object.keys(content).every((key) => ALERTING_SECTIONS.has(key));
  } catch {
    // Unreadable or not YAML: the workflow loader reports why, with its position.
    return false;
  }
}

/**
 * A directory stands for what the sidecar loads from it as WORKFLOWS_DIR: its top-level
 * `*.yaml|*.yml` as workflows and `alerting/*.yaml|*.yml` as alerting files. Files are taken as
 * given (see isAlertingFile). No argument: the default directory.
 */
export async function collectDefinitionFiles(targets: readonly string[], env: NodeJS.ProcessEnv): Promise<DefinitionFiles> {
  const found: DefinitionFiles = { workflowFiles: [], alertingFiles: [], errors: [] };
  for (const target of targets.length > 0 ? targets : [defaultWorkflowsDir(env)]) {
    let stat;
    try {
      stat = await fs.stat(target);
    } catch (error) {
      found.errors.push({ file: target, path: '(file)', message: `cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}` });
      continue;
    }
    if (stat.isDirectory()) {
      try {
        found.workflowFiles.push(...(await listYamlFiles(target)).map((name) => path.join(target, name)));
      } catch (error) {
        found.errors.push({ file: target, path: '(directory)', message: `cannot read: ${(error as Error).message}` });
        continue;
      }
      const alertingDir = path.join(target, 'alerting');
      try {
        found.alertingFiles.push(...(await listYamlFiles(alertingDir)).map((name) => path.join(alertingDir, name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
          found.errors.push({ file: alertingDir, path: '(directory)', message: `cannot read: ${(error as Error).message}` });
        }
      }
    } else if (await isAlertingFile(target)) {
      found.alertingFiles.push(target);
    } else {
      found.workflowFiles.push(target);
    }
  }
  return found;
}
