// A whole webinar in headless Chromium against the all-in-one server: create, join, stream, chat, Q&A, end.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  launchBrowser,
  openPage,
  PHONE,
  probeVideo,
  screenshot,
  startServer,
  waitForDecodedFrames,
  WITHOUT_WEBRTC,
  type RunningServer,
} from './harness.ts';
import { requires } from '../testing/requires.ts';
import { expectAccessible } from './axe.ts';

const available = await requires('chromium');
const poll = { timeout: 20_000, interval: 200 };

// axe runs in four variants on most states, so every test gets the time of a slow, loaded machine.
describe.skipIf(!available)('a webinar in Chromium', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  let joinLink = '';
  const attendees: Page[] = [];
  const contexts: BrowserContext[] = [];
  const open = async (viewport = DESKTOP, colorScheme: 'light' | 'dark' = 'light') => {
    const opened = await openPage(browser, server.url, viewport, colorScheme);
    contexts.push(opened.context);
    return opened;
  };
  const questionOrder = (page: Page) => page.getByTestId('question-text').allTextContents();
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });
  it('should refuse a wrong password, a full room and an unknown room with a message on the page', async () => {
    const response = await fetch(`${server.url}/api/rooms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Board meeting', presenterName: 'Grace', password: 'open sesame', maxParticipants: 2 }),
    });
    expect(response.status).toBe(201);
    const { slug } = (await response.json()) as { slug: string };
    const { context, page } = await open();
    await page.goto(`/r/${slug}`);
    await expect.poll(() => page.getByRole('heading', { name: 'Board meeting' }).count(), poll).toBe(1);
    await expectAccessible(page, 'join form with a password');
    await page.getByLabel('Your name').fill('Mallory');
    await page.getByLabel('Room password').fill('wrong guess');
    await page.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => page.getByTestId('join-error').textContent(), poll).toContain('password is not right');
    await expectAccessible(page, 'join form after a wrong password');
    await page.getByLabel('Room password').fill('open sesame');
    await page.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
    const second = await open();
    await second.page.goto(`/r/${slug}`);
    await second.page.getByLabel('Your name').fill('Trent');
    await second.page.getByLabel('Room password').fill('open sesame');
    await second.page.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => second.page.getByTestId('join-error').textContent(), poll).toContain('room is full');
    await expectAccessible(second.page, 'join form of a full room');
    await second.page.goto('/r/NoSuchRoom123');
    await expect.poll(() => second.page.getByTestId('room-problem').textContent(), poll).toContain('no room at this link');
    await expectAccessible(second.page, 'unknown room');
    await context.close();
    await second.context.close();
  });
  it('should create a room from the Home form and open the presenter console with a join link', async () => {
    const phone = await open(PHONE);
    await phone.page.goto('/');
    await screenshot(phone.page, 'home-375x812');
    await phone.context.close();
    ({ page: host } = await open());
    await host.goto('/');
    await screenshot(host, 'home-1280x800');
    await expectAccessible(host, 'home');
    await host.getByLabel('Title').fill('Shipping Podium 1.0');
    await host.getByLabel('Your name').fill('Ada Lovelace');
    await host.getByLabel('Max participants').fill('20');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    await expect.poll(() => host.title(), poll).toBe('Presenting: Shipping Podium 1.0 · Podium');
    expect(joinLink).toMatch(/\/r\/[A-Za-z0-9_-]{8,}$/);
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
  });
  it('should stream the presenter to three attendees who join through the link', async () => {
    const names = ['Brian Kernighan', 'Barbara Liskov', 'Linus Torvalds'];
    for (const [i, name] of names.entries()) {
      // The second attendee prefers a dark interface, the third watches on a phone.
      const { page } = await open(i === 2 ? PHONE : DESKTOP, i === 1 ? 'dark' : 'light');
      await page.goto(joinLink);
      await page.getByLabel('Your name').fill(name);
      const clickedAt = performance.now();
      await page.getByRole('button', { name: 'Join' }).click();
      const first = await waitForDecodedFrames(page, '[data-testid=camera-video]');
      console.log(`e2e: attendee ${i + 1} Join click → first decoded frame: ${Math.round(performance.now() - clickedAt)} ms`);
      await expect.poll(async () => (await probeVideo(page, '[data-testid=camera-video]')).frames, poll).toBeGreaterThan(first.frames);
      attendees.push(page);
    }
    await expect.poll(() => host.locator('[data-testid=peer-state][data-state=connected]').count(), poll).toBe(3);
    // Let the stats sampler fill round-trip time and bitrate before the screenshots.
    await expect.poll(() => host.getByText(/\d+ kbit\/s/).count(), poll).toBe(3);
    await screenshot(host, 'presenter-console-1280x800');
    await screenshot(attendees[0]!, 'attendee-1280x800');
    await screenshot(attendees[1]!, 'attendee-dark-1280x800');
    await screenshot(attendees[2]!, 'attendee-375x812');
    await expectAccessible(host, 'presenter console with three attendees');
    await expectAccessible(attendees[0]!, 'attendee room');
    await host.setViewportSize(PHONE);
    await screenshot(host, 'presenter-console-375x812');
    await host.setViewportSize(DESKTOP);
  }, 180_000);
  it('should show a chat message from an attendee to everyone', async () => {
    const [first] = attendees;
    await first!.getByLabel('Message', { exact: true }).fill('Hello from the second row!');
    await first!.getByRole('button', { name: 'Send message' }).click();
    await host.getByRole('tab', { name: /Chat/ }).click();
    for (const page of [host, ...attendees]) {
      await expect.poll(() => page.getByTestId('chat-messages').textContent(), poll).toContain('Hello from the second row!');
    }
    await expect.poll(() => attendees[1]!.getByTestId('live-region').textContent(), poll).toContain('Hello from the second row!');
  });
  it('should order questions by pin then votes and show answers everywhere', async () => {
    const [first, second, third] = attendees as [Page, Page, Page];
    for (const page of [host, ...attendees]) await page.getByRole('tab', { name: /Q&A/ }).click();
    await second.getByLabel('Your question').fill('Will there be a recording?');
    await second.getByRole('button', { name: 'Ask' }).click();
    await expect.poll(() => questionOrder(first), poll).toEqual(['Will there be a recording?']);
    await third.getByLabel('Your question').fill('Does it work on phones?');
    await third.getByRole('button', { name: 'Ask' }).click();
    for (const page of [host, ...attendees]) await expect.poll(() => page.getByTestId('question').count(), poll).toBe(2);
    await first.getByRole('button', { name: /^Upvote: Does it work on phones\?/ }).click();
    for (const page of [host, ...attendees]) {
      await expect.poll(() => questionOrder(page), poll).toEqual(['Does it work on phones?', 'Will there be a recording?']);
    }
    await expect
      .poll(() => first.getByRole('button', { name: /Does it work on phones\?/ }).getAttribute('aria-pressed'), poll)
      .toBe('true');
    await host.getByRole('button', { name: 'Pin question: Will there be a recording?' }).click();
    for (const page of [host, ...attendees]) {
      await expect.poll(() => questionOrder(page), poll).toEqual(['Will there be a recording?', 'Does it work on phones?']);
    }
    await host.getByRole('button', { name: 'Answer question: Will there be a recording?' }).click();
    await host.getByLabel('Answer to: Will there be a recording?').fill('Yes, within a day.');
    await host.getByRole('button', { name: 'Post' }).click();
    for (const page of [host, ...attendees]) {
      await expect.poll(() => page.getByTestId('answer').textContent(), poll).toContain('Yes, within a day.');
    }
    await screenshot(host, 'presenter-qa-1280x800');
    await screenshot(third, 'attendee-qa-375x812');
    await expectAccessible(host, 'presenter Q&A with an answer');
    await expectAccessible(third, 'attendee Q&A with an answer');
  });
  it('should show the screen share at attendees as a second video and stop it', async () => {
    await host.getByTestId('share-screen').click();
    for (const page of attendees) {
      await waitForDecodedFrames(page, '[data-testid=screen-video]');
      // The camera stays on as picture-in-picture beside the screen.
      await waitForDecodedFrames(page, '[data-testid=camera-video]');
    }
    await screenshot(attendees[0]!, 'attendee-screen-share-1280x800');
    await expectAccessible(attendees[0]!, 'attendee room with a screen share');
    await host.getByRole('button', { name: /Stop sharing your screen/ }).click();
    for (const page of attendees) {
      await expect.poll(() => page.getByTestId('screen-video').count(), poll).toBe(0);
      await waitForDecodedFrames(page, '[data-testid=camera-video]');
    }
  }, 180_000);
  it('should queue raised hands for the presenter in order, with a count', async () => {
    const [, second, third] = attendees as [Page, Page, Page];
    await second.getByTestId('raise-hand').click();
    await third.getByTestId('raise-hand').click();
    await expect.poll(() => host.getByTestId('hand-count').textContent(), poll).toBe('2');
    await host.getByTestId('hand-queue').scrollIntoViewIfNeeded();
    await screenshot(host, 'hand-queue-1280x800');
    await expectAccessible(host, 'presenter console with raised hands');
    await host.getByTestId('option-questionsNeedApproval').check();
    await third.getByRole('tab', { name: /Q&A/ }).click();
    await screenshot(host, 'moderation-queue-1280x800');
    await expectAccessible(host, 'presenter console moderating questions');
    await third.getByTestId('raise-hand').click();
    await expect.poll(() => host.getByTestId('hand-count').textContent(), poll).toBe('1');
    await host.getByTestId('option-questionsNeedApproval').uncheck();
  });
  it('should pause video for an attendee who switches to audio only, and bring it back', async () => {
    const second = attendees[1]!;
    await second.getByTestId('audio-only').check();
    await expect.poll(() => second.getByTestId('audio-only-stage').count(), poll).toBe(1);
    await host.getByRole('tab', { name: /People/ }).click();
    await expect.poll(() => host.getByText('Audio only').count(), poll).toBe(1);
    await second.getByTestId('audio-only').uncheck();
    await waitForDecodedFrames(second, '[data-testid=camera-video]');
    await expect.poll(() => host.getByText('Audio only').count(), poll).toBe(0);
  }, 180_000);
  it('should tell attendees when the presenter turns the camera off and on', async () => {
    const [first] = attendees as [Page];
    await host.getByTestId('presenter-camera').click();
    await expect.poll(() => first.getByText('The presenter turned their camera off.').count(), poll).toBe(1);
    await expectAccessible(first, 'attendee room with the camera off');
    await host.getByTestId('presenter-camera').click();
    await expect.poll(() => first.getByText('The presenter turned their camera off.').count(), poll).toBe(0);
    await waitForDecodedFrames(first, '[data-testid=camera-video]');
  });
  it('should give a browser without WebRTC chat and Q&A with the reason on the stage', async () => {
    const { context, page } = await open();
    await context.addInitScript(WITHOUT_WEBRTC);
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill('Old Browser');
    await page.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => page.getByTestId('join-only').textContent(), poll).toContain('WebRTC is not available');
    await expectAccessible(page, 'attendee room without WebRTC');
    await page.getByLabel('Message', { exact: true }).fill('Text only, but here!');
    await page.getByRole('button', { name: 'Send message' }).click();
    await host.getByRole('tab', { name: /Chat/ }).click();
    await expect.poll(() => host.getByTestId('chat-messages').textContent(), poll).toContain('Text only, but here!');
    await page.getByRole('tab', { name: /Q&A/ }).click();
    // The answered question sits after the open one, in its own list.
    await expect.poll(() => questionOrder(page), poll).toEqual(['Does it work on phones?', 'Will there be a recording?']);
    await context.close();
  });
  it("should bring the attendees' video back after the presenter reloads, without a stale screen share", async () => {
    await host.getByTestId('share-screen').click();
    for (const page of attendees) await waitForDecodedFrames(page, '[data-testid=screen-video]');
    for (const page of attendees) {
      await page.evaluate(() => document.querySelectorAll('video').forEach((v) => (v.dataset.before = 'reload')));
    }
    await host.reload();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    for (const page of attendees) {
      await waitForDecodedFrames(page, '[data-testid=camera-video]:not([data-before])', 40_000);
      await expect.poll(() => page.getByTestId('sharing-badge').count(), poll).toBe(0);
    }
    // The reloaded console is still the same presenter, with the room's chat and questions.
    await host.getByRole('tab', { name: /Q&A/ }).click();
    // The answered question sits after the open one, in its own list.
    await expect.poll(() => questionOrder(host), poll).toEqual(['Does it work on phones?', 'Will there be a recording?']);
  }, 180_000);
  it('should carry on when the server restarts: video keeps flowing, signaling reconnects, chat works', async () => {
    await server.restart();
    for (const page of [host, ...attendees]) {
      await expect.poll(() => page.getByTestId('connection-status').textContent(), { ...poll, timeout: 40_000 }).toMatch(/Live|Connected/);
    }
    // Media is peer to peer: it never went through the server, so the same video elements keep decoding.
    for (const page of attendees) await waitForDecodedFrames(page, '[data-testid=camera-video]');
    await attendees[1]!.getByRole('tab', { name: /Chat/ }).click();
    await attendees[1]!.getByLabel('Message', { exact: true }).fill('Still here after the restart');
    await attendees[1]!.getByRole('button', { name: 'Send message' }).click();
    await host.getByRole('tab', { name: /Chat/ }).click();
    await expect.poll(() => host.getByTestId('chat-messages').textContent(), poll).toContain('Still here after the restart');
    await host.getByRole('tab', { name: /People/ }).click();
    await expect.poll(() => host.locator('[data-testid=peer-state][data-state=connected]').count(), poll).toBe(3);
  }, 180_000);
  it('should float a reaction from an attendee over the presenter stage', async () => {
    await attendees[0]!.getByRole('button', { name: 'React: Applause' }).click();
    await expect.poll(() => host.locator('[data-testid=presenter-stage] .reaction-float').count(), poll).toBeGreaterThan(0);
  });
  it('should rejoin an attendee who reloads as the same participant, with video', async () => {
    const phone = attendees[2]!;
    await phone.reload();
    await waitForDecodedFrames(phone, '[data-testid=camera-video]', 40_000);
    expect(await phone.getByTestId('join-form').count()).toBe(0);
    // Still three attendee links on the console: the reload replaced a peer, it did not add one.
    await expect.poll(() => host.locator('[data-testid=peer-state][data-state=connected]').count(), poll).toBe(3);
  }, 180_000);
  it('should forget the token when an attendee leaves', async () => {
    const phone = attendees.pop()!;
    const key = `podium:room:${joinLink.split('/').pop()}`;
    expect(await phone.evaluate((k) => localStorage.getItem(k), key)).not.toBeNull();
    await phone.getByRole('button', { name: 'Leave the session' }).click();
    await phone.getByRole('dialog').getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => phone.getByTestId('join-form').textContent(), poll).toContain('You left the session');
    await expectAccessible(phone, 'join form after leaving');
    expect(await phone.evaluate((k) => localStorage.getItem(k), key)).toBeNull();
  });
  it('should end the session: a summary for the presenter, the ended page for attendees', async () => {
    await host.getByRole('button', { name: 'End session' }).click();
    const dialog = host.getByRole('dialog');
    await expect.poll(() => dialog.isVisible(), poll).toBe(true);
    await dialog.getByRole('button', { name: 'End session' }).click();
    await expect.poll(() => host.getByTestId('session-summary').count(), poll).toBe(1);
    expect(Number(await host.getByTestId('stat-questions').textContent())).toBe(2);
    expect(Number(await host.getByTestId('stat-participants').textContent())).toBeGreaterThanOrEqual(5);
    await screenshot(host, 'session-summary-1280x800');
    await expectAccessible(host, 'session summary');
    // The console of an ended room, opened again, says the session is over.
    await host.reload();
    await expect.poll(() => host.getByTestId('session-ended').count(), poll).toBe(1);
    await expectAccessible(host, 'session ended (console reopened)');
    for (const page of attendees) {
      await expect.poll(() => page.getByTestId('session-ended').textContent(), poll).toContain('This session has ended');
    }
    await expectAccessible(attendees[0]!, 'session ended in the room');
    // The link keeps saying so later, with no join form.
    await attendees[0]!.reload();
    await expect.poll(() => attendees[0]!.getByTestId('session-ended').count(), poll).toBe(1);
    await expectAccessible(attendees[0]!, 'session ended (attendee link)');
    expect(await attendees[0]!.getByTestId('join-form').count()).toBe(0);
  });
});
