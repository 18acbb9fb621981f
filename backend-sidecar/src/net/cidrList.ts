import net from 'node:net';

/**
 * A list of address ranges (`10.0.0.0/8, fd00::/8, 192.0.2.7`) as given in an environment variable.
 * Matching is Node's `net.BlockList`, which also matches an IPv4-mapped IPv6 address
 * (`::ffff:169.254.169.254`) against IPv4 ranges and the other way round, so a mapped address
 * cannot slip past an IPv4 rule. One list answers "is it inside" in one native call; only a hit
 * asks the ranges one by one, to name the range in the refusal.
 */
export class CidrList {
  private readonly all = new net.BlockList();
  private readonly each: Array<{ text: string; list: net.BlockList }> = [];

  constructor(ranges: readonly CidrRange[]) {
    for (const range of ranges) {
      this.all.addSubnet(range.network, range.prefix, range.family);
      const list = new net.BlockList();
      list.addSubnet(range.network, range.prefix, range.family);
      this.each.push({ text: range.text, list });
    }
  }

  /** The ranges as written, normalised to `address/prefix`. */
  get ranges(): string[] {
    return this.each.map((e) => e.text);
  }

  get empty(): boolean {
    return this.each.length === 0;
  }

  /** The first range containing the address, or undefined. `address` must be an IP literal. */
  rangeOf(address: string): string | undefined {
    // BlockList.check(string) builds a SocketAddress on every call (most of its cost): build it once.
    const socketAddress = new net.SocketAddress({ address, family: net.isIPv6(address) ? 'ipv6' : 'ipv4' });
    if (!this.all.check(socketAddress)) {
      return undefined;
    }
    return this.each.find((e) => e.list.check(socketAddress))?.text;
  }

  toString(): string {
    return this.ranges.join(',');
  }
}

export interface CidrRange {
  text: string;
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export type CidrListParse = { ok: true; list: CidrList } | { ok: false; message: string };

/**
 * Parses comma-separated ranges. A bare address is a single host (/32, /128). Empty entries are
 * skipped; the word `none` alone is the empty list. Host bits below the prefix are allowed (they are
 * masked), as most firewalls do.
 */
export function parseCidrList(text: string): CidrListParse {
  if (text.trim().toLowerCase() === 'none') {
    return { ok: true, list: new CidrList([]) };
  }
  const ranges: CidrRange[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') {
      continue;
    }
    const slash = entry.indexOf('/');
    const network = slash === -1 ? entry : entry.slice(0, slash);
    // net.isIP accepts IPv6 zone ids (fe80::1%eth0); a range has none.
    const version = network.includes('%') ? 0 : net.isIP(network);
    if (version === 0) {
      return { ok: false, message: `"${entry}" is not an IPv4 or IPv6 range (expected address/prefix, e.g. 10.0.0.0/8 or fd00::/8)` };
    }
    const max = version === 4 ? 32 : 128;
    let prefix = max;
    if (slash !== -1) {
      const prefixText = entry.slice(slash + 1);
      if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
        return { ok: false, message: `"${entry}" has an invalid prefix length (0–${max} for IPv${version})` };
      }
      prefix = Number(prefixText);
    }
    ranges.push({ text: `${network}/${prefix}`, network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
  }
  return { ok: true, list: new CidrList(ranges) };
}
