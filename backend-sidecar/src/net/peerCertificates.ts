import type { TLSSocket } from 'node:tls';

/** The leaf certificate a TLS server presented, as steps assert on it and attempts record it. */
export interface PeerCertificate {
  /** Distinguished name as `key=value` pairs in the certificate's order, e.g. `CN=example.com, O=Example`. */
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** `validTo` in epoch milliseconds (days remaining are counted from it when a response arrives). */
  validToMs: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// OpenSSL's ASN1_TIME_print form, the only one X509Certificate#validTo gives (`Nov  8 04:25:15 2126 GMT`).
// Read by shape: `Date.parse` would also take it, but reads anything else as well.
const OPENSSL_TIME = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/;

/** Epoch milliseconds of an OpenSSL certificate time, or undefined when it is not in that form. */
export function parseCertificateTime(text: string): number | undefined {
  const match = OPENSSL_TIME.exec(text);
  const month = match ? MONTHS.indexOf(match[1]!) : -1;
  if (!match || month < 0) {
    return undefined;
  }
  return Date.UTC(Number(match[6]), month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
}

/** One line per RDN (Node's form) → one readable line, so `tls.issuer contains "Let's Encrypt"` reads naturally. */
function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter((part) => part !== '').join(', ');
}

/** The leaf certificate of a connected TLS socket, or undefined when it has none (or an unreadable one). */
export function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) {
    return undefined;
  }
  const validFromMs = parseCertificateTime(certificate.validFrom);
  const validToMs = parseCertificateTime(certificate.validTo);
  if (validFromMs === undefined || validToMs === undefined) {
    return undefined;
  }
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    validFrom: new Date(validFromMs).toISOString(),
    validTo: new Date(validToMs).toISOString(),
    validToMs,
  };
}

const DAY_MS = 86_400_000;

/** Whole days from `now` until the certificate expires: 9.9 days left is 9; negative once expired. */
export function daysRemaining(certificate: Pick<PeerCertificate, 'validToMs'>, now: number): number {
  return Math.floor((certificate.validToMs - now) / DAY_MS);
}

/** `https://host:port` as undici's connector sees a target (an empty port is the scheme's default). */
export function originKey(protocol: string, hostname: string, port: string): string {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const host = bare.includes(':') ? `[${bare}]` : bare;
  return `${protocol}//${host.toLowerCase()}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

/**
 * The certificate each HTTPS origin presented at its most recent TLS handshake, recorded by the step
 * client's connector as connections open. undici does not tell a response which pooled socket carried
 * it, but every pooled connection of an origin was opened (and verified) by this connector, so a
 * response of that origin came over a connection whose certificate is the latest one recorded for it
 * unless the server changed certificates between two open connections (a renewal caught mid-way,
 * which the next connection corrects). Bounded: the least recently connected origin is dropped.
 */
export class PeerCertificateBook {
  private readonly byOrigin = new Map<string, PeerCertificate>();

  constructor(private readonly maxOrigins = 10_000) {}

  record(origin: string, certificate: PeerCertificate): void {
    this.byOrigin.delete(origin);
    this.byOrigin.set(origin, certificate);
    if (this.byOrigin.size > this.maxOrigins) {
      this.byOrigin.delete(this.byOrigin.keys().next().value!);
    }
  }

  get(origin: string): PeerCertificate | undefined {
    return this.byOrigin.get(origin);
  }
}
