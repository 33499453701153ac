// The all-in-one process serving HTTPS from files (followed on disk) and from a local CA, and refusing bad settings.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchVia } from '../deploy/nginx-harness.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { startEntryProcess, type RunningProcess } from '../testing/processes.ts';
import { createCertificateAuthority, issueServerCertificate, type KeyPair } from './local-ca.ts';
import { fetchTrusting } from './testing.ts';

const running: RunningProcess[] = [];
// A PostgreSQL database of this file's own where one is reachable (quicker to start on than the embedded one).
let database: TestDatabase | null = null;

interface Started {
  server: RunningProcess;
  output: () => string;
  httpsPort: number;
  httpPort: number;
}

function spawnServer(env: Record<string, string>): RunningProcess {
  const server = startEntryProcess('server.ts', {
    env: { HOST: '127.0.0.1', RATE_LIMITS: 'off', MANAGED_TURN: 'off', DATABASE_URL: database?.url ?? '', LOG_LEVEL: 'info', ...env },
  });
  running.push(server);
  return server;
}

/** Starts with HTTPS and HTTP on free ports and reads both from what the process prints. */
async function startHttps(env: Record<string, string>): Promise<Started> {
  const server = spawnServer({ HTTPS_PORT: '0', HTTP_PORT: '0', ...env });
  const [, httpsPort] = await server.waitFor(/listening on https:\/\/localhost:(\d+)/);
  return { server, output: server.output, httpsPort: Number(httpsPort), httpPort: Number(/HTTP port (\d+) redirects/.exec(server.output())?.[1]) };
}

function peerCertificate(port: number, ca?: string, servername = 'localhost'): Promise<PeerCertificate> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ...(ca ? { ca } : { rejectUnauthorized: false }) }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      done(cert);
    });
    socket.once('error', fail);
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});

afterAll(async () => {
  for (const server of running) await server.stop();
  await database?.destroy();
});

describe('HTTPS from TLS_CERT and TLS_KEY', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podium-tls-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, 'fullchain.pem');
  const keyPath = join(dir, 'privkey.pem');
  /** As certbot renews: new files written beside, then renamed over the old ones. */
  const install = (pair: KeyPair) => {
    writeFileSync(`${certPath}.new`, pair.cert);
    writeFileSync(`${keyPath}.new`, pair.key);
    renameSync(`${keyPath}.new`, keyPath);
    renameSync(`${certPath}.new`, certPath);
  };

  it('should give new connections the new certificate once the files are replaced, and keep serving through a bad pair', async () => {
    const ca = await createCertificateAuthority('Files test CA');
    const first = await issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
    install(first);
    const server = await startHttps({ TLS_CERT: certPath, TLS_KEY: keyPath, DATA_DIR: join(dir, 'data') });
    const home = await fetchTrusting(`https://127.0.0.1:${server.httpsPort}/`, ca.cert);
    expect(home.status).toBe(200);
    expect(home.headers['strict-transport-security']).toBe('max-age=31536000');
    const before = await peerCertificate(server.httpsPort, ca.cert);
    expect(before.fingerprint256).toBe(new X509Certificate(first.cert).fingerprint256);

    const second = await issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
    install(second);
    const expected = new X509Certificate(second.cert).fingerprint256;
    await expect.poll(async () => (await peerCertificate(server.httpsPort, ca.cert)).fingerprint256, { timeout: 15_000, interval: 250 }).toBe(expected);

    // A key that does not fit is refused with one line; the process keeps the pair that works.
    const stray = await issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
    writeFileSync(keyPath, stray.key);
    await expect.poll(() => server.output(), { timeout: 15_000, interval: 250 }).toMatch(/TLS_CERT\/TLS_KEY changed but cannot be used, still serving the previous certificate/);
    expect((await peerCertificate(server.httpsPort, ca.cert)).fingerprint256).toBe(expected);
    expect(await server.server.stop()).toBe(0);
  }, 120_000);
});

describe('HTTPS from a local CA (TLS=local)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podium-tls-local-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should print where the CA is and how to trust it, serve a certificate it signed, and offer the CA over HTTP', async () => {
    const server = await startHttps({ TLS: 'local', DATA_DIR: dir });
    const caPath = join(dir, 'tls', 'local', 'ca.crt');
    expect(server.output()).toContain(`podium: HTTPS with a local certificate authority (made just now): ${caPath}`);
    expect(server.output()).toMatch(/sudo update-ca-certificates/);
    const ca = readFileSync(caPath, 'utf8');
    const cert = await peerCertificate(server.httpsPort, ca);
    expect(cert.subjectaltname).toContain('IP Address:127.0.0.1');
    // No HSTS from a CA not every device trusts, neither on pages nor on the API.
    for (const path of ['/', '/api/health']) {
      const response = await fetchTrusting(`https://127.0.0.1:${server.httpsPort}${path}`, ca);
      expect(response.status).toBe(200);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }

    const download = await fetchVia(`http://127.0.0.1:${server.httpPort}/podium-local-ca.crt`, { headers: { host: '127.0.0.1' } });
    expect(download.status).toBe(200);
    expect(download.body).toBe(ca);
    const redirect = await fetchVia(`http://127.0.0.1:${server.httpPort}/r/abc`, { headers: { host: '127.0.0.1' } });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://127.0.0.1:${server.httpsPort}/r/abc`);
    expect(await server.server.stop()).toBe(0);

    // The CA is made once: trusting it is a one-time step per device.
    const again = await startHttps({ TLS: 'local', DATA_DIR: dir });
    expect(again.output()).toContain(`podium: HTTPS with a local certificate authority: ${caPath}`);
    expect(readFileSync(caPath, 'utf8')).toBe(ca);
    await peerCertificate(again.httpsPort, ca);
    expect(await again.server.stop()).toBe(0);
  }, 180_000);
});

describe('bad HTTPS settings', () => {
  it('should exit 1 with one line naming the variable', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ TLS_CERT: '/nowhere/cert.pem' }, /^podium: Invalid environment variable TLS_KEY: required when TLS_CERT is set$/],
      [{ TLS: 'acme', PUBLIC_URL: 'https://192.168.1.20' }, /^podium: Invalid environment variable PUBLIC_URL: an ACME CA certifies a public DNS name/],
      [{ TLS_CERT: '/nowhere/cert.pem', TLS_KEY: '/nowhere/key.pem', HTTPS_PORT: '0', HTTP_PORT: '0', DATA_DIR: '/nowhere/data' }, /^podium: TLS_CERT\/TLS_KEY: cannot read \/nowhere\/cert\.pem: ENOENT$/],
    ];
    for (const [env, line] of cases) {
      const { output, exited } = spawnServer(env);
      expect(await exited).toBe(1);
      const lines = output().trim().split('\n');
      expect(lines, output()).toHaveLength(1);
      expect(lines[0]).toMatch(line);
    }
  }, 60_000);
});
