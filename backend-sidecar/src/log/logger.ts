import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/**
 * Readable one-line output for people watching a terminal; JSON everywhere else.
 * Written by hand because pino-pretty is a dev tool with a large tree and we need one line format.
 */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) {
          continue;
        }
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          const time = new Date(Number(entry.time)).toISOString().slice(11, 19);
          const extras = Object.entries(entry)
            .filter(([k]) => !HIDDEN_KEYS.has(k))
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${time} ${LEVEL_NAMES[Number(entry.level)] ?? entry.level} ${entry.msg ?? ''}${extras ? `  ${extras}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      callback();
    },
  });
}

export function createLogger(opts: { level: string; format: 'auto' | 'json' | 'pretty'; destination?: NodeJS.WritableStream }): Logger {
  const destination = opts.destination ?? process.stdout;
  const pretty = opts.format === 'pretty' || (opts.format === 'auto' && (destination as NodeJS.WriteStream).isTTY === true);
  return pino(
    {
      level: opts.level,
      base: undefined,
      // Secrets never reach a log line, whatever object someone passes in.
      redact: {
        paths: ['*.apiToken', '*.token', '*.password', '*.secret', '*.authorization', 'req.headers.authorization', '*.headers.authorization', '*.headers.Authorization'],
        censor: '[redacted]',
      },
    },
    pretty ? prettyStream(destination) : (destination as pino.DestinationStream)
  );
}
