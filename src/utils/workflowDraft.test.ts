import { formatAssertion, parseAssertionText } from './assertionText';
import { definitionToDraft, draftToDefinition, fieldForPath, placeErrors } from './workflowDraft';

const roundTrips: Array<[string, Record<string, unknown>]> = [
  [
    'a two-step workflow with extraction, retry numbers and labels',
    {
      id: 'checkout', name: 'Checkout', description: 'cart then pay', enabled: false, critical: true, labels: { team: 'payments' },
      schedule: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' }, timeout: '20s', degradedAfter: 5000,
      retry: { strategy: 'fast', maxAttempts: 4, initialDelay: '200ms', maxDelay: 2000, multiplier: 1.5, jitter: '15%' },
      steps: [
        { name: 'login', request: { method: 'POST', url: 'https://h/login', headers: { Accept: 'application/json' }, query: { v: '2' }, json: { user: 'demo', n: [1, 2] }, timeout: '2s' }, assert: ['status == 200', 'body.token exists'], extract: { token: 'body.token' } },
        { name: 'raw', request: { method: 'PUT', url: 'https://h/notes/{{token}}', body: 'a=1&b=2' } },
      ],
    },
  ],
  [
    'keys the form has no field for ride along: step retry, breaker, retryAfterCap, unknown keys',
    {
      id: 'x', name: 'X', enabled: true, critical: false, schedule: { every: '1m', timezone: 'UTC' },
      retry: { jitter: 0.2, retryAfterCap: '30s', breaker: { threshold: 3 } },
      steps: [{ name: 's', request: { method: 'GET', url: 'https://h/', json: { a: 1 }, body: 'both' }, retry: { strategy: 'aggressive' }, owner: 'me' }],
      owner: 'ops',
      tlsExpiryAlert: true,
    },
  ],
  ['a push workflow keeps no steps key', { id: 'beat', name: 'Beat', enabled: true, critical: false, schedule: { push: { expected: '1h', grace: '5m' } } }],
  ['an unknown strategy is kept for the sidecar to refuse', { id: 'y', name: 'Y', enabled: true, critical: false, schedule: { every: '30s' }, retry: { strategy: 'turbo' }, steps: [] }],
];

describe('the editor draft', () => {
  it.each(roundTrips)('gives back the definition it was made from: %s', (_name, definition) => {
    const read = definitionToDraft(definition);
    expect(read.ok).toBe(true);
    expect(read.ok && draftToDefinition(read.draft)).toEqual({ definition, errors: {} });
  });

  it.each([
    ['not a mapping', ['a'], /must be a mapping/],
    ['steps that are not a list', { steps: { a: 1 } }, /steps must be a list/],
    ['labels that are a list', { labels: ['a'] }, /labels must be a mapping/],
    ['a header that is a mapping', { steps: [{ request: { headers: { A: { b: 1 } } } }] }, /steps\[0\]\.request\.headers\.A must be a single value/],
    ['an assertion list that is text', { steps: [{ assert: 'status == 200' }] }, /steps\[0\]\.assert must be a list/],
    ['extra keys under push', { schedule: { push: { expected: '1h', every: '1m' } } }, /schedule.push takes expected and grace only/],
    ['a tcp step', { steps: [{ name: 'db', tcp: { host: 'db', port: 5432 } }] }, /steps\[0\] is a tcp step/],
  ])('says why the form cannot show %s', (_name, value, message) => {
    const read = definitionToDraft(value);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.error).toMatch(message);
  });

  it('reads durations and numbers as the sidecar does: digits are milliseconds, text stays text for the sidecar to judge', () => {
    const read = definitionToDraft({ id: 'a', name: 'A', schedule: { every: '1m' }, steps: [] });
    expect(read.ok).toBe(true);
    const draft = read.ok ? read.draft : undefined!;
    const { definition } = draftToDefinition({ ...draft, timeout: '1500', maxAttempts: 'three', multiplier: '2.5', jitter: '0.1' });
    expect(definition).toMatchObject({ timeout: 1500, retry: { maxAttempts: 'three', multiplier: 2.5, jitter: 0.1 } });
  });
});

describe('SLO fields', () => {
  const base = { id: 's', name: 'S', enabled: true, critical: false, schedule: { every: '1m' }, steps: [] };
  const draftOf = (slo: Record<string, unknown>) => {
    const read = definitionToDraft({ ...base, slo });
    if (!read.ok) {
      throw new Error(read.error);
    }
    return read.draft;
  };

  it('reads and writes slo objective and window, and leaves slo out when both are empty', () => {
    const draft = draftOf({ objective: 99.5, window: '30d' });
    expect([draft.sloObjective, draft.sloWindow]).toEqual(['99.5', '30d']);
    expect(draftToDefinition(draft)).toEqual({ definition: { ...base, slo: { objective: 99.5, window: '30d' } }, errors: {} });
    expect(draftToDefinition({ ...draft, sloObjective: '', sloWindow: '' }).definition).not.toHaveProperty('slo');
  });

  it('checks the bounds the sidecar checks: objective 50–99.999, window 1d–90d', () => {
    const errorsOf = (objective: string, window: string) => draftToDefinition({ ...draftOf({ objective: 99, window: '7d' }), sloObjective: objective, sloWindow: window }).errors;
    expect(errorsOf('50', '1d')).toEqual({});
    expect(errorsOf('99.999', '90d')).toEqual({});
    expect(errorsOf('99.9', '36h')).toEqual({});
    expect(errorsOf('49.9', '30d')['slo.objective']).toMatch(/between 50 and 99.999/);
    expect(errorsOf('100', '30d')['slo.objective']).toMatch(/between 50 and 99.999/);
    expect(errorsOf('lots', '30d')['slo.objective']).toMatch(/between 50 and 99.999/);
    expect(errorsOf('99', '23h')['slo.window']).toMatch(/between 1d and 90d/);
    expect(errorsOf('99', '91d')['slo.window']).toMatch(/between 1d and 90d/);
    expect(errorsOf('99', '2w')['slo.window']).toMatch(/between 1d and 90d/);
    expect(errorsOf('', '30d')['slo.objective']).toMatch(/needs an objective/);
    expect(errorsOf('99', '')['slo.window']).toMatch(/needs a window/);
  });

  it('puts the sidecar\'s slo errors on the SLO fields', () => {
    expect(fieldForPath('slo.objective')).toBe('slo.objective');
    expect(fieldForPath('slo.window')).toBe('slo.window');
    expect(fieldForPath('slo')).toBe('slo.objective');
  });
});

describe('server error paths → form fields', () => {
  it.each([
    ['name', 'name'],
    ['schedule', 'schedule'],
    ['schedule.push.expected', 'schedule.push.expected'],
    ['labels.team', 'labels'],
    ['retry', 'retry.strategy'],
    ['retry.jitter', 'retry.jitter'],
    ['steps', 'steps'],
    ['steps[2].request.url', 'steps[2].request.url'],
    ['steps[0].request.headers.X-A', 'steps[0].request.headers'],
    ['steps[1].assert[3]', 'steps[1].assert[3]'],
    ['steps[0].extract.token', 'steps[0].extract'],
    ['steps[0]', 'steps[0]'],
    ['steps[0].retry.maxAttempts', undefined],
    ['retry.breaker.threshold', undefined],
    ['(root)', undefined],
  ])('%s → %s', (path, field) => {
    expect(fieldForPath(path)).toBe(field);
  });

  it('keeps the sub-path in the message when a field stands for several paths', () => {
    expect(placeErrors({ 'labels.team': 'too long', '(root)': 'Unrecognized key: "x"' })).toEqual({ fields: { labels: 'team: too long' }, unplaced: ['(root): Unrecognized key: "x"'] });
  });
});

describe('assertion text ↔ builder', () => {
  it.each([
    ['status == 200', { subject: 'status', target: '', operator: '==', value: '200' }],
    ['duration < 2000', { subject: 'duration', target: '', operator: '<', value: '2000' }],
    ['body matches /ok/i', { subject: 'body', target: '', operator: 'matches', value: '/ok/i' }],
    ['body.token exists', { subject: 'body.path', target: 'token', operator: 'exists', value: '' }],
    ['body.items[0].id not exists', { subject: 'body.path', target: 'items[0].id', operator: 'not exists', value: '' }],
    ['body[0].name == "a b"', { subject: 'body.path', target: '[0].name', operator: '==', value: '"a b"' }],
    ['header.content-type contains json', { subject: 'header', target: 'content-type', operator: 'contains', value: 'json' }],
    ['status in [200, 201]', { subject: 'status', target: '', operator: 'in', value: '[200, 201]' }],
    ['tls.daysRemaining >= 14', { subject: 'tls.daysRemaining', target: '', operator: '>=', value: '14' }],
    ['tls.issuer contains "Let\'s Encrypt"', { subject: 'tls.issuer', target: '', operator: 'contains', value: '"Let\'s Encrypt"' }],
  ])('the builder reads %s and writes it back unchanged', (text, parts) => {
    expect(parseAssertionText(text)).toEqual(parts);
    expect(formatAssertion(parseAssertionText(text)!)).toBe(text);
  });

  it.each([
    ['an alias', 'response_time < 500'],
    ['spacing the builder would change', 'status  == 200'],
    ['no space after the operator', 'status ==200'],
    ['a missing value', 'status =='],
    ['a value after exists', 'body.token exists yes'],
    ['a matches without a regex', 'body matches ok'],
    ['an unknown subject', 'latency < 5'],
    ['an unknown TLS field', 'tls.expiry < 5'],
    ['an unknown operator', 'status === 200'],
  ])('leaves %s as free text', (_name, text) => {
    expect(parseAssertionText(text)).toBeUndefined();
  });
});
