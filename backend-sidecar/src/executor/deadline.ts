/**
 * An AbortSignal that fires after `timeoutMs` or when any parent signal aborts, whichever comes
 * first. Written instead of `AbortSignal.any([..., AbortSignal.timeout(ms)])` for two reasons: that
 * pair costs several times more per request (it is made for every attempt of every step), and
 * `AbortSignal.any` holds its sources only weakly, so an unreferenced timeout signal could be
 * collected before it fired. Here the timer is ours and is cleared by `dispose()`. The deadline
 * is its own listener on the parents (`handleEvent`), so making one allocates no closure.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly parents: AbortSignal[];
  private expired = false;

  constructor(timeoutMs: number, parents: Array<AbortSignal | undefined>) {
    this.parents = parents.filter((p): p is AbortSignal => p !== undefined);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    for (const parent of this.parents) {
      if (parent.aborted) {
        this.controller.abort(parent.reason);
        break;
      }
      parent.addEventListener('abort', this, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when this deadline's own time ran out (not a parent's). */
  get timedOut(): boolean {
    return this.expired;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const parent of this.parents) {
      parent.removeEventListener('abort', this);
    }
  }

  /** A parent aborted. */
  handleEvent(event: Event): void {
    this.controller.abort((event.target as AbortSignal).reason);
  }
}
