import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { request } from 'undici';
import { ERROR_TYPES, type ErrorType } from '../model/execution';
import { classifyError, countsAgainstTarget } from './classifyError';
import { CircuitOpenError, HttpStatusError, ResponseTooLargeError, StepTimeoutError } from './errors';

const status = (code: number, retryAfter?: string) => new HttpStatusError(code, retryAfter);
const coded = (code: string, message = `${code} from the socket`) => Object.assign(new Error(message), { code });

/** [what, the error, its class, retried] — DESIGN.md "Retry" plus the edges between the classes. */
const TABLE: Array<[string, unknown, ErrorType, boolean]> = [
  ['HTTP 500', status(500), 'transient', true],
  ['HTTP 502', status(502), 'transient', true],
  ['HTTP 503', status(503), 'transient', true],
  ['HTTP 504', status(504), 'transient', true],
  ['HTTP 505 (5xx beyond 504)', status(505), 'transient', true],
  ['HTTP 507', status(507), 'transient', true],
  ['HTTP 511', status(511), 'transient', true],
  ['HTTP 599', status(599), 'transient', true],
  ['HTTP 400', status(400), 'permanent', false],
  ['HTTP 401', status(401), 'permanent', false],
  ['HTTP 403', status(403), 'permanent', false],
  ['HTTP 404', status(404), 'permanent', false],
  ['HTTP 405 (other 4xx)', status(405), 'permanent', false],
  ['HTTP 409', status(409), 'permanent', false],
  ['HTTP 410', status(410), 'permanent', false],
  ['HTTP 422', status(422), 'permanent', false],
  ['HTTP 408 (the target timed the request out)', status(408), 'timeout', true],
  ['HTTP 429', status(429), 'rate_limit', true],
  ['HTTP 302 a step did not accept', status(302), 'permanent', false],
  ['HTTP 600 (not an HTTP status class)', status(600), 'unknown', true],
  ['HTTP 999', status(999), 'unknown', true],
  ['the step timeout', new StepTimeoutError(2000), 'timeout', true],
  ['an aborted deadline (DOMException TimeoutError)', new DOMException('no answer within 100 ms', 'TimeoutError'), 'timeout', true],
  ['an open breaker', new CircuitOpenError('http://target'), 'circuit_open', false],
  ['an oversize body', new ResponseTooLargeError(1024), 'permanent', false],
  ['ECONNREFUSED', coded('ECONNREFUSED'), 'network', true],
  ['ECONNRESET', coded('ECONNRESET'), 'network', true],
  ['ENOTFOUND', coded('ENOTFOUND'), 'network', true],
  ['EAI_AGAIN', coded('EAI_AGAIN'), 'network', true],
  ['EHOSTUNREACH', coded('EHOSTUNREACH'), 'network', true],
  ['ENETUNREACH', coded('ENETUNREACH'), 'network', true],
  ['EPIPE', coded('EPIPE'), 'network', true],
  ['ETIMEDOUT (connect)', coded('ETIMEDOUT'), 'network', true],
  ['ECONNABORTED', coded('ECONNABORTED'), 'network', true],
  ['EADDRNOTAVAIL', coded('EADDRNOTAVAIL'), 'network', true],
  ['UND_ERR_SOCKET', coded('UND_ERR_SOCKET'), 'network', true],
  ['UND_ERR_CONNECT_TIMEOUT', coded('UND_ERR_CONNECT_TIMEOUT'), 'network', true],
  ['UND_ERR_CLOSED', coded('UND_ERR_CLOSED'), 'network', true],
  ['another undici socket error (UND_ERR_RES_CONTENT_LENGTH_MISMATCH)', coded('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'network', true],
  ['UND_ERR_HEADERS_TIMEOUT (no response headers in time)', coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout', true],
  ['UND_ERR_BODY_TIMEOUT', coded('UND_ERR_BODY_TIMEOUT'), 'timeout', true],
  ['UND_ERR_INVALID_ARG (a header value with a line break)', coded('UND_ERR_INVALID_ARG', 'invalid x-token header'), 'permanent', false],
  ['ERR_INVALID_URL (a redirect to an unparsable location)', Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }), 'permanent', false],
  ['fetch failed, caused by ECONNREFUSED', new TypeError('fetch failed', { cause: coded('ECONNREFUSED') }), 'network', true],
  ['fetch failed, caused by an AggregateError of two ECONNREFUSED', new TypeError('fetch failed', { cause: new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]) }), 'network', true],
  ["happy eyeballs' AggregateError carrying its own code", Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('EADDRNOTAVAIL')]), { code: 'ECONNREFUSED' }), 'network', true],
  ['an AggregateError without a code (the first error decides)', new AggregateError([coded('ENETUNREACH'), new Error('second')]), 'network', true],
  ['a cause three levels down', new Error('outer', { cause: new Error('middle', { cause: coded('ECONNRESET') }) }), 'network', true],
  ['a cause too deep to look for (the search is bounded)', new Error('1', { cause: new Error('2', { cause: new Error('3', { cause: new Error('4', { cause: coded('ECONNRESET') }) }) }) }), 'unknown', true],
  ['fetch failed without a cause', new TypeError('fetch failed'), 'network', true],
  ['a plain Error', new Error('weird'), 'unknown', true],
  ['a TypeError from our own code', new TypeError("Cannot read properties of undefined (reading 'x')"), 'unknown', true],
  ['a thrown string', 'boom', 'unknown', true],
  ['undefined', undefined, 'unknown', true],
  ['null', null, 'unknown', true],
  ['a number', 42, 'unknown', true],
  ['an object with a numeric code', { code: 503 }, 'unknown', true],
];

describe('classifyError', () => {
  it.each(TABLE.map(([what, error, type, retryable]) => ({ what, error, type, retryable })))('$what → $type', ({ error, type, retryable }) => {
    expect(classifyError(error)).toMatchObject({ type, retryable });
  });

  it('keeps the HTTP status, and the Retry-After of a 429 or 503 only', () => {
    expect(classifyError(status(429, '5'))).toEqual({ type: 'rate_limit', retryable: true, httpStatus: 429, retryAfter: '5' });
    expect(classifyError(status(503, 'Wed, 21 Oct 2015 07:28:00 GMT'))).toMatchObject({ httpStatus: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' });
    expect(classifyError(status(500, '5')).retryAfter).toBeUndefined();
    expect(classifyError(status(404)).httpStatus).toBe(404);
  });

  it('returns on a cause that refers back to itself', () => {
    const looped = new Error('loop') as Error & { cause?: unknown };
    looped.cause = looped;
    const ring = new AggregateError([]);
    (ring as { errors: unknown[] }).errors = [ring];
    expect(classifyError(looped).type).toBe('unknown');
    expect(classifyError(ring).type).toBe('unknown');
  });
});

describe('countsAgainstTarget', () => {
  const counting: ErrorType[] = ['transient', 'timeout', 'network', 'rate_limit'];
  it.each(ERROR_TYPES.map((type) => [type, counting.includes(type)] as const))('%s → %s', (type, counts) => {
    expect(countsAgainstTarget(type)).toBe(counts);
  });
});

/** The shapes above, as Node and undici really produce them on loopback. */
describe('classifyError on errors from real sockets', () => {
  let closedPort: number;
  let silent: http.Server;
  let silentPort: number;

  beforeAll(async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // Accepts the request and never answers it.
    silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });

  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  async function failure(fn: () => Promise<unknown>): Promise<unknown> {
    try {
      await fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  }

  it('undici request to a closed port → network', async () => {
    const error = await failure(() => request(`http://127.0.0.1:${closedPort}/`));
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(classifyError(error).type).toBe('network');
  });

  it('fetch to a closed port (TypeError with the socket error as cause) → network', async () => {
    const error = await failure(() => fetch(`http://127.0.0.1:${closedPort}/`));
    expect((error as Error).name).toBe('TypeError');
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(classifyError(error).type).toBe('network');
  });

  it('a name with two addresses, both refused (AggregateError from happy eyeballs) → network', async () => {
    const error = await new Promise<unknown>((resolve) => {
      const socket = net.connect({
        host: 'two-addresses.test',
        port: closedPort,
        autoSelectFamily: true,
        lookup: (_host, _opts, callback) => (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]),
      });
      socket.on('error', resolve);
    });
    expect((error as Error).constructor.name).toBe('AggregateError');
    expect(classifyError(error).type).toBe('network');
  });

  it('no response headers within undici headersTimeout → timeout', async () => {
    const error = await failure(() => request(`http://127.0.0.1:${silentPort}/`, { headersTimeout: 100 }));
    expect((error as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(classifyError(error)).toEqual({ type: 'timeout', retryable: true });
  });

  it('a header value with a line break (an extracted value gone wrong) → permanent', async () => {
    const error = await failure(() => request(`http://127.0.0.1:${silentPort}/`, { headers: { 'x-token': 'a\r\nb' } }));
    expect(classifyError(error)).toEqual({ type: 'permanent', retryable: false });
  });
});
