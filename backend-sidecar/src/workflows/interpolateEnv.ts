/**
 * `${NAME}` and `${NAME:-default}` interpolation for definition files (workflows, rules, channels).
 * `$${NAME}` stays literal. Unset variables without a default are reported, never silently empty,
 * so a typo in a secret's name shows up at load time with the file it came from.
 */
const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  text: string;
  /** Names referenced without a value or default, in order of first use. */
  missing: string[];
}

export function interpolateEnv(text: string, env: Record<string, string | undefined>): Interpolated {
  const missing: string[] = [];
  const out = text.replace(PATTERN, (match, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) {
      return match.slice(1);
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      return value;
    }
    if (fallback !== undefined) {
      return fallback;
    }
    if (!missing.includes(name)) {
      missing.push(name);
    }
    return match;
  });
  return { text: out, missing };
}
