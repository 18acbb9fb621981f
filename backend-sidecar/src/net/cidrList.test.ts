import { loadConfig } from '../config/env';
import { ConfigError } from '../errors/errors';
import { parseCidrList, type CidrList } from './cidrList';
import { DEFAULT_TARGET_DENYLIST } from './egressGuard';

function list(text: string): CidrList {
  const parsed = parseCidrList(text);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  return parsed.list;
}

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ DATABASE_URL: 'postgres://localhost/x', ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('parseCidrList', () => {
  it('reads IPv4 and IPv6 ranges and bare addresses, separated by commas with any spacing', () => {
    expect(list(' 10.0.0.0/8 ,fd00::/8,192.0.2.7, ::1 ,').ranges).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.7/32', '::1/128']);
  });

  it('matches addresses by range and names the first range that contains them', () => {
    const ranges = list('10.0.0.0/8,10.1.0.0/16,fd00::/8');
    expect(ranges.rangeOf('10.1.2.3')).toBe('10.0.0.0/8');
    expect(ranges.rangeOf('11.0.0.1')).toBeUndefined();
    expect(ranges.rangeOf('fd12:3456::1')).toBe('fd00::/8');
    expect(ranges.rangeOf('fe80::1')).toBeUndefined();
  });

  it('matches an IPv4-mapped IPv6 address against IPv4 ranges, in dotted and in hex form', () => {
    const ranges = list('169.254.0.0/16');
    expect(ranges.rangeOf('::ffff:169.254.169.254')).toBe('169.254.0.0/16');
    expect(ranges.rangeOf('::ffff:a9fe:a9fe')).toBe('169.254.0.0/16');
    expect(ranges.rangeOf('0:0:0:0:0:ffff:a9fe:a9fe')).toBe('169.254.0.0/16');
    expect(ranges.rangeOf('::ffff:10.0.0.1')).toBeUndefined();
  });

  it('reads "none" as the empty list', () => {
    expect(list('none').empty).toBe(true);
    expect(list('NONE').rangeOf('169.254.169.254')).toBeUndefined();
  });

  it.each([
    ['not-an-ip/8', /"not-an-ip\/8" is not an IPv4 or IPv6 range/],
    ['10.0.0.0/33', /"10.0.0.0\/33" has an invalid prefix length \(0–32 for IPv4\)/],
    ['fd00::/129', /"fd00::\/129" has an invalid prefix length \(0–128 for IPv6\)/],
    ['10.0.0.0/', /"10.0.0.0\/" has an invalid prefix length/],
    ['10.0.0.0/-1', /"10.0.0.0\/-1" has an invalid prefix length/],
    ['10.0.0.0/8/8', /"10.0.0.0\/8\/8" has an invalid prefix length/],
    ['300.0.0.0/8', /"300.0.0.0\/8" is not an IPv4 or IPv6 range/],
    ['fe80::1%eth0/64', /is not an IPv4 or IPv6 range/],
  ])('refuses %s, naming the entry', (text, message) => {
    const parsed = parseCidrList(`10.0.0.0/8,${text}`);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });

  it('has a default denylist that holds the cloud metadata endpoints and link-local networks, and not loopback', () => {
    const ranges = list(DEFAULT_TARGET_DENYLIST);
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254', '100.100.100.200', 'fe80::1']) {
      expect({ address, range: ranges.rangeOf(address) }).toEqual({ address, range: expect.any(String) });
    }
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '192.168.1.1', '100.100.100.201', 'fd00:ec2::253']) {
      expect({ address, range: ranges.rangeOf(address) }).toEqual({ address, range: undefined });
    }
  });
});

describe('TARGET_DENYLIST and TARGET_ALLOWLIST in the configuration', () => {
  it('default to the metadata denylist and no allowlist; blank means the default', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/x' });
    expect(config.TARGET_DENYLIST.toString()).toBe(DEFAULT_TARGET_DENYLIST);
    expect(config.TARGET_ALLOWLIST).toBeUndefined();
    const blank = loadConfig({ DATABASE_URL: 'postgres://localhost/x', TARGET_DENYLIST: ' ', TARGET_ALLOWLIST: '' });
    expect(blank.TARGET_DENYLIST.toString()).toBe(DEFAULT_TARGET_DENYLIST);
    expect(blank.TARGET_ALLOWLIST).toBeUndefined();
  });

  it('read the ranges given, IPv6 included; TARGET_DENYLIST=none denies nothing', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/x', TARGET_DENYLIST: '127.0.0.2/32,fd00::/8', TARGET_ALLOWLIST: '10.0.0.0/8,2001:db8::/32' });
    expect(config.TARGET_DENYLIST.ranges).toEqual(['127.0.0.2/32', 'fd00::/8']);
    expect(config.TARGET_ALLOWLIST?.ranges).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x', TARGET_DENYLIST: 'none' }).TARGET_DENYLIST.empty).toBe(true);
  });

  it('stop the start with an error naming the variable, its value and the bad entry', () => {
    expect(configError({ TARGET_DENYLIST: '169.254.0.0/16,10.0.0.0/33' })).toContain('TARGET_DENYLIST="169.254.0.0/16,10.0.0.0/33": "10.0.0.0/33" has an invalid prefix length');
    expect(configError({ TARGET_ALLOWLIST: 'intranet' })).toContain('TARGET_ALLOWLIST="intranet": "intranet" is not an IPv4 or IPv6 range');
    expect(configError({ TARGET_ALLOWLIST: 'none' })).toContain('TARGET_ALLOWLIST="none": lists no range');
  });
});
