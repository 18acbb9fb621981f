import type net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { ResponseTooLargeError } from '../retry/errors';

/**
 * Opens a connection only to addresses the egress guard allows (`EgressGuard.connectTcp`); rejects
 * when `signal` aborts. A TCP step never opens a socket any other way.
 */
export type ConnectTcp = (host: string, port: number, timeoutMs: number, signal?: AbortSignal) => Promise<net.Socket>;

export interface TcpProbeRequest {
  host: string;
  port: number;
  /** Connect timeout handed to the connector; the caller's `signal` bounds the whole exchange. */
  timeoutMs: number;
  send?: string;
  expect?: string;
  signal: AbortSignal;
  maxReplyBytes: number;
  /** Set once connected, so a timeout can say whether the connect or the reply was late. */
  phase?: { connected: boolean };
}

export interface TcpReply {
  /** What the server sent until `expect` appeared or it closed (empty without `expect`). */
  text: string;
  /** With `expect`: whether it appeared before the server closed the connection. */
  matched: boolean;
}

/**
 * One TCP check: connect, write `send` if given, then — with `expect` — read until that text appears
 * in the reply. Without `expect` the connection is closed once `send` is written: an accepted
 * connection is the check. Socket errors (refused, reset) reject as they are, for the retry module to
 * classify; the caller's deadline aborting `signal` rejects with its reason.
 */
export async function probeTcp(connect: ConnectTcp, req: TcpProbeRequest): Promise<TcpReply> {
  const socket = await connect(req.host, req.port, req.timeoutMs, req.signal);
  if (req.phase) {
    req.phase.connected = true;
  }
  return new Promise<TcpReply>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let bytes = 0;
    let settled = false;
    const finish = (outcome: { reply?: TcpReply; error?: unknown }) => {
      if (settled) {
        return;
      }
      settled = true;
      req.signal.removeEventListener('abort', aborted);
      socket.destroy();
      if (outcome.error !== undefined) {
        reject(outcome.error);
      } else {
        resolve(outcome.reply!);
      }
    };
    function aborted() {
      finish({ error: req.signal.reason });
    }
    if (req.signal.aborted) {
      aborted();
      return;
    }
    req.signal.addEventListener('abort', aborted, { once: true });
    socket.on('error', (error) => finish({ error }));
    if (req.expect === undefined) {
      // `end` writes what is left and half-closes; the socket is dropped once that is flushed.
      socket.end(req.send ?? '', () => finish({ reply: { text: '', matched: true } }));
      return;
    }
    const expected = req.expect;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > req.maxReplyBytes) {
        finish({ error: new ResponseTooLargeError(req.maxReplyBytes) });
        return;
      }
      text += decoder.write(chunk);
      if (text.includes(expected)) {
        finish({ reply: { text, matched: true } });
      }
    });
    socket.once('end', () => {
      text += decoder.end();
      finish({ reply: { text, matched: text.includes(expected) } });
    });
    socket.once('close', () => finish({ reply: { text, matched: text.includes(expected) } }));
    if (req.send !== undefined) {
      socket.write(req.send);
    }
  });
}
