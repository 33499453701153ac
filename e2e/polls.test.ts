// A poll in Chromium against the all-in-one server: prepared, launched, voted from three attendees, closed and
// shared; then the presenter's session report with its results.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, screenshot, startServer, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';
import { expectAccessible } from './axe.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };

describe.skipIf(!available)('polls and the session report in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  const attendees: Page[] = [];
  const contexts: BrowserContext[] = [];

  const open = async () => {
    const opened = await openPage(browser, server.url, DESKTOP, 'light');
    contexts.push(opened.context);
    return opened.page;
  };
  const counts = (page: Page) => page.locator('[data-testid=poll] [data-testid=poll-count]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.count));

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should run a poll from draft to shared results with three voters', async () => {
    host = await open();
    await host.goto('/');
    await host.getByLabel('Title').fill('Poll day');
    await host.getByLabel('Your name').fill('Ada Lovelace');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    const joinLink = await host.getByTestId('join-link').inputValue();

    for (const name of ['Ann', 'Ben', 'Cy']) {
      const page = await open();
      await page.goto(joinLink);
      await page.getByLabel('Your name').fill(name).catch(async (err: unknown) => {
        console.error(`e2e: join page of ${name}: ${await page.locator('body').innerText()}`);
        throw err;
      });
      await page.getByRole('button', { name: 'Join' }).click();
      await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
      await page.getByRole('tab', { name: /Polls/ }).click();
      attendees.push(page);
    }

    await host.getByRole('tab', { name: /Polls/ }).click();
    await host.getByPlaceholder('Question').fill('Which feature next?');
    await host.getByLabel('Option 1').fill('Breakout rooms');
    await host.getByLabel('Option 2').fill('Recording');
    await host.getByRole('button', { name: 'Add option' }).click();
    await host.getByLabel('Option 3').fill('Whiteboard');
    await host.getByRole('button', { name: 'Save draft' }).click();
    await expect.poll(() => host.locator('[data-testid=poll][data-status=draft]').count(), poll).toBe(1);
    await expectAccessible(host, 'poll draft');
    // A draft is the host's alone.
    expect(await attendees[0]!.getByTestId('poll').count()).toBe(0);

    await host.getByRole('button', { name: 'Launch' }).click();
    for (const page of attendees) await expect.poll(() => page.locator('[data-testid=poll][data-status=open]').count(), poll).toBe(1);
    await expectAccessible(attendees[0]!, 'open poll at an attendee');

    // Ann and Ben pick Recording, Cy picks Whiteboard, then Ben changes his mind to Whiteboard.
    const picks: Array<[Page, string]> = [
      [attendees[0]!, 'Recording'],
      [attendees[1]!, 'Recording'],
      [attendees[2]!, 'Whiteboard'],
    ];
    for (const [page, option] of picks) {
      await page.getByLabel(option).check();
      await page.getByRole('button', { name: 'Vote' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Change vote' }).count(), poll).toBe(1);
    }
    await attendees[1]!.getByLabel('Whiteboard').check();
    await attendees[1]!.getByRole('button', { name: 'Change vote' }).click();
    await expect.poll(() => counts(host), poll).toEqual(['0', '1', '2']);
    // Live results are the host's while the poll is open.
    expect(await counts(attendees[0]!)).toEqual([]);
    await screenshot(host, 'poll-host-1280x800');
    await expectAccessible(host, 'poll live results');

    await host.getByRole('button', { name: 'Close and share results' }).click();
    for (const page of attendees) await expect.poll(() => counts(page), poll).toEqual(['0', '1', '2']);
    await expect.poll(() => attendees[0]!.getByTestId('poll-voters').textContent(), poll).toBe('3 voters');
    await screenshot(attendees[0]!, 'poll-attendee-results-1280x800');
    await expectAccessible(attendees[0]!, 'shared poll results');
  }, 240_000);

  it('should give the presenter the report after the end, with the poll and the attendance', async () => {
    await host.getByRole('button', { name: 'End session' }).click();
    const dialog = host.getByRole('dialog');
    await expect.poll(() => dialog.isVisible(), poll).toBe(true);
    await dialog.getByRole('button', { name: 'End session' }).click();
    await expect.poll(() => host.getByTestId('session-summary').count(), poll).toBe(1);
    await host.getByTestId('open-report').click();
    await expect.poll(() => host.getByTestId('report').count(), poll).toBe(1);
    expect(await host.getByTestId('report-peak').textContent()).toBe('3');
    expect(await host.getByTestId('report-total').textContent()).toBe('3');
    expect(await host.getByTestId('report-poll').textContent()).toContain('Whiteboard: 2');
    expect(await host.locator('.attendance-chart polyline').count()).toBe(1);
    const download = host.waitForEvent('download');
    await host.getByRole('button', { name: 'Download CSV' }).click();
    expect((await download).suggestedFilename()).toMatch(/^podium-report-.+\.csv$/);
    await screenshot(host, 'report-1280x800');
    await expectAccessible(host, 'report');
  }, 120_000);
});
