import { z } from 'zod';

/** A duration as the API returns it: the largest whole unit (`formatDuration`), e.g. "15m", "30s", "250ms". */
export const durationText = z.string().regex(/^\d+(ms|s|m|h|d)$/).describe('A duration with its unit, e.g. "500ms", "30s", "15m", "1h", "2d"');

function asReturned(field: z.ZodType, isDuration: boolean): z.ZodType {
  if (field instanceof z.ZodDefault) {
    // The input's default is filled in when stored: the field is always in a response.
    return asReturned(field.unwrap() as z.ZodType, isDuration);
  }
  if (field instanceof z.ZodOptional) {
    return asReturned(field.unwrap() as z.ZodType, isDuration).optional();
  }
  return isDuration ? durationText : field;
}

/**
 * The response shape of an object that arrives through `input`: the same fields and checks,
 * defaulted fields always present, and the named duration fields — milliseconds once parsed —
 * written back as text. Lets the OpenAPI document describe responses from the schemas that
 * validate requests instead of a second hand-kept copy.
 */
export function returnedShape<T extends z.ZodRawShape>(input: z.ZodObject<T>, durations: ReadonlyArray<keyof T & string> = []) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(input.shape)) {
    shape[key] = asReturned(field as z.ZodType, durations.includes(key));
  }
  return z.object(shape).strict();
}
