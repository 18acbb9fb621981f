import { CircuitBreaker, type BreakerTransition } from './circuitBreaker';

const RESET_MS = 10_000;

/** A breaker on a clock the test moves, recording every transition it announces. */
function breaker(threshold = 3) {
  const clock = { now: 1_000_000 };
  const transitions: string[] = [];
  const events: BreakerTransition[] = [];
  const subject = new CircuitBreaker('http://target.test', {
    threshold,
    resetMs: RESET_MS,
    now: () => clock.now,
    onTransition: (t) => {
      events.push(t);
      transitions.push(`${t.from}→${t.to}`);
    },
  });
  /** One request through the breaker: acquire, then report the outcome. */
  const call = (outcome: 'success' | 'failure' | 'neutral'): boolean => {
    if (!subject.tryAcquire()) {
      return false;
    }
    subject[outcome]();
    return true;
  };
  return { subject, clock, transitions, events, call };
}

describe('CircuitBreaker', () => {
  it('lets requests through while closed and opens after the threshold of consecutive failures', () => {
    const { subject, call, transitions } = breaker(3);
    expect(call('failure')).toBe(true);
    expect(call('failure')).toBe(true);
    expect(subject.current).toBe('closed');
    expect(call('failure')).toBe(true);
    expect(subject.current).toBe('open');
    expect(transitions).toEqual(['closed→open']);
  });

  it('opens on the first failure with a threshold of 1', () => {
    const { subject, call } = breaker(1);
    call('failure');
    expect(subject.current).toBe('open');
  });

  it('starts counting again after a success: only consecutive failures open it', () => {
    const { subject, call } = breaker(3);
    call('failure');
    call('failure');
    call('success');
    call('failure');
    call('failure');
    expect(subject.current).toBe('closed');
    call('failure');
    expect(subject.current).toBe('open');
  });

  it('neither counts nor forgives a failure that says nothing about the target while closed', () => {
    const { subject, call } = breaker(3);
    call('failure');
    call('failure');
    call('neutral');
    expect(subject.current).toBe('closed');
    call('failure');
    expect(subject.current).toBe('open');
  });

  it('fails fast while open, until the reset time has passed', () => {
    const { subject, clock, call, transitions } = breaker(1);
    call('failure');
    expect(subject.retryAt).toBe(clock.now + RESET_MS);
    expect(subject.tryAcquire()).toBe(false);
    clock.now += RESET_MS - 1;
    expect(subject.tryAcquire()).toBe(false);
    expect(subject.current).toBe('open');
    expect(transitions).toEqual(['closed→open']);
  });

  it('after the reset time goes half-open and admits exactly one trial at a time', () => {
    const { subject, clock, call, transitions } = breaker(1);
    call('failure');
    clock.now += RESET_MS;
    expect(subject.tryAcquire()).toBe(true);
    expect(subject.current).toBe('half_open');
    expect(subject.tryAcquire()).toBe(false);
    expect(subject.tryAcquire()).toBe(false);
    clock.now += RESET_MS * 5;
    expect(subject.tryAcquire()).toBe(false);
    expect(transitions).toEqual(['closed→open', 'open→half_open']);
  });

  it('closes when the trial succeeds, and then needs the full threshold to open again', () => {
    const { subject, clock, call, transitions } = breaker(2);
    call('failure');
    call('failure');
    clock.now += RESET_MS;
    expect(call('success')).toBe(true);
    expect(subject.current).toBe('closed');
    expect(subject.tryAcquire()).toBe(true);
    subject.failure();
    expect(subject.current).toBe('closed');
    expect(call('failure')).toBe(true);
    expect(subject.current).toBe('open');
    expect(transitions).toEqual(['closed→open', 'open→half_open', 'half_open→closed', 'closed→open']);
  });

  it('re-opens when the trial fails, with a fresh reset time counted from that failure', () => {
    const { subject, clock, call, transitions } = breaker(1);
    call('failure');
    clock.now += RESET_MS + 2_500;
    const trialAt = clock.now;
    expect(call('failure')).toBe(true);
    expect(subject.current).toBe('open');
    expect(subject.retryAt).toBe(trialAt + RESET_MS);
    clock.now = trialAt + RESET_MS - 1;
    expect(subject.tryAcquire()).toBe(false);
    clock.now = trialAt + RESET_MS;
    expect(subject.tryAcquire()).toBe(true);
    expect(transitions).toEqual(['closed→open', 'open→half_open', 'half_open→open', 'open→half_open']);
  });

  it('closes when the trial ends in a failure that says nothing about the target (the target answered)', () => {
    const { subject, clock, call, transitions } = breaker(1);
    call('failure');
    clock.now += RESET_MS;
    expect(call('neutral')).toBe(true);
    expect(subject.current).toBe('closed');
    expect(transitions).toEqual(['closed→open', 'open→half_open', 'half_open→closed']);
  });

  it('announces each transition once, with its target', () => {
    const { call, clock, events } = breaker(2);
    call('failure');
    call('failure');
    call('failure');
    clock.now += RESET_MS;
    call('success');
    call('success');
    expect(events).toEqual([
      { target: 'http://target.test', from: 'closed', to: 'open' },
      { target: 'http://target.test', from: 'open', to: 'half_open' },
      { target: 'http://target.test', from: 'half_open', to: 'closed' },
    ]);
  });
});
