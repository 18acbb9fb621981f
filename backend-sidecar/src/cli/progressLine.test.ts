import { ProgressLine } from './progressLine';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

describe('ProgressLine', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('draws nothing for a run shorter than half a second, then rewrites one line in place and erases it', () => {
    const terminal = stream(true);
    const progress = new ProgressLine(terminal);
    progress.update('checkout: request 1, GET http://shop/login');
    expect(terminal.writes).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(terminal.writes.at(-1)).toBe('\r\x1b[Kcheckout: request 1, GET http://shop/login (1.0 s)');
    progress.update('checkout: waiting 1.0 s before retrying');
    expect(terminal.writes.at(-1)).toBe('\r\x1b[Kcheckout: waiting 1.0 s before retrying (1.0 s)');
    progress.stop();
    expect(terminal.writes.at(-1)).toBe('\r\x1b[K');
    const count = terminal.writes.length;
    jest.advanceTimersByTime(5_000);
    expect(terminal.writes).toHaveLength(count);
  });

  it('writes nothing at all when the stream is not a terminal (a pipe, a CI log)', () => {
    const pipe = stream(false);
    const progress = new ProgressLine(pipe);
    progress.update('applying 1/3');
    jest.advanceTimersByTime(5_000);
    progress.update('applying 2/3');
    progress.stop();
    expect(pipe.writes).toEqual([]);
  });
});
