// The room as people live in it, in Chromium against the all-in-one server: a readable join link, seats that count
// who is there (a full room, the presenter told, the limit raised), Leave that frees the seat at once, honest mute-all
// counts, answered questions after the open ones, full screen and the camera bubble, and the stage's states.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };

describe.skipIf(!available)('the room as people live in it', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  let ann: Page;
  let ben: Page;
  let cy: Page;
  let joinLink = '';
  const contexts: BrowserContext[] = [];

  const open = async (viewport = DESKTOP) => {
    const opened = await openPage(browser, server.url, viewport, 'light');
    contexts.push(opened.context);
    return opened.page;
  };
  const join = async (page: Page, name: string) => {
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
  };
  const people = (page: Page) => page.getByTestId('participant').count();
  const questionOrder = (page: Page) => page.getByTestId('question-text').allTextContents();

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should show the whole join link with a copy button, and say who counts toward the limit', async () => {
    host = await open();
    await host.goto('/');
    await host.getByLabel('Title').fill('Office hours');
    await host.getByLabel('Your name').fill('Ada Lovelace');
    await host.getByLabel('Max participants, including you').fill('3');
    // A look at one's own camera before anyone sees it.
    await host.getByText('Check your camera and microphone (optional)').click();
    await host.getByTestId('device-check-start').click();
    await waitForDecodedFrames(host, '[data-testid=device-preview]');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    expect(joinLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r\/[A-Za-z0-9_-]{8,}$/);
    await expect.poll(() => host.getByTestId('people-empty').textContent(), poll).toContain('Share this link to invite people');
    // The field is as wide as the panel and as tall as the link needs: every character is on screen.
    const box = await host.getByTestId('join-link').boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    await host.getByTestId('copy-link').click();
    await expect.poll(() => host.getByTestId('share-link').textContent(), poll).toMatch(/Copied|selected/);
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    await screenshot(host, 'console-invite-1280x800');
    await host.setViewportSize(PHONE);
    const phoneBox = await host.getByTestId('join-link').boundingBox();
    expect(phoneBox!.width).toBeGreaterThan(200);
    await host.getByTestId('join-link').scrollIntoViewIfNeeded();
    await screenshot(host, 'console-invite-375x812');
    await host.setViewportSize(DESKTOP);
  }, 120_000);

  it('should tell the presenter a full room turned someone away, and free a seat at once when an attendee leaves', async () => {
    ann = await open();
    await join(ann, 'Ann');
    await waitForDecodedFrames(ann, '[data-testid=camera-video]');
    ben = await open(PHONE);
    await join(ben, 'Ben Phone');
    await waitForDecodedFrames(ben, '[data-testid=camera-video]');
    cy = await open();
    await join(cy, 'Cy');
    await expect.poll(() => cy.getByTestId('join-error').textContent(), poll).toContain('room is full');
    await expect.poll(() => host.getByTestId('refused-joins').textContent(), poll).toContain('1 person was turned away');
    await expect.poll(() => people(host), poll).toBe(3);
    await host.getByTestId('capacity').scrollIntoViewIfNeeded();
    await screenshot(host, 'console-capacity-1280x800');

    // Leave is labelled on a phone and asks first.
    const leave = ben.getByRole('button', { name: 'Leave the session' });
    expect(await leave.textContent()).toContain('Leave');
    expect(await leave.isVisible()).toBe(true);
    await leave.click();
    await expect.poll(() => ben.getByRole('dialog').isVisible(), poll).toBe(true);
    await screenshot(ben, 'attendee-leave-375x812');
    await ben.getByRole('dialog').getByRole('button', { name: 'Leave' }).click();
    const leftAt = performance.now();
    await expect.poll(() => people(host), { timeout: 2_000, interval: 50 }).toBe(2);
    console.log(`e2e: Leave confirmed → presenter's roster updated: ${Math.round(performance.now() - leftAt)} ms`);
    await expect.poll(() => ben.getByTestId('join-form').textContent(), poll).toContain('You left the session');
    // The name is remembered for coming back.
    expect(await ben.getByLabel('Your name').inputValue()).toBe('Ben Phone');
    // The seat is free: the one turned away gets in now.
    await cy.getByRole('button', { name: 'Join' }).click();
    await waitForDecodedFrames(cy, '[data-testid=camera-video]');
    await expect.poll(() => people(host), poll).toBe(3);
  }, 180_000);

  it('should count only microphones that were on when muting all, and tell only that attendee', async () => {
    await host.getByTestId('option-attendeeMicrophones').check();
    await ann.getByTestId('attendee-mic').click();
    await expect.poll(() => host.locator('[aria-label="Microphone on"]').count(), poll).toBe(1);
    await host.getByTestId('mute-all').click();
    await expect.poll(() => host.getByTestId('mute-all-result').textContent(), poll).toBe('Muted 1 attendee.');
    // The result sits beside the button, not over it.
    const [button, note] = [await host.getByTestId('mute-all').boundingBox(), await host.getByTestId('mute-all-result').boundingBox()];
    const overlaps = note!.x < button!.x + button!.width && button!.x < note!.x + note!.width && note!.y < button!.y + button!.height && button!.y < note!.y + note!.height;
    expect(overlaps).toBe(false);
    await expect.poll(() => ann.getByTestId('muted-notice').count(), poll).toBe(1);
    expect(await cy.getByTestId('muted-notice').count()).toBe(0);
    await screenshot(ann, 'attendee-muted-notice-1280x800');
    await host.getByTestId('mute-all').click();
    await expect.poll(() => host.getByTestId('mute-all-result').textContent(), poll).toBe('No microphones were on.');
    expect(await cy.getByTestId('muted-notice').count()).toBe(0);
  }, 60_000);

  it('should keep open questions first and put answered ones after them, telling the asker', async () => {
    for (const page of [host, ann, cy]) await page.getByRole('tab', { name: /Q&A/ }).click();
    await ann.getByLabel('Your question').fill('Is there a recording?');
    await ann.getByRole('button', { name: 'Ask' }).click();
    await cy.getByLabel('Your question').fill('Which browsers work?');
    await cy.getByRole('button', { name: 'Ask' }).click();
    await expect.poll(() => host.getByTestId('question').count(), poll).toBe(2);
    await cy.getByRole('button', { name: /^Upvote: Is there a recording\?/ }).click();
    for (const page of [host, ann, cy]) await expect.poll(() => questionOrder(page), poll).toEqual(['Is there a recording?', 'Which browsers work?']);
    await host.getByRole('button', { name: 'Mark answered: Is there a recording?' }).click();
    for (const page of [host, ann, cy]) {
      await expect.poll(() => questionOrder(page), poll).toEqual(['Which browsers work?', 'Is there a recording?']);
      await expect.poll(() => page.getByTestId('answered-questions').textContent(), poll).toContain('Is there a recording?');
    }
    await expect.poll(() => ann.getByTestId('question-answered-notice').textContent(), poll).toContain('Is there a recording?');
    expect(await cy.getByTestId('question-answered-notice').count()).toBe(0);
    await screenshot(host, 'presenter-qa-answered-1280x800');
    await screenshot(ann, 'attendee-qa-answered-1280x800');
  }, 60_000);

  it('should make clickable, safe links of web addresses in chat and nothing else', async () => {
    await ann.getByRole('tab', { name: /Chat/ }).click();
    await ann.getByLabel('Message', { exact: true }).fill('Slides: https://example.com/deck and javascript:alert(1)');
    await ann.getByRole('button', { name: 'Send message' }).click();
    await cy.getByRole('tab', { name: /Chat/ }).click();
    const link = cy.getByTestId('chat-messages').getByRole('link');
    await expect.poll(() => link.count(), poll).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.com/deck');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  it('should show the stage full screen, and let an attendee hide or move the camera bubble over a shared screen', async () => {
    await ann.getByTestId('fullscreen').click();
    await expect.poll(() => ann.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') ?? null), poll).toBe('stage');
    // The button follows the fullscreenchange event, which the browser fires a frame after the element is set.
    await expect.poll(() => ann.getByTestId('fullscreen').getAttribute('aria-pressed'), poll).toBe('true');
    await ann.getByTestId('fullscreen').click();
    await expect.poll(() => ann.evaluate(() => document.fullscreenElement), poll).toBeNull();

    await host.getByTestId('share-screen').click();
    await waitForDecodedFrames(ann, '[data-testid=screen-video]');
    await expect.poll(() => ann.getByTestId('camera-bubble').getAttribute('class'), poll).toContain('at-bottom-right');
    await ann.getByTestId('bubble-move').click();
    await expect.poll(() => ann.getByTestId('camera-bubble').getAttribute('class'), poll).toContain('at-bottom-left');
    await screenshot(ann, 'attendee-bubble-moved-1280x800');
    await ann.getByTestId('bubble-toggle').click();
    await expect.poll(() => ann.getByTestId('camera-bubble').isVisible(), poll).toBe(false);
    // Remembered in this browser: a reload keeps the bubble hidden.
    await ann.reload();
    await waitForDecodedFrames(ann, '[data-testid=screen-video]', 40_000);
    expect(await ann.getByTestId('camera-bubble').isVisible()).toBe(false);
    expect(await ann.getByTestId('bubble-toggle').getAttribute('aria-pressed')).toBe('true');
    await ann.getByTestId('bubble-toggle').click();
    await expect.poll(() => ann.getByTestId('camera-bubble').isVisible(), poll).toBe(true);
    await host.getByRole('button', { name: 'Stop sharing your screen' }).click();
    await expect.poll(() => ann.getByTestId('screen-video').count(), poll).toBe(0);
  }, 120_000);

  it('should show the presenter’s initials and “Camera off” instead of a black box, and say so on the badge honestly', async () => {
    await expect.poll(() => cy.getByTestId('connection-status').textContent(), poll).toBe('Connected');
    await host.getByTestId('presenter-camera').click();
    await expect.poll(() => cy.getByTestId('camera-off').textContent(), poll).toContain('Camera off');
    expect(await cy.getByTestId('camera-off').textContent()).toContain('Ada Lovelace');
    await expect.poll(() => cy.getByTestId('connection-status').textContent(), poll).toBe('Connected');
    await expect.poll(() => host.getByTestId('camera-off-hint').textContent(), poll).toContain('still hear you');
    await screenshot(cy, 'attendee-camera-off-1280x800');
    await cy.setViewportSize(PHONE);
    await screenshot(cy, 'attendee-camera-off-375x812');
    await cy.setViewportSize(DESKTOP);
    await host.getByTestId('presenter-camera').click();
    await waitForDecodedFrames(cy, '[data-testid=camera-video]');
    // One live badge: the stage says LIVE, the console's status speaks of the connection.
    expect(await host.getByText('Live', { exact: true }).count()).toBe(0);
    expect(await host.getByTestId('connection-status').textContent()).toBe('Connected');
  }, 60_000);

  it('should say “Presenter reconnecting…” while the presenter reloads, then Connected again', async () => {
    // Every text the status shows from now on: on a fast machine the reload is over between two polls.
    await cy.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __statuses: string[] }).__statuses = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=connection-status]')?.textContent ?? '';
        if (seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await host.reload();
    const statuses = () => cy.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses.join(' | '));
    await expect.poll(statuses, poll).toMatch(/Presenter reconnecting…|Connecting video…/);
    await waitForDecodedFrames(cy, '[data-testid=camera-video]', 40_000);
    await expect.poll(() => cy.getByTestId('connection-status').textContent(), { ...poll, timeout: 40_000 }).toBe('Connected');
  }, 90_000);
});
