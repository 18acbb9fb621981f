/** Types of launch.cjs for the tests and bins written in TypeScript. */
export type BuildState = 'missing' | 'stale' | 'fresh';

export class BuildError extends Error {}

export const STAMP_FILE: string;

export function buildState(packageDir?: string): BuildState;

export function ensureBuilt(packageDir?: string, options?: { force?: boolean; log?: (message: string) => void }): { built: boolean; state: BuildState };

export function launch(entry: string, packageDir?: string): void;
