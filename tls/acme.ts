// Certificates from an ACME CA (RFC 8555) for PUBLIC_URL's name: HTTP-01 answered here, renewed ahead of expiry.
import { existsSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { Client, crypto as acmeCrypto } from 'acme-client';
import { describeCertificate, writePrivateFile } from './files.ts';
import type { KeyPair } from './local-ca.ts';

export interface AcmeOptions {
  /** The DNS name the certificate is for. */
  name: string;
  directoryUrl: string;
  email?: string;
  /** Where the account key and certificates live (0600 files in a 0700 directory). */
  dir: string;
  /** Token → key authorization, for the HTTP listener to answer under /.well-known/acme-challenge/. */
  challenges: Map<string, string>;
  /** A certificate to serve: the stored one at start, then each new one. */
  onCertificate(pair: KeyPair): void;
  /** One line saying what went wrong and when the next attempt is; `null` once a certificate was obtained. */
  onProblem(problem: string | null): void;
  log: { info(message: string): void; error(message: string): void };
  /** Share of the lifetime after which the certificate is renewed. */
  renewAfter?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** The longest a timer sleeps before looking again, so a suspended machine or changed clock is noticed. */
  checkEveryMs?: number;
}

export interface AcmeManager {
  stop(): void;
}

const ACCOUNT_KEY = 'account.key';
const ACCOUNT_URL = 'account.url';

export function startAcme(options: AcmeOptions): AcmeManager {
  const { name, dir, log } = options;
  const renewAfter = options.renewAfter ?? 2 / 3;
  const firstRetryMs = options.firstRetryMs ?? 30_000;
  const maxRetryMs = options.maxRetryMs ?? 3_600_000;
  const checkEveryMs = options.checkEveryMs ?? 3_600_000;
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  let current: { pair: KeyPair; validTo: Date } | null = null;

  const renewalTime = (pem: string) => {
    const { validFrom, validTo } = describeCertificate(pem);
    return validFrom.getTime() + (validTo.getTime() - validFrom.getTime()) * renewAfter;
  };

  function wakeAt(when: number) {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => (Date.now() >= when ? void obtain() : wakeAt(when)), Math.max(0, Math.min(when - Date.now(), checkEveryMs)));
  }

  async function accountKey(): Promise<string> {
    const path = join(dir, ACCOUNT_KEY);
    if (existsSync(path)) return readFileSync(path, 'utf8');
    const key = (await acmeCrypto.createPrivateEcdsaKey()).toString();
    writePrivateFile(path, key);
    return key;
  }

  async function order(): Promise<KeyPair> {
    // With its URL known the account is not registered again: registering an existing account turns into an
    // update that strict CAs refuse when nothing changes.
    const urlPath = join(dir, ACCOUNT_URL);
    const accountUrl = existsSync(urlPath) ? readFileSync(urlPath, 'utf8').trim() : undefined;
    const client = new Client({
      directoryUrl: options.directoryUrl,
      accountKey: await accountKey(),
      ...(accountUrl ? { accountUrl } : {}),
      backoffMin: 1000,
      backoffMax: 10_000,
    });
    const [key, csr] = await acmeCrypto.createCsr({ commonName: name, altNames: [name] }, await acmeCrypto.createPrivateEcdsaKey());
    const cert = await client.auto({
      csr,
      ...(options.email ? { email: options.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA's own fetch is the check that counts; a self-fetch fails behind NAT without hairpinning.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => void options.challenges.set(challenge.token, keyAuthorization),
      challengeRemoveFn: async (_authz, challenge) => void options.challenges.delete(challenge.token),
    });
    if (!accountUrl) writePrivateFile(urlPath, client.getAccountUrl());
    return { cert, key: key.toString() };
  }

  async function obtain() {
    const started = Date.now();
    try {
      const pair = await order();
      if (stopped) return;
      writePrivateFile(keyPath, pair.key);
      writePrivateFile(certPath, pair.cert);
      const summary = describeCertificate(pair.cert);
      const verb = current ? 'renewed' : 'obtained';
      current = { pair, validTo: summary.validTo };
      failures = 0;
      options.onCertificate(pair);
      options.onProblem(null);
      log.info(`podium: certificate for ${name} ${verb} from ${options.directoryUrl} in ${Date.now() - started} ms (serial ${summary.serialNumber}, valid until ${summary.validTo.toISOString()})`);
      wakeAt(renewalTime(pair.cert));
    } catch (err) {
      if (stopped) return;
      failures += 1;
      const explanation = await explain(err, name, options.directoryUrl);
      const rateLimited = /rate.?limit|too many/i.test(explanation);
      const delay = Math.min(maxRetryMs, rateLimited ? maxRetryMs : firstRetryMs * 2 ** (failures - 1));
      const retry = `retrying in ${Math.round(delay / 1000)} s`;
      const line = current
        ? `podium: renewing the certificate for ${name} failed: ${explanation}; the current one is valid until ${current.validTo.toISOString()}, ${retry}`
        : `podium: no certificate for ${name} yet: ${explanation}; ${retry}`;
      log.error(line);
      if (!current) options.onProblem(`${explanation}. Podium tries again at ${new Date(Date.now() + delay).toISOString()}.`);
      wakeAt(Date.now() + delay);
    }
  }

  const stored = existsSync(certPath) && existsSync(keyPath) ? { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') } : null;
  const storedValid = stored && describeCertificate(stored.cert).validTo.getTime() > Date.now() + 60_000;
  if (stored && storedValid) {
    current = { pair: stored, validTo: describeCertificate(stored.cert).validTo };
    options.onCertificate(stored);
    wakeAt(renewalTime(stored.cert));
  } else {
    void obtain();
  }

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Turns what the CA or the network said into what to do about it. */
async function explain(err: unknown, name: string, directoryUrl: string): Promise<string> {
  const error = err as { code?: string; message?: string; isAxiosError?: boolean; response?: unknown };
  const detail = (error.message ?? String(err)).replace(/\s+/g, ' ').trim();
  if (error.isAxiosError && !error.response) {
    const reason = error.code && NETWORK_CODES.has(error.code) ? error.code : detail;
    return `cannot reach the ACME CA at ${directoryUrl} (${reason})`;
  }
  if (/rate.?limit|too many/i.test(detail)) return `the CA's rate limit was reached (${detail})`;
  if (/dns|nxdomain|no valid (a|aaaa)|connection refused|connect|timeout|fetching|unauthorized|invalid response|incorrect/i.test(detail)) {
    return `the CA could not fetch http://${name}/.well-known/acme-challenge/… (${detail}); check that ${name} points at this machine (${await resolvedHere(name)}) and that port 80 reaches Podium's HTTP_PORT`;
  }
  return detail;
}

async function resolvedHere(name: string): Promise<string> {
  try {
    const addresses = await lookup(name, { all: true });
    return `from here it resolves to ${addresses.map((a) => a.address).join(', ')}`;
  } catch {
    return 'it does not resolve from here';
  }
}
