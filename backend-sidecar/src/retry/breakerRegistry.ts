import { Gauge, type Registry } from 'prom-client';
import { CircuitBreaker, type BreakerState, type BreakerTransition } from './circuitBreaker';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
export const DEFAULT_MAX_HOSTS = 10_000;

/**
 * What a breaker is keyed and labelled by: `scheme://host:port` with the default port written out,
 * never a path or query (values extracted into URLs would make one breaker, and one metric series,
 * per request). A target that is not a URL is used as it is.
 */
export function breakerHost(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return target;
  }
  if (!url.host) {
    return target;
  }
  return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol] || '0'}`;
}

/**
 * One breaker per (location, target host), created on first use with the caller's settings. At most `maxHosts`
 * are kept: beyond that the least recently used is dropped (a host in URLs built from extracted
 * values must not grow memory and /metrics without bound). A dropped breaker starts closed if its
 * host comes back.
 */
export class BreakerRegistry {
  /** Map order is recency order: a breaker is moved to the end when used, the first one is the eldest. */
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners: Array<(t: BreakerTransition) => void> = [];
  private readonly maxHosts: number;
  /** The location whose requests these breakers guard: part of each key and each metric series. */
  readonly location: string | undefined;
  /** Steps of one workflow usually hit one host in a row: skip parsing and the map then. */
  private lastTarget?: string;
  private last?: CircuitBreaker;

  constructor(
    private readonly now: () => number = Date.now,
    opts: { maxHosts?: number; location?: string } = {}
  ) {
    this.maxHosts = Math.max(1, opts.maxHosts ?? DEFAULT_MAX_HOSTS);
    this.location = opts.location;
  }

  /** Settings apply when the host's breaker is created (first use). */
  get(target: string, settings: { breakerThreshold: number; breakerResetMs: number }): CircuitBreaker {
    if (this.lastTarget === target && this.last) {
      return this.last;
    }
    const host = breakerHost(target);
    // A host failing from one location says nothing about it from another.
    const key = this.location === undefined ? host : `${this.location} ${host}`;
    let breaker = this.breakers.get(key);
    if (breaker) {
      this.breakers.delete(key);
    } else {
      breaker = new CircuitBreaker(host, {
        threshold: settings.breakerThreshold,
        resetMs: settings.breakerResetMs,
        now: this.now,
        onTransition: (t) => this.listeners.forEach((l) => l(t)),
      });
      if (this.breakers.size >= this.maxHosts) {
        this.breakers.delete(this.breakers.keys().next().value!);
      }
    }
    this.breakers.set(key, breaker);
    this.lastTarget = target;
    this.last = breaker;
    return breaker;
  }

  onTransition(listener: (t: BreakerTransition) => void): void {
    this.listeners.push(listener);
  }

  get size(): number {
    return this.breakers.size;
  }

  states(): Array<{ target: string; location: string | undefined; state: BreakerState }> {
    return [...this.breakers.values()].map((b) => ({ target: b.target, location: this.location, state: b.current }));
  }
}

export function registerBreakerMetrics(registry: Registry, breakers: BreakerRegistry): void {
  new Gauge({
    name: 'workflow_monitor_circuit_breaker_state',
    help: 'Circuit breaker state per target host (scheme://host:port) and probe location: 0 closed, 1 half-open, 2 open',
    labelNames: ['target', 'location'],
    registers: [registry],
    // Rebuilt on every scrape from the breakers kept, so a dropped breaker's series goes with it.
    collect() {
      this.reset();
      for (const { target, location, state } of breakers.states()) {
        this.set(location === undefined ? { target } : { target, location }, STATE_VALUE[state]);
      }
    },
  });
}
