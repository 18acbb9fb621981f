import { z } from 'zod';

/** `label=env=prod&label=team=payments` (or comma-separated) → { env: 'prod', team: 'payments' }. */
export const labelFilterSchema = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const labels: Record<string, string> = {};
    for (const pair of (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(','))) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${pair}" is not a label filter; use key=value` });
        return z.NEVER;
      }
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return labels;
  });
