// HTTPS as `npm start` serves it with a public name: a certificate from a real ACME CA (Debian's pebble) on loopback,
// Chromium presenting, watching and chatting over it, and renewal without a restart.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchVia } from '../deploy/nginx-harness.ts';
import { fetchTrusting, startPebble, type Pebble } from '../tls/testing.ts';
import { freePort, launchBrowser, openPage, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium', 'pebble');
const poll = { timeout: 30_000, interval: 250 };
const NAME = 'podium.test';
/** Short enough that a renewal (at two thirds of the lifetime) happens while the test runs. */
const VALIDITY_SECONDS = 60;

interface ServedChain {
  serial: string;
  chain: Array<{ subject: string; issuer: string }>;
}

/** Connects as a browser would (SNI, full verification against pebble's root) and reads the chain it is given. */
function servedChain(port: number, root: string): Promise<ServedChain> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername: NAME, ca: root }, () => {
      const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate;
      const chain: ServedChain['chain'] = [];
      for (let cert: DetailedPeerCertificate | undefined = leaf; cert && chain.length < 5; cert = cert.issuerCertificate) {
        chain.push({ subject: String(cert.subject?.CN ?? ''), issuer: String(cert.issuer?.CN ?? '') });
        if (cert.issuerCertificate === cert) break;
      }
      socket.end();
      done({ serial: leaf.serialNumber, chain });
    });
    socket.once('error', fail);
  });
}

function spkiSha256(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe.skipIf(!available)('HTTPS from an ACME CA (pebble)', () => {
  let pebble: Pebble;
  let httpPort = 0;
  let httpsPort = 0;
  let root = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'podium-acme-'));
  const servers: RunningServer[] = [];
  const acmeEnv = (name: string) => ({
    PUBLIC_URL: `https://${name}:${httpsPort}`,
    HTTP_PORT: String(httpPort),
    HTTPS_PORT: String(httpsPort),
    ACME_DIRECTORY_URL: pebble.directoryUrl,
    ACME_EMAIL: 'ops@podium.test',
    // Node's ACME client reaches pebble's own HTTPS listener, whose certificate this test made.
    NODE_EXTRA_CA_CERTS: pebble.listenerCaFile,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    httpPort = await freePort();
    httpsPort = await freePort();
    pebble = await startPebble({ httpPort, tlsPort: httpsPort, certificateValiditySeconds: VALIDITY_SECONDS });
    root = await pebble.issuingRoot();
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.stop().catch(() => {});
    await pebble?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should say in one log line and on the HTTP page why there is no certificate when the name points elsewhere', async () => {
    // The CA resolves this name to an address where nothing listens: "DNS not pointing here".
    await pebble.addA('down.test', '127.0.0.2');
    const server = await startServer({ env: acmeEnv('down.test'), readyLine: /no certificate for down\.test yet/ });
    servers.push(server);
    const line = server.output().split('\n').find((l) => l.includes('no certificate for down.test yet'))!;
    expect(line).toMatch(/the CA could not fetch http:\/\/down\.test\/\.well-known\/acme-challenge\/.*check that down\.test points at this machine.*retrying in 30 s/);
    const page = await fetchVia(`http://127.0.0.1:${httpPort}/r/someroom`, { headers: { host: 'down.test' } });
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBe('15');
    expect(page.body).toContain('Podium is getting its HTTPS certificate');
    expect(page.body).toContain('What went wrong:');
    expect(page.body).toMatch(/could not fetch http:\/\/down\.test/);
    await server.stop();
    servers.pop();
  });

  describe('with the name pointing here', () => {
    let server: RunningServer;
    let browser: Browser;
    let first: ServedChain;
    const contexts: BrowserContext[] = [];
    const open = async () => {
      const opened = await openPage(browser, server.url);
      contexts.push(opened.context);
      return opened.page;
    };

    beforeAll(async () => {
      server = await startServer({ env: acmeEnv(NAME), url: `https://${NAME}:${httpsPort}` });
      servers.push(server);
      console.log(`e2e: https: process start → HTTPS serving a fresh ACME certificate: ${Math.round(server.startupMs)} ms`);
      first = await servedChain(httpsPort, root);
      console.log(`e2e: https: served chain: ${first.chain.map((c) => `[subject CN=${c.subject || '(empty)'}; issuer CN=${c.issuer}]`).join(' → ')} + root ${new X509Certificate(root).subject.replace(/\n/g, ', ')}`);
      const intermediate = await pebble.issuingIntermediate();
      // Certificate errors are ignored for pebble's CA only: any other certificate still fails.
      browser = await launchBrowser([
        `--host-resolver-rules=MAP ${NAME} 127.0.0.1`,
        `--ignore-certificate-errors-spki-list=${spkiSha256(intermediate)},${spkiSha256(root)}`,
      ]);
    }, 120_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => {});
      await browser?.close();
    });

    it('should serve a certificate for the name, issued through the intermediate, with HSTS, and redirect HTTP', async () => {
      expect(first.chain[0]!.issuer).toMatch(/^Pebble Intermediate CA/);
      expect(first.chain.length).toBeGreaterThanOrEqual(2);
      const health = await fetchTrusting(`https://127.0.0.1:${httpsPort}/api/health`, root).catch((err: Error) => err);
      // Verified by address the certificate does not fit: only the name is certified.
      expect(health).toBeInstanceOf(Error);
      const redirect = await fetchVia(`http://127.0.0.1:${httpPort}/r/abc?x=1`, { headers: { host: NAME } });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe(`https://${NAME}:${httpsPort}/r/abc?x=1`);
      const secure = await new Promise<{ hsts: unknown; status: number }>((done, fail) => {
        const socket = connect({ host: '127.0.0.1', port: httpsPort, servername: NAME, ca: root }, () => {
          socket.write(`GET / HTTP/1.1\r\nHost: ${NAME}:${httpsPort}\r\nConnection: close\r\n\r\n`);
        });
        let raw = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (raw += chunk));
        socket.on('end', () => done({ status: Number(raw.split(' ')[1]), hsts: /strict-transport-security: ([^\r]+)/i.exec(raw)?.[1] }));
        socket.on('error', fail);
      });
      expect(secure).toEqual({ status: 200, hsts: 'max-age=31536000' });
      // Account key, certificate key and certificate: owner-only.
      const stored = filesUnder(join(dataDir, 'tls', 'acme'));
      expect(stored.some((f) => f.endsWith('account.key'))).toBe(true);
      expect(stored.some((f) => f.endsWith(`${NAME}.crt`))).toBe(true);
      for (const file of stored) expect(statSync(file).mode & 0o777).toBe(0o600);
    });

    it('should let a presenter present and an attendee watch and chat over it in Chromium', async () => {
      const host = await open();
      await host.goto('/');
      expect(await host.evaluate(() => window.isSecureContext)).toBe(true);
      await host.getByLabel('Title').fill('Over real HTTPS');
      await host.getByLabel('Your name').fill('Ada');
      await host.getByRole('button', { name: 'Start presenting' }).click();
      await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
      const joinLink = await host.getByTestId('join-link').inputValue();
      expect(joinLink.startsWith(`https://${NAME}:${httpsPort}/r/`)).toBe(true);
      await waitForDecodedFrames(host, '[data-testid=local-preview]');

      const attendee: Page = await open();
      await attendee.goto(joinLink);
      await attendee.getByLabel('Your name').fill('Grace');
      await attendee.getByRole('button', { name: 'Join' }).click();
      await waitForDecodedFrames(attendee, '[data-testid=camera-video]');
      await attendee.getByLabel('Message', { exact: true }).fill('Watching over HTTPS');
      await attendee.getByRole('button', { name: 'Send message' }).click();
      await host.getByRole('tab', { name: /Chat/ }).click();
      await expect.poll(() => host.getByTestId('chat-messages').textContent(), poll).toContain('Watching over HTTPS');
    }, 120_000);

    it('should renew the short-lived certificate and serve the new one without a restart', async () => {
      let renewed = first;
      await expect
        .poll(async () => (renewed = await servedChain(httpsPort, root)).serial, { timeout: VALIDITY_SECONDS * 1000, interval: 1000 })
        .not.toBe(first.serial);
      console.log(`e2e: https: renewed without restart: serial ${first.serial} → ${renewed.serial}`);
      expect(server.output()).toMatch(/certificate for podium\.test renewed from/);
      // A page opened now is served under the new certificate.
      const page = await open();
      await page.goto('/');
      await expect.poll(() => page.getByRole('button', { name: 'Start presenting' }).count(), poll).toBe(1);
    }, VALIDITY_SECONDS * 1000 + 60_000);
  });
});
