import { z } from 'zod';
import '../schema/zodOpenApi';

/**
 * Where a replica runs checks from (env LOCATION) and where a workflow asks to be checked from
 * (`locations: [...]`). Names are what a label value or a URL segment can carry unescaped.
 */
export const LOCATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const LOCATION_NAME_RULE = '1–63 characters: lowercase letters, digits, - and _, starting with a letter or digit';

/** A replica without LOCATION, and every execution recorded before locations existed. */
export const DEFAULT_LOCATION = 'default';

/** The most locations one workflow may list. */
export const MAX_WORKFLOW_LOCATIONS = 16;

/** The header every step request carries, so a target can tell the probes apart. */
export const LOCATION_HEADER = 'X-Workflow-Monitor-Location';

export const locationNameSchema = z.string().regex(LOCATION_NAME, `a location name is ${LOCATION_NAME_RULE}`);

/** A comma-separated list of location names in a query string (`?locations=eu,us`). */
export const locationListQuerySchema = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') {
      return undefined;
    }
    const list = value.split(',').map((s) => s.trim());
    const bad = list.find((name) => !LOCATION_NAME.test(name));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not a location name (${LOCATION_NAME_RULE})` });
      return z.NEVER;
    }
    return [...new Set(list)];
  });
