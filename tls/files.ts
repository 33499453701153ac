// Certificate files on disk: private writes (0600), reading a certificate/key pair, and following files others renew.
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyPair } from './local-ca.ts';

/** Writes through a temporary file and a rename, so a reader never sees half a key; the directory is 0700. */
export function writePrivateFile(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
  fingerprint256: string;
}

/** The leaf (first certificate) of a PEM chain. */
export function describeCertificate(pem: string): CertificateSummary {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serialNumber: cert.serialNumber,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * Reads and checks a pair: both files parse, and the key belongs to the certificate (createSecureContext
 * refuses a mismatch). Throws an Error whose message names the file and the problem.
 */
export function readKeyPair(certPath: string, keyPath: string): KeyPair {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const pair = { cert: read(certPath), key: read(keyPath) };
  try {
    describeCertificate(pair.cert);
  } catch {
    throw new Error(`${certPath} holds no PEM certificate`);
  }
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(`${keyPath} does not fit ${certPath}: ${(err as Error).message}`);
  }
  return pair;
}

export interface WatchOptions {
  /** How often the files are looked at; polling follows renames and symlink swaps (certbot's renewals). */
  intervalMs?: number;
  /** Certificate and key are written one after the other: wait this long after the last change before reading. */
  settleMs?: number;
}

/**
 * Calls `onChange` with the new pair whenever either file changes and the pair reads and fits; `onError` when a
 * change leaves an unusable pair (the caller keeps serving the previous one). Returns a stop function.
 */
export function watchKeyPair(
  certPath: string,
  keyPath: string,
  onChange: (pair: KeyPair) => void,
  onError: (err: Error) => void,
  { intervalMs = 2000, settleMs = 500 }: WatchOptions = {},
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        onChange(readKeyPair(certPath, keyPath));
      } catch (err) {
        onError(err as Error);
      }
    }, settleMs);
  };
  const options = { interval: intervalMs, persistent: false };
  watchFile(certPath, options, changed);
  watchFile(keyPath, options, changed);
  return () => {
    clearTimeout(timer);
    unwatchFile(certPath, changed);
    unwatchFile(keyPath, changed);
  };
}
