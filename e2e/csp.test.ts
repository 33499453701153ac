// The UI under its Content-Security-Policy, over HTTPS (TLS=local): home, a room, an attendee watching the presenter's
// camera and chatting, with no violation on any page and the socket on wss:.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, freePort, launchBrowser, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };

/** What a page reported against the policy: violation events (recorded from the first script on) and console lines. */
interface Watched {
  page: Page;
  console: string[];
  sockets: string[];
}

describe.skipIf(!available)('the UI under its Content-Security-Policy over HTTPS', () => {
  let server: RunningServer;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'podium-e2e-csp-'));
  const contexts: BrowserContext[] = [];

  const open = async (): Promise<Watched> => {
    // The local CA is not installed in this browser; the page still counts as secure (camera and microphone work).
    const context = await browser.newContext({ viewport: DESKTOP, baseURL: server.url, ignoreHTTPSErrors: true, permissions: ['camera', 'microphone'] });
    contexts.push(context);
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const watched: Watched = { page, console: [], sockets: [] };
    page.on('console', (message) => {
      if (/Content Security Policy|Permissions-Policy|Refused to/i.test(message.text())) watched.console.push(message.text());
    });
    page.on('websocket', (socket) => watched.sockets.push(socket.url()));
    return watched;
  };
  const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

  beforeAll(async () => {
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    server = await startServer({
      env: { TLS: 'local', HTTPS_PORT: String(httpsPort), HTTP_PORT: String(httpPort), DATA_DIR: dataDir },
      url: `https://localhost:${httpsPort}`,
    });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should present, watch and chat with no violation, the socket on wss:', async () => {
    const host = await open();
    const home = await host.page.goto('/');
    // The premise: the policy is in force on this page.
    expect(home?.headers()['content-security-policy']).toContain("script-src 'self'; style-src 'self'");
    expect(await host.page.evaluate(() => window.isSecureContext)).toBe(true);
    await host.page.getByLabel('Title').fill('Under policy');
    await host.page.getByLabel('Your name').fill('Ada');
    await host.page.getByRole('button', { name: 'Start presenting' }).click();
    await host.page.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    await waitForDecodedFrames(host.page, '[data-testid=local-preview]');
    const joinLink = await host.page.getByTestId('join-link').inputValue();

    const attendee = await open();
    await attendee.page.goto(joinLink);
    await attendee.page.getByLabel('Your name').fill('Grace');
    await attendee.page.getByRole('button', { name: 'Join' }).click();
    await waitForDecodedFrames(attendee.page, '[data-testid=camera-video]');

    await attendee.page.getByLabel('Message', { exact: true }).fill('Hello under the policy');
    await attendee.page.getByRole('button', { name: 'Send message' }).click();
    await host.page.getByRole('tab', { name: /Chat/ }).click();
    await expect.poll(() => host.page.getByTestId('chat-messages').textContent(), poll).toContain('Hello under the policy');

    for (const { page, console, sockets } of [host, attendee]) {
      expect(await violations(page)).toEqual([]);
      expect(console).toEqual([]);
      expect(sockets.length).toBeGreaterThan(0);
      for (const url of sockets) expect(url).toMatch(/^wss:\/\/localhost:\d+\/socket\.io\//);
    }

    // The watch itself works: an inline script is refused and reported.
    await attendee.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.title = "inline ran"';
      document.head.append(script);
    });
    await expect.poll(() => violations(attendee.page), poll).toEqual(['script-src-elem inline']);
    expect(await attendee.page.title()).not.toBe('inline ran');
  }, 120_000);
});
