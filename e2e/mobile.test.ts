// Phones in Chromium's mobile emulation (touch, 375x667 portrait and 667x375 landscape): the attendee view in both
// orientations, and a presenter console on a browser without getDisplayMedia, where screen sharing is explained.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../testing/requires.ts';
import { expectAccessible } from './axe.ts';
import { launchBrowser, screenshot, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';

const available = await requires('chromium');
const poll = { timeout: 30_000, interval: 200 };
const PORTRAIT = { width: 375, height: 667 };
const LANDSCAPE = { width: 667, height: 375 };

/** A phone browser: no screen capture API at all, as on iOS and Android. */
const WITHOUT_DISPLAY_MEDIA = `Object.defineProperty(navigator.mediaDevices, 'getDisplayMedia', { value: undefined });`;

describe.skipIf(!available)('Podium on a phone, in Chromium mobile emulation', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let host: Page;
  let joinLink = '';

  const phone = async (viewport: { width: number; height: number }) => {
    const context = await browser.newContext({
      viewport,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      baseURL: server.url,
      permissions: ['camera', 'microphone'],
    });
    await context.addInitScript(WITHOUT_DISPLAY_MEDIA);
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should explain on a phone console that screen sharing is not available, and still present the camera', async () => {
    host = await phone(PORTRAIT);
    await host.goto('/');
    await host.getByLabel('Title').fill('Pocket keynote');
    await host.getByLabel('Your name').fill('Ada');
    await host.getByRole('button', { name: 'Start presenting' }).tap();
    await host.waitForURL(/\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    await expect.poll(() => host.getByTestId('screen-share-unavailable').textContent(), poll).toContain('cannot share a screen');
    expect(await host.getByTestId('share-screen').count()).toBe(0);
    await screenshot(host, 'presenter-phone-375x667');
    await expectAccessible(host, 'presenter console on a phone without screen sharing');
  }, 120_000);

  for (const [name, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
    it(`should show the attendee view in ${name} (${viewport.width}x${viewport.height}) with video, chat and no sideways scrolling`, async () => {
      const page = await phone(viewport);
      await page.goto(joinLink);
      await page.getByLabel('Your name').fill(`Phone ${name}`);
      await page.getByRole('button', { name: 'Join' }).tap();
      await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
      const box = await page.getByTestId('camera-video').boundingBox();
      expect(box!.width).toBeGreaterThan(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width + 1);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      expect(await page.getByTestId('browser-mode').getAttribute('data-mode')).toBe('watch-and-speak');
      await page.getByRole('tab', { name: /Chat/ }).tap();
      await page.getByLabel('Message', { exact: true }).fill(`Typed in ${name}`);
      await page.getByRole('button', { name: 'Send message' }).tap();
      await expect.poll(() => host.evaluate(() => document.body.textContent ?? ''), poll).toContain(`Typed in ${name}`);
      await screenshot(page, `attendee-phone-${viewport.width}x${viewport.height}`);
      await expectAccessible(page, `attendee room on a phone in ${name}`);
    }, 120_000);
  }

  it('should reconnect a page whose tab comes back after its socket was lost', async () => {
    const page = await phone(PORTRAIT);
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill('Sleeper');
    await page.getByRole('button', { name: 'Join' }).tap();
    await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
    // The tab sleeps: the network goes and the page is hidden; Socket.io gives up its connection.
    await page.context().setOffline(true);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => page.getByTestId('connection-status').textContent(), { ...poll, timeout: 60_000 }).toMatch(/Reconnecting|Connecting/);
    await page.context().setOffline(false);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => page.getByTestId('connection-status').textContent(), { ...poll, timeout: 30_000 }).toMatch(/Connected|Live/);
    await page.getByRole('tab', { name: /Chat/ }).tap();
    await page.getByLabel('Message', { exact: true }).fill('Awake again');
    await page.getByRole('button', { name: 'Send message' }).tap();
    await expect.poll(() => host.evaluate(() => document.body.textContent ?? ''), poll).toContain('Awake again');
  }, 180_000);
});
