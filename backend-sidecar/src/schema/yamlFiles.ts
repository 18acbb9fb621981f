import fs from 'node:fs/promises';

/**
 * The names of the `*.yaml` / `*.yml` files at the top of `dir` (not recursive), sorted so every
 * replica applies them in the same order. Throws what `readdir` throws (ENOENT included): callers
 * decide whether a missing directory is a problem.
 */
export async function listYamlFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}
