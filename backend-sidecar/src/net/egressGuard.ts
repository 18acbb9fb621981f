import dns, { type LookupAddress } from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { EgressBlockedError } from '../retry/errors';
import { parseCidrList, type CidrList } from './cidrList';

/**
 * Cloud metadata endpoints and link-local networks: what a workflow URL or a redirect must never reach,
 * since their answers (instance credentials) would be stored in executions. Loopback and private
 * networks are not in it — monitoring internal services is the point of the product.
 * 169.254.0.0/16: AWS, GCP, Azure, OpenStack metadata (169.254.169.254) and IPv4 link-local;
 * fe80::/10: IPv6 link-local; fd00:ec2::254: AWS metadata over IPv6; 100.100.100.200: Alibaba Cloud.
 */
export const DEFAULT_TARGET_DENYLIST = '169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32';

type LookupCallback = Parameters<LookupFunction>[2];

/**
 * Decides, for every outgoing connection of workflow steps and notification deliveries, whether the
 * address actually connected to may be reached: inside TARGET_ALLOWLIST when that is set, and in no
 * range of TARGET_DENYLIST. The check runs where the address is known — after the host name is
 * resolved, before the TCP connect — so neither a redirect nor a name that resolves (or re-resolves)
 * to a refused address gets through, and a refused target never sees a packet. The cost is one
 * BlockList check per address per new connection; pooled connections are not checked again.
 */
export class EgressGuard {
  constructor(
    readonly denylist: CidrList,
    readonly allowlist?: CidrList
  ) {}

  /** The guard with the default denylist and no allowlist (for callers given no configuration). */
  static defaults(): EgressGuard {
    const parsed = parseCidrList(DEFAULT_TARGET_DENYLIST);
    if (!parsed.ok) {
      throw new Error(`DEFAULT_TARGET_DENYLIST does not parse: ${parsed.message}`);
    }
    return new EgressGuard(parsed.list);
  }

  /** Why `address` (an IP literal) may not be connected to, or undefined when it may. */
  refusal(address: string, host?: string): EgressBlockedError | undefined {
    const denied = this.denylist.rangeOf(address);
    if (denied !== undefined) {
      return new EgressBlockedError(readable(address), 'TARGET_DENYLIST', denied, host);
    }
    if (this.allowlist && this.allowlist.rangeOf(address) === undefined) {
      return new EgressBlockedError(readable(address), 'TARGET_ALLOWLIST', undefined, host);
    }
    return undefined;
  }

  /**
   * `dns.lookup` that refuses when ANY address of the name is refused: connecting to the others
   * would let a name that mixes a public and a metadata address decide per attempt which one is used.
   * Given to `net.connect`, it is what the socket connects to, so there is no gap between check and use.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        (callback as (err: NodeJS.ErrnoException) => void)(error);
        return;
      }
      for (const { address } of addresses) {
        const refusal = this.refusal(address, hostname);
        if (refusal) {
          (callback as (err: Error) => void)(refusal);
          return;
        }
      }
      deliverLookup(addresses, options.all === true, callback);
    });
  };

  /**
   * An undici connector: undici's own, with the checked lookup for names, plus a check of IP literals
   * (`net.connect` connects to a literal without calling `lookup`). A refusal fails the connection
   * before any socket exists, and undici fails the waiting requests with it.
   */
  connector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector({ ...options, lookup: this.lookup });
    return (target, callback) => {
      if (net.isIP(target.hostname) !== 0) {
        const refusal = this.refusal(target.hostname);
        if (refusal) {
          callback(refusal, null);
          return;
        }
      }
      connect(target, callback);
    };
  }

  /**
   * A TCP connection to `host` (a name or an IP literal) made only to checked addresses, for clients
   * that take a ready socket (nodemailer's `getSocket`). Every address of a name is tried in turn
   * (`net.connect`'s happy eyeballs), as the client's own connect would.
   */
  connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
    const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (net.isIP(literal) !== 0) {
      const refusal = this.refusal(literal);
      if (refusal) {
        return Promise.reject(refusal);
      }
    }
    if (signal?.aborted) {
      return Promise.reject(signal.reason as Error);
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: literal, port, lookup: this.lookup });
      // An abort (a TCP step's own timeout, a shutdown) ends the connect at once, like undici's requests.
      const aborted = () => {
        clearTimeout(timer);
        socket.destroy();
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        const error: NodeJS.ErrnoException = new Error(`connection to ${host}:${port} not established within ${timeoutMs} ms`);
        error.code = 'ETIMEDOUT';
        signal?.removeEventListener('abort', aborted);
        socket.destroy();
        reject(error);
      }, timeoutMs);
      signal?.addEventListener('abort', aborted, { once: true });
      // Stays attached after the connect (rejecting a settled promise does nothing), so an error in the
      // moment before the client adds its own listener cannot become an uncaught 'error' event.
      socket.on('error', (error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        resolve(socket);
      });
    });
  }

  /**
   * A pooled undici agent whose every connection passes this guard. `connectOptions` go to the TLS
   * connect (e.g. `ca`); `onConnected` sees each new connection after the guard let it open and TLS
   * verified it, before undici sends anything over it (the step client records certificates there).
   */
  createAgent(
    options: Omit<Agent.Options, 'connect'> = {},
    connectOptions: buildConnector.BuildOptions = {},
    onConnected?: (target: buildConnector.Options, socket: net.Socket) => void
  ): Agent {
    const connect = this.connector(connectOptions);
    if (!onConnected) {
      return new Agent({ ...options, connect });
    }
    return new Agent({
      ...options,
      connect: (target, callback) =>
        connect(target, (error, socket) => {
          if (socket) {
            onConnected(target, socket);
          }
          (callback as (error: Error | null, socket: net.Socket | null) => void)(error, socket);
        }),
    });
  }
}

const MAPPED_IPV4_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** URLs normalise `[::ffff:169.254.169.254]` to `[::ffff:a9fe:a9fe]`; messages show the dotted form. */
function readable(address: string): string {
  const mapped = MAPPED_IPV4_HEX.exec(address);
  if (!mapped) {
    return address;
  }
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

function deliverLookup(addresses: LookupAddress[], all: boolean, callback: LookupCallback): void {
  if (all) {
    callback(null, addresses);
    return;
  }
  const first = addresses[0];
  if (!first) {
    const error: NodeJS.ErrnoException = new Error('no address');
    error.code = 'ENOTFOUND';
    (callback as (err: NodeJS.ErrnoException) => void)(error);
    return;
  }
  callback(null, first.address, first.family);
}
