export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerTransition {
  target: string;
  from: BreakerState;
  to: BreakerState;
}

/**
 * closed → open after `threshold` consecutive failures → half-open once `resetMs` has passed,
 * letting exactly one trial through → closed on its success, open again on its failure.
 * Hand-written rather than cockatiel's CircuitBreakerPolicy because we need an injectable clock
 * (tests move time without sleeping), a registry keyed by target, and our own say over which
 * failures count (a 404 or a failed assertion says nothing about the target's health).
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    readonly target: string,
    private readonly opts: { threshold: number; resetMs: number; now: () => number; onTransition?: (t: BreakerTransition) => void }
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  /** When the next trial may happen (only meaningful while open). */
  get retryAt(): number {
    return this.openedAt + this.opts.resetMs;
  }

  /** Whether a request may go out now; a half-open breaker admits one trial at a time. */
  tryAcquire(): boolean {
    if (this.state === 'closed') {
      return true;
    }
    if (this.state === 'open') {
      if (this.opts.now() < this.retryAt) {
        return false;
      }
      this.move('half_open');
    }
    if (this.trialInFlight) {
      return false;
    }
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.state !== 'closed') {
      this.move('closed');
    }
  }

  /** A failure that counts against the target. */
  failure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.state === 'half_open' || (this.state === 'closed' && this.failures >= this.opts.threshold)) {
      this.openedAt = this.opts.now();
      this.move('open');
    }
  }

  /**
   * A failure that says nothing about the target's health (404, assertion): uncounted while closed;
   * a half-open trial that ends this way closes the breaker, since the target did answer.
   */
  neutral(): void {
    if (this.trialInFlight) {
      this.trialInFlight = false;
      this.success();
    }
  }

  private move(to: BreakerState): void {
    const from = this.state;
    this.state = to;
    this.opts.onTransition?.({ target: this.target, from, to });
  }
}
