import type { z } from 'zod';

/** Turns zod issues into `[{path, message}]` with paths like `steps[0].request.url`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix?: string): Array<{ path: string; message: string }> {
  return issues.map((issue) => {
    let path = prefix ?? '';
    for (const segment of issue.path) {
      if (typeof segment === 'number') {
        path += `[${segment}]`;
      } else {
        path += path ? `.${String(segment)}` : String(segment);
      }
    }
    return { path: path || '(root)', message: issue.message };
  });
}
