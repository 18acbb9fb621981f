import { compileSafeRegex, REGEX_INPUT_LIMIT, regexProblem, UnsupportedRegexError } from './safeRegex';

describe('safeRegex: user patterns on a linear-time engine', () => {
  it('answers a pattern that backtracking engines take hours on (^(a+)+$ against 40 a and a !)', () => {
    const re = compileSafeRegex('^(a+)+$');
    expect(re.test(`${'a'.repeat(40)}!`)).toBe(false);
    expect(re.test('a'.repeat(40))).toBe(true);
  });

  it.each([
    ['(a)\\1', /backreferences such as \\1 are not supported/],
    ['(?<n>a)\\k<n>', /backreferences such as \\k are not supported/],
    ['(a)\\g<1>', /backreferences such as \\g are not supported/],
    ['a(?=b)', /lookahead and lookbehind .* are not supported/],
    ['a(?!b)', /lookahead and lookbehind .* are not supported/],
    ['(?<=a)b', /lookahead and lookbehind .* are not supported/],
    ['(?<!a)b', /lookahead and lookbehind .* are not supported/],
    ['\\u0041', /write \\x\{41\} for U\+0041/],
    ['[a-', /missing closing \]/],
    ['.{1000}', /too large for the linear-time engine: it compiles to 1002 instructions, at most 1000/],
  ])('refuses %s and says why', (pattern, reason) => {
    expect(() => compileSafeRegex(pattern)).toThrow(UnsupportedRegexError);
    expect(regexProblem(pattern)).toMatch(reason);
    expect(regexProblem(pattern)).toMatch(/RE2 syntax|linear-time/);
  });

  it('takes the JavaScript flags RE2 has (i, m, s; u and g change nothing) and refuses the others', () => {
    expect(compileSafeRegex('^ok$', 'im').test('first\nOK')).toBe(true);
    expect(compileSafeRegex('a.b', 's').test('a\nb')).toBe(true);
    expect(compileSafeRegex('a.b').test('a\nb')).toBe(false);
    expect(compileSafeRegex('ok', 'gu').toString()).toBe('/ok/u');
    expect(regexProblem('ok', 'y')).toMatch(/flag "y" is not supported/);
    expect(regexProblem('ok', 'v')).toMatch(/flag "v" is not supported/);
  });

  it('searches only the first 64 KiB of its input', () => {
    const re = compileSafeRegex('needle');
    const hay = (at: number) => `${'x'.repeat(at)}needle${'x'.repeat(10)}`;
    expect(re.test(hay(REGEX_INPUT_LIMIT - 'needle'.length))).toBe(true);
    expect(re.test(hay(REGEX_INPUT_LIMIT - 3))).toBe(false);
    expect(re.test(hay(REGEX_INPUT_LIMIT + 100))).toBe(false);
  });

  it('compiles a pattern once: the same pattern and flags give the same compiled object', () => {
    expect(compileSafeRegex('"status":"ok"')).toBe(compileSafeRegex('"status":"ok"'));
    expect(compileSafeRegex('"status":"ok"', 'i')).not.toBe(compileSafeRegex('"status":"ok"'));
  });

  it('keeps RE2 syntax that JavaScript lacks (inline flags, \\z, named groups, POSIX classes)', () => {
    expect(compileSafeRegex('(?i)timeout').test('TIMEOUT')).toBe(true);
    expect(compileSafeRegex('ok\\z').test('ok')).toBe(true);
    expect(compileSafeRegex('(?P<code>5\\d\\d)').test('HTTP 503')).toBe(true);
    expect(compileSafeRegex('[[:digit:]]+').test('42')).toBe(true);
  });
});
