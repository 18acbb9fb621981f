import type { Severity, SilenceMatchers } from '../../api/types';
import { hasMatchers, matchersCover } from './silenceMatching';

type Target = { workflowId: string; labels: Record<string, string>; severity: Severity };
// Loaded at run time: the sidecar's sources are another TypeScript project (the plugin's tsc must not compile them).
const { silenceMatches } = jest.requireActual<{
  silenceMatches: (silence: { matchers: SilenceMatchers }, target: Target) => boolean;
}>('../../../backend-sidecar/src/alerts/silences');

// The preview must suppress in the browser exactly what the sidecar suppresses: the two are compared
// on the same table, so a change to the sidecar's matching fails here until the plugin follows.
const alerts: Target[] = [
  { workflowId: 'checkout', labels: { team: 'payments', env: 'prod' }, severity: 'critical' },
  { workflowId: 'checkout', labels: {}, severity: 'warning' },
  { workflowId: 'login', labels: { team: 'payments', env: '' }, severity: 'error' },
];
const matchers: SilenceMatchers[] = [
  { workflowIds: ['checkout'] },
  { workflowIds: ['checkout', 'login'], severities: ['critical', 'error'] },
  { labels: { team: 'payments' } },
  { labels: { team: 'payments', env: 'prod' } },
  { labels: { env: '' } },
  { severities: ['warning'] },
  { workflowIds: [], labels: { team: 'payments' }, severities: [] },
  { workflowIds: ['search'] },
];

describe('silence matching in the preview', () => {
  it.each(
    matchers.flatMap((m) =>
      alerts.map((a) => ({
        m,
        a,
        name: `${JSON.stringify(m)} × ${a.workflowId}/${a.severity}/${JSON.stringify(a.labels)}`,
      }))
    )
  )('agrees with the sidecar: $name', ({ m, a }) => {
    const sidecar = silenceMatches({ matchers: m }, a);
    expect(matchersCover(m, a)).toBe(sidecar);
  });

  it('covers a label matcher only with that exact value', () => {
    expect(
      matchersCover({ labels: { env: 'prod' } }, { workflowId: 'w', labels: { env: 'production' }, severity: 'info' })
    ).toBe(false);
    expect(matchersCover({ labels: { env: 'prod' } }, { workflowId: 'w', labels: {}, severity: 'info' })).toBe(false);
  });

  it('counts empty lists as no matcher (the sidecar refuses a silence without any)', () => {
    expect(hasMatchers({ workflowIds: [], severities: [], labels: {} })).toBe(false);
    expect(hasMatchers({ severities: ['info'] })).toBe(true);
  });
});
