// A certificate authority of this machine's own (TLS=local): made once into DATA_DIR, it signs the server's certificate.
import { webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writePrivateFile } from './files.ts';

x509.cryptoProvider.set(webcrypto as Crypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Apple platforms refuse server certificates valid for longer than 825 days, even from a private CA. */
const SERVER_DAYS = 397;
const CA_YEARS = 10;
/** A server certificate this close to its end is replaced at the next check. */
const REISSUE_BEFORE_MS = 30 * DAY_MS;

export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateNames {
  dns: string[];
  ips: string[];
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey), 'PRIVATE KEY');
}

/** A self-signed CA that may sign server certificates only (path length 0). */
export async function createCertificateAuthority(commonName: string): Promise<KeyPair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}, O=Podium`,
    keys,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_YEARS * 365 * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** A server certificate for these names and addresses, signed by the CA. */
export async function issueServerCertificate(ca: KeyPair, names: CertificateNames, days = SERVER_DAYS): Promise<KeyPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), KEY_ALGORITHM, false, ['sign']);
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${names.dns[0] ?? names.ips[0] ?? 'podium'}`,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey as CryptoKey,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/**
 * The names a browser on the local network may use for this machine: its host name (bare and .local for mDNS),
 * localhost, every address of its interfaces, and PUBLIC_URL's host when that is set.
 */
export function machineNames(extraHost?: string): CertificateNames {
  const host = hostname().toLowerCase();
  const dns = new Set([host, `${host.split('.')[0]}.local`, 'localhost']);
  const ips = new Set<string>();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      // Link-local IPv6 needs a zone in the URL, which browsers do not accept.
      if (address.family === 'IPv6' && address.address.toLowerCase().startsWith('fe80:')) continue;
      ips.add(address.address);
    }
  }
  if (extraHost) (/^[\d.]+$|:/.test(extraHost) ? ips : dns).add(extraHost.replace(/^\[|\]$/g, ''));
  return { dns: [...dns], ips: [...ips] };
}

export interface LocalCertificates extends KeyPair {
  caPath: string;
  caCert: string;
  /** True when the CA was made just now (first start). */
  caCreated: boolean;
}

/**
 * Loads the CA and server certificate from `dir`, making the CA the first time and a new server certificate when
 * the names changed (a new address) or the current one nears its end. Keys are written 0600.
 */
export async function ensureLocalCertificates(dir: string, names: CertificateNames): Promise<LocalCertificates> {
  const caPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  let caCreated = false;
  let ca: KeyPair;
  if (existsSync(caPath) && existsSync(caKeyPath)) {
    ca = { cert: readFileSync(caPath, 'utf8'), key: readFileSync(caKeyPath, 'utf8') };
  } else {
    ca = await createCertificateAuthority(`Podium local CA (${hostname()})`);
    writePrivateFile(caKeyPath, ca.key);
    writePrivateFile(caPath, ca.cert);
    caCreated = true;
  }
  if (!caCreated && existsSync(certPath) && existsSync(keyPath)) {
    const current = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
    if (coversNames(current.cert, names) && Date.parse(new NodeX509Certificate(current.cert).validTo) - Date.now() > REISSUE_BEFORE_MS) {
      return { ...current, caPath, caCert: ca.cert, caCreated };
    }
  }
  const server = await issueServerCertificate(ca, names);
  writePrivateFile(keyPath, server.key);
  writePrivateFile(certPath, server.cert);
  return { ...server, caPath, caCert: ca.cert, caCreated };
}

function coversNames(pem: string, names: CertificateNames): boolean {
  const cert = new NodeX509Certificate(pem);
  return names.dns.every((name) => cert.checkHost(name) !== undefined) && names.ips.every((ip) => cert.checkIP(ip) !== undefined);
}
