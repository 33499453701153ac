// A scheduled room and the lobby in Chromium against the all-in-one server: early attendees wait on the waiting page
// (countdown, calendar link), the presenter checks in the green room and goes live, the attendees see the presenter
// without reloading; then with the lobby on, a third attendee is let in and a fourth is turned away.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, screenshot, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';
import { expectAccessible } from './axe.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };

/** Marks the page's document; the mark survives everything but a navigation or a reload. */
const markDocument = (page: Page) => page.evaluate(() => ((window as unknown as { podiumMark: number }).podiumMark = 17));
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { podiumMark?: number }).podiumMark === 17);

describe.skipIf(!available)('scheduled room, green room and lobby in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  let joinLink = '';
  const contexts: BrowserContext[] = [];

  const open = async () => {
    const opened = await openPage(browser, server.url, DESKTOP, 'light');
    contexts.push(opened.context);
    return opened.page;
  };

  const join = async (name: string) => {
    const page = await open();
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill(name).catch(async (err: unknown) => {
      console.error(`e2e: join page of ${name}: ${await page.locator('body').innerText()}`);
      throw err;
    });
    await page.getByRole('button', { name: 'Join' }).click();
    return page;
  };

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should hold early attendees on the waiting page and bring them in at go-live without a reload', async () => {
    host = await open();
    await host.goto('/');
    await host.getByLabel('Title').fill('Launch rehearsal');
    await host.getByLabel('Your name').fill('Ada Lovelace');
    await host.getByTestId('schedule').check();
    // An hour and a half from now, written as a wall time in New York.
    const start = new Date(Date.now() + 90 * 60_000);
    const wall = new Intl.DateTimeFormat('sv-SE', { timeZone: 'America/New_York', dateStyle: 'short', timeStyle: 'short' }).format(start).replace(' ', 'T');
    await host.getByLabel('Starts at').fill(wall);
    await host.getByLabel('Time zone').fill('America/New_York');
    await host.getByLabel(/Description/).fill('What ships next quarter; questions welcome.');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    await expect.poll(() => host.getByTestId('green-room').count(), poll).toBe(1);
    // The green room: the presenter's camera runs before anyone sees it.
    await waitForDecodedFrames(host, '[data-testid=local-preview]');

    const early = [await join('Ann'), await join('Ben')];
    for (const page of early) {
      await expect.poll(() => page.getByTestId('waiting-page').count(), poll).toBe(1);
      await expect.poll(async () => (await page.getByTestId('countdown').textContent()) ?? '', poll).toMatch(/Starts in 1 h ([12]\d|30) min/);
      expect(await page.getByTestId('start-room-time').textContent()).toContain('America/New_York');
      expect(await page.getByTestId('waiting-description').textContent()).toBe('What ships next quarter; questions welcome.');
      expect(await page.getByTestId('stage').count()).toBe(0);
      await markDocument(page);
    }
    const href = await early[0]!.getByTestId('add-to-calendar').getAttribute('href');
    const ics = await (await early[0]!.request.get(href!)).text();
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics).toContain('SUMMARY:Launch rehearsal');
    expect(ics).toContain(`DTSTART:${new Date(Math.floor(start.getTime() / 60_000) * 60_000).toISOString().replace(/[-:]/g, '').replace('.000', '')}`);
    await screenshot(early[0]!, 'waiting-page-1280x800');
    await expectAccessible(early[0]!, 'waiting page');

    // The host sees who waits, and may chat in the green room: the waiting pages hear nothing of it.
    await expect.poll(() => host.getByTestId('lobby-entry').count(), poll).toBe(2);
    await host.getByRole('tab', { name: /Chat/ }).click();
    await host.getByPlaceholder(/message/i).fill('Sound check, one two');
    await host.keyboard.press('Enter');
    await expect.poll(() => host.getByText('Sound check, one two').count(), poll).toBeGreaterThan(0);
    expect(await early[0]!.getByText('Sound check, one two').count()).toBe(0);
    await screenshot(host, 'green-room-1280x800');
    await expectAccessible(host, 'green room');

    await host.getByTestId('go-live').click();
    await expect.poll(() => host.getByTestId('green-room').count(), poll).toBe(0);
    for (const page of early) {
      await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
      await waitForDecodedFrames(page, '[data-testid=camera-video]');
      expect(await sameDocument(page)).toBe(true);
    }
    await expect.poll(() => host.getByText('2 attendees').count(), poll).toBeGreaterThan(0);
  }, 240_000);

  it('should let a host admit one attendee from the lobby and turn another away', async () => {
    await host.getByTestId('option-lobby').check();
    const cy = await join('Cy');
    await expect.poll(() => cy.getByTestId('waiting-page').count(), poll).toBe(1);
    await markDocument(cy);
    await expect.poll(() => host.getByTestId('lobby-entry').count(), poll).toBe(1);
    const dee = await join('Dee');
    await expect.poll(() => dee.getByTestId('waiting-page').count(), poll).toBe(1);
    await expect.poll(() => host.getByTestId('lobby-entry').count(), poll).toBe(2);
    await host.getByTestId('lobby-panel').scrollIntoViewIfNeeded();
    await screenshot(host, 'lobby-list-1280x800');
    await expectAccessible(host, 'lobby list');

    await host.getByRole('button', { name: 'Let in: Cy' }).click();
    await expect.poll(() => cy.getByTestId('stage').count(), poll).toBe(1);
    await waitForDecodedFrames(cy, '[data-testid=camera-video]');
    expect(await sameDocument(cy)).toBe(true);

    await host.getByRole('button', { name: 'Deny: turn Dee away' }).click();
    await expect.poll(() => dee.getByTestId('denied-page').count(), poll).toBe(1);
    await expectAccessible(dee, 'turned away from the lobby');
    await expect.poll(() => host.getByTestId('lobby-entry').count(), poll).toBe(0);
    // Reloading does not bring the denied attendee back in: the token is gone and the join form shows.
    await dee.reload();
    await expect.poll(() => dee.getByTestId('join-form').count(), poll).toBe(1);
    await expect.poll(() => host.getByText('3 attendees').count(), poll).toBeGreaterThan(0);
  }, 180_000);
});
