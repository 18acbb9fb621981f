import { ConflictError } from '../errors/errors';

/** The kinds of definition that may come from files (WORKFLOWS_DIR, alerting/*.yaml) or the API. */
export type ManagedKind = 'workflow' | 'rule' | 'channel' | 'escalation policy' | 'report schedule';

/**
 * A definition loaded from a file is owned by that file: the next sync would overwrite an API
 * change, so changing or deleting it over the API is a 409 `file_managed` that names the file.
 */
export function assertApiManaged(kind: ManagedKind, id: string, current: { source: string; sourceFile?: string | null }): void {
  if (current.source === 'file') {
    const sourceFile = current.sourceFile ?? null;
    throw new ConflictError(`${kind} "${id}" is defined in ${sourceFile ?? 'a file'}; edit the file instead`, { sourceFile }, 'file_managed');
  }
}
