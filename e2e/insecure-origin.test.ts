// Podium shared over plain HTTP on a name that is not localhost: the presenter is told to use HTTPS (not that WebRTC
// is missing); attendees still get the watching interface and a working chat.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };
const NAME = 'podium.lan';

describe.skipIf(!available)('an insecure origin (http://podium.lan)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const opened = await openPage(browser, server.url);
    contexts.push(opened.context);
    return opened.page;
  };

  beforeAll(async () => {
    const plain = await startServer();
    server = { ...plain, url: plain.url.replace('127.0.0.1', NAME) };
    browser = await launchBrowser([`--host-resolver-rules=MAP ${NAME} 127.0.0.1`]);
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should tell the presenter to open Podium over HTTPS, and give the attendee the watching page and a working chat', async () => {
    const host = await open();
    await host.goto('/');
    // The premise: a page that browsers do not treat as secure, without camera or microphone. crypto.randomUUID,
    // secure-only too, is there because the page installs its own (ui/lib/compat.ts).
    expect(await host.evaluate(() => ({ secure: window.isSecureContext, uuid: typeof crypto.randomUUID, devices: typeof navigator.mediaDevices }))).toEqual({
      secure: false,
      uuid: 'function',
      devices: 'undefined',
    });
    await expect.poll(() => host.getByTestId('insecure-origin').textContent(), poll).toContain(`this page is http://${NAME}:`);
    await host.getByLabel('Title').fill('Shared over plain HTTP');
    await host.getByLabel('Your name').fill('Ada');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    const stage = host.getByTestId('cannot-present');
    await expect.poll(() => stage.getAttribute('data-problem'), poll).toBe('insecure-origin');
    const text = (await stage.textContent()) ?? '';
    expect(text).toContain('Open Podium over HTTPS to present');
    expect(text).toContain('TLS=local npm start');
    expect(text).not.toMatch(/WebRTC/);
    const joinLink = await host.getByTestId('join-link').inputValue();
    expect(joinLink.startsWith(`http://${NAME}:`)).toBe(true);

    const attendee = await open();
    await attendee.goto(joinLink);
    await attendee.getByLabel('Your name').fill('Grace');
    await attendee.getByRole('button', { name: 'Join' }).click();
    // Watching needs WebRTC only: the stage waits for video instead of offering "Chat and Q&A only".
    await expect.poll(() => attendee.getByText('Waiting for the presenter…').count(), poll).toBe(1);
    expect(await attendee.getByTestId('join-only').count()).toBe(0);
    await expect.poll(() => attendee.getByTestId('microphone-unavailable').textContent(), poll).toContain('needs a secure page (https://)');
    expect(await attendee.getByTestId('attendee-mic').count()).toBe(0);

    await attendee.getByLabel('Message', { exact: true }).fill('Hello over plain HTTP');
    await attendee.getByRole('button', { name: 'Send message' }).click();
    await host.getByRole('tab', { name: /Chat/ }).click();
    await expect.poll(() => host.getByTestId('chat-messages').textContent(), poll).toContain('Hello over plain HTTP');
    await host.getByLabel('Message', { exact: true }).fill('Welcome, Grace');
    await host.getByRole('button', { name: 'Send message' }).click();
    await expect.poll(() => attendee.getByTestId('chat-messages').textContent(), poll).toContain('Welcome, Grace');
  }, 120_000);
});
