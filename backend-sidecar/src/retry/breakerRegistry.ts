import { Gauge, type Registry } from 'prom-client';
import { CircuitBreaker, type BreakerState, type BreakerTransition } from './circuitBreaker';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** One breaker per target origin, created on first use with the caller's settings. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners: Array<(t: BreakerTransition) => void> = [];
  /** Steps of one workflow usually hit one host in a row: skip the map lookup then. */
  private last?: CircuitBreaker;

  constructor(private readonly now: () => number = Date.now) {}

  /** Settings apply when the target's breaker is created (first use). */
  get(target: string, settings: { breakerThreshold: number; breakerResetMs: number }): CircuitBreaker {
    if (this.last?.target === target) {
      return this.last;
    }
    let breaker = this.breakers.get(target);
    if (!breaker) {
      breaker = new CircuitBreaker(target, {
        threshold: settings.breakerThreshold,
        resetMs: settings.breakerResetMs,
        now: this.now,
        onTransition: (t) => this.listeners.forEach((l) => l(t)),
      });
      this.breakers.set(target, breaker);
    }
    this.last = breaker;
    return breaker;
  }

  onTransition(listener: (t: BreakerTransition) => void): void {
    this.listeners.push(listener);
  }

  states(): Array<{ target: string; state: BreakerState }> {
    return [...this.breakers.values()].map((b) => ({ target: b.target, state: b.current }));
  }
}

export function registerBreakerMetrics(registry: Registry, breakers: BreakerRegistry): void {
  new Gauge({
    name: 'workflow_monitor_circuit_breaker_state',
    help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { target, state } of breakers.states()) {
        this.set({ target }, STATE_VALUE[state]);
      }
    },
  });
}
