import net from 'node:net';
import { EgressBlockedError } from '../retry/errors';
import { classifyError } from '../retry/classifyError';
import { parseCidrList, type CidrList } from './cidrList';
import { EgressGuard } from './egressGuard';

function list(text: string): CidrList {
  const parsed = parseCidrList(text);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  return parsed.list;
}

function lookup(guard: EgressGuard, host: string, all: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    guard.lookup(host, { all }, (error, address, family) => (error ? reject(error) : resolve(all ? address : { address, family })));
  });
}

describe('EgressGuard', () => {
  it('refuses a denied address naming it, TARGET_DENYLIST and the range; the denylist wins over the allowlist', () => {
    const guard = new EgressGuard(list('127.0.0.2/32'), list('127.0.0.0/8'));
    const refusal = guard.refusal('127.0.0.2');
    expect(refusal).toBeInstanceOf(EgressBlockedError);
    expect(refusal?.message).toBe('connection to 127.0.0.2 refused by TARGET_DENYLIST (127.0.0.2/32)');
    expect(guard.refusal('127.0.0.3')).toBeUndefined();
  });

  it('refuses an address outside TARGET_ALLOWLIST when one is set', () => {
    const guard = new EgressGuard(list('none'), list('10.0.0.0/8,fd00::/8'));
    expect(guard.refusal('10.2.3.4')).toBeUndefined();
    expect(guard.refusal('fd00::1')).toBeUndefined();
    expect(guard.refusal('192.0.2.1')?.message).toBe('connection to 192.0.2.1 refused by TARGET_ALLOWLIST (not inside any of its ranges)');
  });

  it('shows an IPv4-mapped address in dotted form', () => {
    const guard = EgressGuard.defaults();
    expect(guard.refusal('::ffff:a9fe:a9fe')?.message).toBe('connection to ::ffff:169.254.169.254 refused by TARGET_DENYLIST (169.254.0.0/16)');
  });

  it('is classified permanent (not retried, not counted against the target), also when wrapped as a cause', () => {
    const refusal = new EgressBlockedError('169.254.169.254', 'TARGET_DENYLIST', '169.254.0.0/16');
    expect(classifyError(refusal)).toEqual({ type: 'permanent', retryable: false });
    expect(classifyError(new TypeError('fetch failed', { cause: refusal }))).toEqual({ type: 'permanent', retryable: false });
  });

  it('lookup refuses a name that resolves to a denied address, and passes the others through in both callback forms', async () => {
    const denying = new EgressGuard(list('127.0.0.1/32'));
    await expect(lookup(denying, 'localhost', true)).rejects.toThrow(/connection to 127\.0\.0\.1 \(resolved from localhost\) refused by TARGET_DENYLIST \(127\.0\.0\.1\/32\)/);
    await expect(lookup(denying, 'localhost', false)).rejects.toBeInstanceOf(EgressBlockedError);
    const open = new EgressGuard(list('169.254.0.0/16'));
    expect(await lookup(open, 'localhost', true)).toEqual(expect.arrayContaining([expect.objectContaining({ family: expect.any(Number) })]));
    expect(await lookup(open, 'localhost', false)).toEqual({ address: expect.any(String), family: expect.any(Number) });
  });

  it('connectTcp refuses a denied literal without connecting and connects to an allowed one', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(new EgressGuard(list('127.0.0.2/32')).connectTcp('127.0.0.2', port, 5000)).rejects.toThrow(/refused by TARGET_DENYLIST/);
      await expect(new EgressGuard(list('127.0.0.2/32')).connectTcp('[::ffff:127.0.0.2]', port, 5000)).rejects.toThrow(/refused by TARGET_DENYLIST/);
      expect(connections).toBe(0);
      const socket = await new EgressGuard(list('none')).connectTcp('127.0.0.2', port, 5000);
      expect(socket.remoteAddress).toBe('127.0.0.2');
      socket.destroy();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
