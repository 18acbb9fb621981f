import { Registry } from 'prom-client';
import { BreakerRegistry, breakerHost, registerBreakerMetrics } from './breakerRegistry';

const SETTINGS = { breakerThreshold: 2, breakerResetMs: 60_000 };

function withMetrics(maxHosts?: number) {
  const registry = new Registry();
  const breakers = new BreakerRegistry(() => 0, { maxHosts });
  registerBreakerMetrics(registry, breakers);
  /** The gauge's series as label → sample value, read from the text exposition Prometheus scrapes. */
  const series = async (): Promise<Map<string, number>> => {
    const text = await registry.metrics();
    return new Map([...text.matchAll(/^workflow_monitor_circuit_breaker_state\{target="([^"]*)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  };
  return { breakers, series };
}

const open = (breakers: BreakerRegistry, target: string) => {
  const breaker = breakers.get(target, SETTINGS);
  breaker.failure();
  breaker.failure();
};

describe('breakerHost: scheme://host:port, never a path or query', () => {
  it.each([
    ['http://api.example.test/orders/123?token=abc', 'http://api.example.test:80'],
    ['http://api.example.test:80/x', 'http://api.example.test:80'],
    ['https://API.Example.test/#frag', 'https://api.example.test:443'],
    ['https://user:pw@api.example.test:8443/a/b', 'https://api.example.test:8443'],
    ['http://[::1]:9000/p', 'http://[::1]:9000'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('%s → %s', (url, host) => {
    expect(breakerHost(url)).toBe(host);
  });
});

describe('the breaker registry is keyed by host and bounded', () => {
  it('20,000 distinct paths on one host share one breaker and one metric series, whose value follows its state', async () => {
    const { breakers, series } = withMetrics();
    const seen = new Set<unknown>();
    for (let i = 0; i < 20_000; i += 1) {
      seen.add(breakers.get(`http://api.example.test/items/${i}?q=${i}`, SETTINGS));
    }
    expect(seen.size).toBe(1);
    expect(breakers.size).toBe(1);
    expect(await series()).toEqual(new Map([['http://api.example.test:80', 0]]));
    open(breakers, 'http://api.example.test/items/20001');
    expect(await series()).toEqual(new Map([['http://api.example.test:80', 2]]));
  });

  it('the same host written differently (default port, letter case) is one breaker', () => {
    const { breakers } = withMetrics();
    const a = breakers.get('http://Api.Example.test/a', SETTINGS);
    const b = breakers.get('http://api.example.test:80/b', SETTINGS);
    const c = breakers.get('https://api.example.test/c', SETTINGS);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(breakers.states().map((s) => s.target)).toEqual(['http://api.example.test:80', 'https://api.example.test:443']);
  });

  it('more hosts than the cap: the map and the series stay at the cap, the least recently used are dropped with their series', async () => {
    const cap = 100;
    const { breakers, series } = withMetrics(cap);
    const host = (i: number) => `http://h${i}.example.test:8080`;
    // Host 0 is opened first, then kept in use; hosts 1 and 2 are opened and then left alone.
    open(breakers, `${host(0)}/x`);
    open(breakers, `${host(1)}/x`);
    open(breakers, `${host(2)}/x`);
    for (let i = 3; i < 250; i += 1) {
      breakers.get(`${host(i)}/path/${i}`, SETTINGS);
      if (i % 10 === 0) {
        breakers.get(`${host(0)}/again`, SETTINGS);
      }
    }
    expect(breakers.size).toBe(cap);
    const now = await series();
    expect(now.size).toBe(cap);
    // Survivors: host 0 (used recently) and the 99 newest hosts; everything else went, open ones included.
    const expected = new Map<string, number>([[host(0), 2]]);
    for (let i = 151; i < 250; i += 1) {
      expected.set(host(i), 0);
    }
    expect(now).toEqual(expected);
    expect(now.has(host(1))).toBe(false);
  });

  it('a dropped host that comes back starts with a closed breaker', async () => {
    const { breakers, series } = withMetrics(2);
    open(breakers, 'http://a.test/1');
    breakers.get('http://b.test/1', SETTINGS);
    breakers.get('http://c.test/1', SETTINGS);
    expect(await series()).toEqual(new Map([['http://b.test:80', 0], ['http://c.test:80', 0]]));
    expect(breakers.get('http://a.test/2', SETTINGS).current).toBe('closed');
    expect(await series()).toEqual(new Map([['http://c.test:80', 0], ['http://a.test:80', 0]]));
  });
});
