import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface GeneratedCertificate {
  /** PEM of the certificate: the server presents it and the client trusts it (it is its own CA). */
  cert: string;
  key: string;
  notAfter: Date;
}

/**
 * A self-signed certificate for `localhost` / 127.0.0.1 made now, valid from an hour ago until
 * `validFor` milliseconds from now: the key from node:crypto (fast, native), the certificate built
 * and signed by node-forge, since node:crypto cannot issue certificates.
 */
export function generateCertificate(opts: { validForMs: number; commonName?: string; organization?: string }): GeneratedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `01${Date.now().toString(16)}`;
  // Whole seconds: a certificate's times have no fraction, so `notAfter` equals what the server presents.
  const now = Math.floor(Date.now() / 1000) * 1000;
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + opts.validForMs);
  const name = [
    { name: 'commonName', value: opts.commonName ?? 'localhost' },
    { name: 'organizationName', value: opts.organization ?? 'Workflow Monitor tests' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey, notAfter: cert.validity.notAfter };
}
