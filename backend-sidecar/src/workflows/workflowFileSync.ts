import fs from 'node:fs';
import type { Pool } from '../db/pool';
import { coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';
import { admitWithinLimit, LIMITED_RESOURCES } from '../store/resourceLimits';
import { loadWorkflowDirectory } from './loadWorkflowFiles';
import { removeVanishedFileWorkflows, upsertWorkflow } from './workflowStore';

export interface LoadError {
  file: string;
  path: string;
  message: string;
}

/**
 * Keeps the workflows table in step with WORKFLOWS_DIR: valid files are upserted (unchanged ones
 * are no-ops, so replicas syncing the same files do not disturb the schedule), workflows whose file
 * is gone are removed, and invalid files are reported — with file, path and reason — without
 * touching the workflows that did validate. The directory is watched for edits.
 */
export class WorkflowFileSync {
  private errors: LoadError[] = [];
  private watcher?: fs.FSWatcher;
  private debounce?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: { pool: Pool; log: Logger; dir: string; env: NodeJS.ProcessEnv; maxWorkflows?: number; onChange?: () => void }
  ) {}

  get loadErrors(): LoadError[] {
    return this.errors;
  }

  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).catch((error) => {
      this.opts.log.error({ err: coerceError(error), dir: this.opts.dir }, 'syncing workflow files failed');
    });
    return this.syncing;
  }

  watch(): void {
    try {
      this.watcher = fs.watch(this.opts.dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.sync(), 300);
      });
      this.watcher.on('error', (error) => this.opts.log.warn({ err: error, dir: this.opts.dir }, 'watching workflow files stopped'));
    } catch (error) {
      this.opts.log.warn({ err: coerceError(error), dir: this.opts.dir }, 'cannot watch workflow files; edits need a restart');
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.debounce);
    this.watcher?.close();
    await this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const { pool, log, dir } = this.opts;
    const loaded = await loadWorkflowDirectory(dir, this.opts.env);
    this.errors = loaded.errors;
    for (const error of loaded.errors) {
      log.error({ file: error.file, path: error.path }, `invalid workflow definition: ${error.file}: ${error.path}: ${error.message}`);
    }
    // A file that fails validation keeps its previously valid workflow running rather than
    // silently deleting it: only workflows whose file no longer mentions them are removed
    // (first, so that they no longer count against MAX_WORKFLOWS).
    const keep = loaded.workflows.map((w) => w.definition.id);
    const removed = loaded.errors.length > 0 ? [] : await removeVanishedFileWorkflows(pool, keep);
    // Files are taken in name order; a new workflow beyond MAX_WORKFLOWS is a load error of its file.
    const { refused } = this.opts.maxWorkflows === undefined
      ? { refused: new Set<string>() }
      : await admitWithinLimit(pool, 'workflows', loaded.workflows.map((w) => w.definition.id), this.opts.maxWorkflows);
    let changed = 0;
    for (const { definition, raw, file } of loaded.workflows) {
      if (refused.has(definition.id)) {
        const { setting } = LIMITED_RESOURCES.workflows;
        const message = `workflow "${definition.id}" not loaded: the limit of ${this.opts.maxWorkflows} workflows is reached (${setting}=${this.opts.maxWorkflows}); raise ${setting} or remove workflows`;
        this.errors.push({ file, path: 'id', message });
        log.error({ file, path: 'id' }, `workflow definition not loaded: ${file}: ${message}`);
        continue;
      }
      try {
        const result = await upsertWorkflow(pool, { spec: definition, definition: raw, source: 'file', sourceFile: file });
        changed += result.changed ? 1 : 0;
      } catch (error) {
        this.errors.push({ file, path: '(root)', message: coerceError(error).message });
      }
    }
    log.info(
      { dir, workflows: loaded.workflows.length, changed, removed: removed.length, invalid: loaded.errors.length },
      `loaded ${loaded.workflows.length} workflow(s) from ${dir}${loaded.errors.length ? `; ${loaded.errors.length} invalid` : ''}`
    );
    if (changed > 0 || removed.length > 0) {
      this.opts.onChange?.();
    }
  }
}
