import { RE2JS } from 're2js';

/**
 * Every regular expression a user gives us (assertions, `pattern` rules, the custom `|matches`
 * transform) runs here: RE2 semantics on re2js, a pure-JavaScript port of RE2 whose matching time
 * is linear in the input, so no pattern can freeze the event loop the way `^(a+)+$` freezes a
 * backtracking engine. Patterns RE2 cannot run (backreferences, lookaround, flags it lacks) are
 * refused with a message saying why; compiled patterns are cached, so the hot path never compiles.
 */

/** Only the first 64 KiB (characters) of a body or message are searched: bounds the cost per match. */
export const REGEX_INPUT_LIMIT = 64 * 1024;

/**
 * RE2's "program size" (instructions) above which a pattern is refused. Matching costs about
 * program size × input length; at this bound a 64 KiB input takes ~0.2 s in the worst case measured
 * (`[\s\S]{990}`), while ordinary patterns stay far below it (`"status":"ok"` is 15).
 */
export const REGEX_MAX_PROGRAM_SIZE = 1000;

const SYNTAX_URL = 'https://github.com/google/re2/wiki/Syntax';

/** JavaScript flag letters we accept, and what they mean to RE2. `u` is RE2's default; `g` means nothing to a test. */
const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0, g: 0 };

export class UnsupportedRegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedRegexError';
  }
}

export class SafeRegex {
  constructor(
    readonly source: string,
    readonly flags: string,
    private readonly compiled: RE2JS
  ) {}

  /** True when the pattern matches anywhere in the first REGEX_INPUT_LIMIT characters of `text`. */
  test(text: string): boolean {
    return this.compiled.test(text.length > REGEX_INPUT_LIMIT ? text.slice(0, REGEX_INPUT_LIMIT) : text);
  }

  /** `/source/flags`, as the user wrote it (messages and stored `expected` values show this). */
  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

/** Turns re2js's parser message into one that says what is unsupported and what to do instead. */
function explain(error: unknown): string {
  const raw = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
  const fragment = /`([^`]*)`/.exec(raw)?.[1] ?? '';
  if (/^\\([1-9]|k|g)/.test(fragment)) {
    return `backreferences such as ${fragment} are not supported: the regex engine is linear-time (RE2 syntax, ${SYNTAX_URL})`;
  }
  if (/^\(\?(=|!|<=|<!)/.test(fragment)) {
    return `lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: the regex engine is linear-time (RE2 syntax, ${SYNTAX_URL})`;
  }
  if (fragment === '\\u') {
    return `\\u escapes are not RE2 syntax; write \\x{41} for U+0041 (${SYNTAX_URL})`;
  }
  return `${raw} (RE2 syntax, ${SYNTAX_URL})`;
}

function compile(source: string, flags: string): SafeRegex {
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) {
      throw new UnsupportedRegexError(`flag "${flag}" is not supported; use i, m, s (or u, which is always on)`);
    }
    bits |= bit;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, bits);
  } catch (error) {
    throw new UnsupportedRegexError(explain(error));
  }
  const size = compiled.programSize();
  if (size > REGEX_MAX_PROGRAM_SIZE) {
    throw new UnsupportedRegexError(
      `the pattern is too large for the linear-time engine: it compiles to ${size} instructions, at most ${REGEX_MAX_PROGRAM_SIZE} are allowed (large counted repetitions such as .{1000} cost the most)`
    );
  }
  return new SafeRegex(source, flags.replace(/g/g, ''), compiled);
}

// Compiled patterns and refusals, least recently used dropped first: definitions are parsed on
// save, on load and per run of a changed definition, and all of them share these entries.
const CACHE_LIMIT = 2000;
const cache = new Map<string, SafeRegex | UnsupportedRegexError>();

/** Compiles (or takes from the cache) a pattern; throws UnsupportedRegexError saying why it cannot run. */
export function compileSafeRegex(source: string, flags = ''): SafeRegex {
  const key = `${flags}/${source}`;
  let entry = cache.get(key);
  if (entry === undefined) {
    try {
      entry = compile(source, flags);
    } catch (error) {
      entry = error instanceof UnsupportedRegexError ? error : new UnsupportedRegexError(explain(error));
    }
    if (cache.size >= CACHE_LIMIT) {
      cache.delete(cache.keys().next().value!);
    }
  } else {
    cache.delete(key);
  }
  cache.set(key, entry);
  if (entry instanceof UnsupportedRegexError) {
    throw entry;
  }
  return entry;
}

/** The reason a pattern cannot run, or undefined when it can. */
export function regexProblem(source: string, flags = ''): string | undefined {
  try {
    compileSafeRegex(source, flags);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
