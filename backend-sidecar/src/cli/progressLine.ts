import type { OutputStream } from './cliContext';

/** Long runs stay silent for this long before a progress line appears: short ones never flicker. */
const SHOW_AFTER_MS = 500;
const REDRAW_EVERY_MS = 250;

/**
 * One line on a terminal that says what a long run is doing now ("checkout › login: attempt 2,
 * waiting 400 ms", "applying 3/12"), rewritten in place and erased before any other output. Only
 * when the stream is a terminal: in a pipe or a CI log it writes nothing at all.
 */
export class ProgressLine {
  private text = '';
  private shown = false;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: OutputStream) {
    if (stream.isTTY) {
      this.timer = setInterval(() => this.draw(), REDRAW_EVERY_MS);
      this.timer.unref();
    }
  }

  /** What the run is doing now. */
  update(text: string): void {
    this.text = text;
    this.draw();
  }

  /** Erases the line so that ordinary output can be written. */
  clear(): void {
    if (this.shown) {
      this.stream.write('\r\x1b[K');
      this.shown = false;
    }
  }

  /** Erases the line for good. */
  stop(): void {
    this.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private draw(): void {
    if (!this.timer || this.text === '') {
      return;
    }
    const elapsed = Date.now() - this.started;
    if (elapsed < SHOW_AFTER_MS) {
      return;
    }
    this.stream.write(`\r\x1b[K${this.text} (${(elapsed / 1000).toFixed(1)} s)`);
    this.shown = true;
  }
}
