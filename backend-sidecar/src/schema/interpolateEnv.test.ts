import { interpolateEnv, missingEnv } from './interpolateEnv';

describe('interpolateEnv', () => {
  it('replaces set variables and applies defaults', () => {
    expect(interpolateEnv('url: ${BASE}/x ${PORT:-8080}', { BASE: 'http://h' })).toEqual({ text: 'url: http://h/x 8080', missing: [] });
  });

  it('reports unset variables once and leaves them visible', () => {
    expect(interpolateEnv('${A} ${A} ${B}', {})).toEqual({ text: '${A} ${A} ${B}', missing: ['A', 'B'] });
  });

  it('keeps $${NAME} literal', () => {
    expect(interpolateEnv('$${HOME}', { HOME: '/root' })).toEqual({ text: '${HOME}', missing: [] });
  });

  it('finds the missing names without substituting: set, defaulted and escaped references are not missing', () => {
    expect(missingEnv('${A} ${B:-b} $${C} ${D} ${A} ${E:-}', { B: '', D: 'd' })).toEqual(['A']);
  });
});
