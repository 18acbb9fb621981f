/**
 * `${NAME}` and `${NAME:-default}` interpolation for definition files (workflows, rules, channels).
 * `$${NAME}` stays literal. Unset variables without a default are reported, never silently empty,
 * so a typo in a secret's name shows up at load time with the file it came from.
 */
const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The reference syntax, for callers that find references without substituting them (global). */
export const ENV_REFERENCE = PATTERN;

export interface Interpolated {
  text: string;
  /** Names referenced without a value or default, in order of first use. */
  missing: string[];
}

/** What `${name}` / `${name:-fallback}` stands for: the variable when set and not empty, else the default. */
export function envValue(name: string, fallback: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const value = env[name];
  return value !== undefined && value !== '' ? value : fallback;
}

export function interpolateEnv(text: string, env: Record<string, string | undefined>): Interpolated {
  const missing: string[] = [];
  const out = text.replace(PATTERN, (match, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) {
      return match.slice(1);
    }
    const value = envValue(name, fallback, env);
    if (value !== undefined) {
      return value;
    }
    if (!missing.includes(name)) {
      missing.push(name);
    }
    return match;
  });
  return { text: out, missing };
}

/** The names `text` references that have neither a value nor a default; nothing is substituted. */
export function missingEnv(text: string, env: Record<string, string | undefined>): string[] {
  const missing: string[] = [];
  for (const [, escaped, name, fallback] of text.matchAll(PATTERN)) {
    if (!escaped && envValue(name!, fallback, env) === undefined && !missing.includes(name!)) {
      missing.push(name!);
    }
  }
  return missing;
}
