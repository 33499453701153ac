// The whole webinar with the keyboard only (Tab, Shift+Tab, Enter, Space; arrow keys inside the tab list, as tab
// lists work), asserting where the focus lands after each step: it goes where the next step is.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../testing/requires.ts';
import { launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';

const available = await requires('chromium');
const poll = { timeout: 30_000, interval: 200 };

/** The focused element's role-ish tag, id and accessible name (aria-label, its label, or its text). */
function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', id: '', name: '' };
    const label = el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? el.textContent ?? '';
    return { tag: el.tagName.toLowerCase(), id: el.id, name: label.replace(/\s+/g, ' ').trim() };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element's name matches; fails after `max` presses. */
async function tabTo(page: Page, name: RegExp, options: { back?: boolean; max?: number } = {}): Promise<number> {
  const max = options.max ?? 60;
  for (let presses = 0; presses <= max; presses++) {
    const now = await focused(page);
    if (name.test(now.name) || name.test(now.id)) return presses;
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${name} not reached with ${max} presses of ${options.back ? 'Shift+Tab' : 'Tab'} (at ${JSON.stringify(await focused(page))})`);
}

describe.skipIf(!available)('a webinar with the keyboard only', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let host: Page;
  let attendee: Page;
  let joinLink = '';
  const presses: Record<string, number> = {};

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    console.log(`e2e keyboard: key presses to reach each control: ${JSON.stringify(presses)}`);
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  const open = async () => {
    const opened = await openPage(browser, server.url);
    contexts.push(opened.context);
    return opened.page;
  };

  it('should create a room from the keyboard', async () => {
    host = await open();
    await host.goto('/');
    presses.title = await tabTo(host, /^Title$/);
    await host.keyboard.type('Keys only');
    presses.name = await tabTo(host, /^Your name$/);
    await host.keyboard.type('Ada');
    presses.start = await tabTo(host, /^Start presenting$/);
    await host.keyboard.press('Enter');
    await host.waitForURL(/\/host$/, { timeout: 30_000 });
    joinLink = await host.getByTestId('join-link').inputValue();
  }, 120_000);

  it('should put the focus on the password after a wrong one, with the error announced', async () => {
    const created = (await (
      await fetch(`${server.url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Locked', presenterName: 'Grace', password: 'open sesame' }),
      })
    ).json()) as { slug: string };
    const page = await open();
    await page.goto(`/r/${created.slug}`);
    await tabTo(page, /^Your name$/);
    await page.keyboard.type('Mallory');
    await tabTo(page, /Room password/);
    await page.keyboard.type('wrong guess');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('join-error').textContent(), poll).toContain('password is not right');
    expect(await page.getByTestId('join-error').getAttribute('role')).toBe('alert');
    await expect.poll(() => focused(page), poll).toMatchObject({ id: 'room-password' });
    expect(await page.locator('#room-password').getAttribute('aria-describedby')).toBe('join-error');
    // The wrong password is selected: typing replaces it.
    await page.keyboard.type('open sesame');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
  }, 120_000);

  it('should join with the focus landing in the chat box, and chat from there', async () => {
    attendee = await open();
    await attendee.goto(joinLink);
    presses.joinName = await tabTo(attendee, /^Your name$/);
    await attendee.keyboard.type('Kay');
    await attendee.keyboard.press('Enter');
    await expect.poll(() => focused(attendee), poll).toMatchObject({ id: 'chat-input' });
    await attendee.keyboard.type('Hello with keys');
    await attendee.keyboard.press('Enter');
    await expect.poll(() => host.evaluate(() => document.body.textContent ?? ''), poll).toContain('Hello with keys');
    expect(await focused(attendee)).toMatchObject({ id: 'chat-input' });
  }, 120_000);

  it('should ask and vote with the keyboard, the focus staying on the vote', async () => {
    presses.tabList = await tabTo(attendee, /^room-tab-chat$/, { back: true });
    await attendee.keyboard.press('ArrowRight');
    expect(await focused(attendee)).toMatchObject({ id: 'room-tab-qa' });
    presses.question = await tabTo(attendee, /^Your question$/);
    await attendee.keyboard.type('Can I use only the keyboard?');
    await attendee.keyboard.press('Enter');
    await expect.poll(() => attendee.getByTestId('question').count(), poll).toBe(1);
    expect(await focused(attendee)).toMatchObject({ id: 'question-input' });
    presses.vote = await tabTo(attendee, /^(Upvote|Remove your vote for): Can I use/, { back: true });
    const vote = attendee.getByRole('button', { name: /: Can I use only the keyboard\?/ });
    const pressed = await vote.getAttribute('aria-pressed');
    await attendee.keyboard.press('Space');
    await expect.poll(() => vote.getAttribute('aria-pressed'), poll).toBe(pressed === 'true' ? 'false' : 'true');
    expect((await focused(attendee)).name).toMatch(/: Can I use only the keyboard\?/);
  }, 120_000);

  it('should answer with the keyboard, the focus coming back to the question', async () => {
    presses.hostTabList = await tabTo(host, /^room-tab-people$/);
    await host.keyboard.press('ArrowRight');
    await host.keyboard.press('ArrowRight');
    expect(await focused(host)).toMatchObject({ id: 'room-tab-qa' });
    await expect.poll(() => host.getByTestId('question').count(), poll).toBe(1);
    presses.answer = await tabTo(host, /^Answer question: Can I use/);
    await host.keyboard.press('Enter');
    await expect.poll(() => focused(host), poll).toMatchObject({ name: 'Answer to: Can I use only the keyboard?' });
    await host.keyboard.type('Yes, every control.');
    await host.keyboard.press('Enter');
    await expect.poll(() => attendee.getByTestId('answer').textContent(), poll).toContain('Yes, every control.');
    await expect.poll(() => focused(host), poll).toMatchObject({ name: 'Edit answer to question: Can I use only the keyboard?' });
  }, 120_000);

  it('should end the session with the keyboard, the focus on the summary', async () => {
    presses.end = await tabTo(host, /^End session$/, { back: true });
    await host.keyboard.press('Enter');
    await expect.poll(() => focused(host), poll).toMatchObject({ name: 'Cancel' });
    await host.keyboard.press('Tab');
    expect(await focused(host)).toMatchObject({ name: 'End session' });
    await host.keyboard.press('Enter');
    await expect.poll(() => host.getByTestId('session-summary').count(), poll).toBe(1);
    await expect.poll(() => focused(host), poll).toMatchObject({ tag: 'h1', name: 'Session summary' });
    await expect.poll(() => focused(attendee), poll).toMatchObject({ tag: 'h1', name: 'This session has ended' });
  }, 120_000);
});
