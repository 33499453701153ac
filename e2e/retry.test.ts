// Requests that retry, in Chromium: a room page that rides out 503s saying "Reconnecting…", a join whose answer is
// lost and that the Idempotency-Key keeps to one participant, and chat history paged with "Load earlier messages".
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../testing/requires.ts';
import { launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 100 };

describe.skipIf(!available)('requests that retry, in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let slug = '';
  let presenterToken = '';

  const open = async () => {
    const opened = await openPage(browser, server.url);
    contexts.push(opened.context);
    return opened.page;
  };

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const created = (await (
      await fetch(`${server.url}/api/rooms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Flaky network hour', presenterName: 'Ada' }),
      })
    ).json()) as { slug: string; presenterToken: string };
    ({ slug, presenterToken } = created);
    // 60 messages: one page of 50 and ten more behind "Load earlier messages".
    for (let i = 1; i <= 60; i++) {
      const res = await fetch(`${server.url}/api/rooms/${slug}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${presenterToken}` },
        body: JSON.stringify({ message: `Note ${i}` }),
      });
      expect(res.status).toBe(201);
    }
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should say "Reconnecting…" while the room answers 503, then show the room, not an error', async () => {
    const page = await open();
    let refused = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((done) => (release = done));
    await page.route(`**/api/rooms/${slug}`, async (route) => {
      if (route.request().method() !== 'GET' || refused >= 2) return route.continue();
      refused += 1;
      // The second refusal waits until the notice was seen, so the test never races the backoff.
      if (refused === 2) await held;
      await route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Retry-After': '1' }, body: '{"error":{"code":"unavailable","message":"down"}}' });
    });
    await page.goto(`/r/${slug}`);
    await expect.poll(() => page.getByTestId('reconnecting').count(), poll).toBe(1);
    release();
    await expect.poll(() => page.getByRole('heading', { name: 'Flaky network hour' }).count(), poll).toBe(1);
    await expect.poll(() => page.getByTestId('reconnecting').count(), poll).toBe(0);
    expect(refused).toBe(2);
    expect(await page.getByTestId('room-problem').count()).toBe(0);
  });

  it('should join once when the first answer to the join is lost on the way back', async () => {
    const page = await open();
    const keys: string[] = [];
    await page.route(`**/api/rooms/${slug}/join`, async (route) => {
      keys.push((await route.request().headerValue('Idempotency-Key')) ?? '');
      // The first attempt reaches the server and joins; its answer is replaced by a gateway error.
      if (keys.length === 1) {
        await route.fetch();
        return route.fulfill({ status: 502, body: '' });
      }
      return route.continue();
    });
    await page.goto(`/r/${slug}`);
    await page.getByLabel('Your name').fill('Grace Retry');
    await page.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    // Who is present is for participants: asked with the presenter's token.
    const details = (await (await fetch(`${server.url}/api/rooms/${slug}`, { headers: { Authorization: `Bearer ${presenterToken}` } })).json()) as {
      participants: Array<{ name: string }>;
    };
    expect(details.participants.filter((p) => p.name === 'Grace Retry')).toHaveLength(1);
  });

  it('should page chat history back with "Load earlier messages"', async () => {
    const page = (await browser.contexts().at(-1)!.pages())[0]!;
    await page.getByRole('tab', { name: /Chat/ }).click();
    await expect.poll(() => page.getByTestId('chat-message').count(), poll).toBe(50);
    expect(await page.getByTestId('chat-messages').textContent()).not.toContain('Note 10');
    await page.getByTestId('load-earlier').click();
    await expect.poll(() => page.getByTestId('chat-message').count(), poll).toBe(60);
    const texts = await page.locator('[data-testid=chat-message] .message-text').allTextContents();
    expect(texts[0]).toBe('Note 1');
    expect(texts.at(-1)).toBe('Note 60');
    await expect.poll(() => page.getByTestId('load-earlier').count(), poll).toBe(0);
  });
});
