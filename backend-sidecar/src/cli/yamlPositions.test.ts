import { YamlPositions } from './yamlPositions';

const TEXT = `id: x
labels:
  app.kubernetes.io/name: shop
  team: payments
defaults: &request { url: "\${BASE_URL:-http://localhost}/health", timeout: 5 }
steps:
  - name: first
    request: *request
  - name: second
    request:
      url: "\${BASE_URL}/cart"
      method:
`;

describe('YamlPositions', () => {
  const positions = new YamlPositions(TEXT);

  it('follows keys that hold dots, choosing the longest key the path starts with', () => {
    expect(positions.of('labels.app.kubernetes.io/name')).toEqual({ line: 3, column: 27 });
  });

  it('counts columns in the text as written, whatever length the ${ENV} references have once substituted', () => {
    expect(positions.of('steps[1].request.url')).toEqual({ line: 11, column: 12 });
    expect(positions.of('defaults.timeout')).toEqual({ line: 5, column: 76 });
  });

  it('follows an alias to the anchored node', () => {
    expect(positions.of('steps[0].request.timeout')).toEqual({ line: 5, column: 76 });
  });

  it('points at the deepest part that exists when the path names a missing field, and at the key of an empty value', () => {
    expect(positions.of('steps[1].request.headers')).toEqual({ line: 11, column: 7 });
    expect(positions.of('steps[1].request.method')).toEqual({ line: 12, column: 7 });
    expect(positions.of('steps[5].name')).toEqual({ line: 7, column: 3 });
  });

  it('points at the key itself when the key is the problem', () => {
    expect(positions.of('(root)', 'Unrecognized key: "defaults"')).toEqual({ line: 5, column: 1 });
    expect(positions.of('labels', 'unknown section; allowed: rules')).toEqual({ line: 2, column: 1 });
  });

  it('places a missing variable at its first reference', () => {
    expect(positions.of('(file)', 'environment variable ${BASE_URL} not set')).toEqual({ line: 5, column: 28 });
  });

  it('reports a syntax error at its own position, and a one-line file on line 1', () => {
    expect(new YamlPositions('a: 1\nb: [\n').of('b')).toEqual({ line: 3, column: 1 });
    expect(new YamlPositions('name: x').of('name')).toEqual({ line: 1, column: 7 });
  });
});
