// Firefox ESR beside Chromium: a Firefox attendee watching a Chromium presenter and a Chromium attendee watching a
// Firefox presenter, each through video, chat, Q&A, audio only, a presenter reload and the end; as a star and on Janus.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../testing/requires.ts';
import { fill, launchFirefox, openFirefoxPage, untilAccepted, type FirefoxBrowser, type FirefoxPage } from './firefox.ts';
import { launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';

const available = await requires('chromium', 'firefox', 'janus');

/** One participant's page, in either browser: everything the scenario does goes through evaluate, fill and click. */
interface Driver {
  browser: 'chromium' | 'firefox';
  evaluate<A, R>(fn: (arg: A) => R, arg: A): Promise<R>;
  fill(selector: string, text: string): Promise<void>;
  click(selector: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
}

function chromiumDriver(page: Page): Driver {
  return {
    browser: 'chromium',
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg) as never,
    fill: (selector, text) => page.fill(selector, text),
    click: (selector) => page.click(selector),
    reload: async () => void (await page.reload()),
    url: () => page.url(),
  };
}

function firefoxDriver(page: FirefoxPage): Driver {
  return {
    browser: 'firefox',
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg) as never,
    fill: (selector, text) => fill(page, selector, text),
    click: async (selector) => {
      await page.waitForSelector(selector);
      await page.click(selector);
    },
    reload: async () => void (await page.reload()),
    url: () => page.url(),
  };
}

const count = (d: Driver, selector: string) => d.evaluate((sel) => document.querySelectorAll(sel).length, selector);
const text = (d: Driver, selector: string) => d.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);
const waitCount = (d: Driver, selector: string, n: number, timeoutMs = 30_000) =>
  untilAccepted(() => count(d, selector), (c) => c === n, timeoutMs, `${n} × ${selector} in ${d.browser}`);
const waitText = (d: Driver, selector: string, expected: string, timeoutMs = 30_000) =>
  untilAccepted(() => text(d, selector), (t) => t.includes(expected), timeoutMs, `"${expected}" in ${selector} in ${d.browser}`);

/** Clicks the button (or tab) whose aria-label or text matches. */
async function press(d: Driver, name: RegExp): Promise<void> {
  await untilAccepted(
    () =>
      d.evaluate(({ source, flags }) => {
        const pattern = new RegExp(source, flags);
        const button = [...document.querySelectorAll<HTMLElement>('button, [role=tab]')].find(
          (b) => !(b as HTMLButtonElement).disabled && pattern.test(b.getAttribute('aria-label') || b.textContent || ''),
        );
        button?.click();
        return Boolean(button);
      }, { source: name.source, flags: name.flags }),
    (clicked) => clicked,
    20_000,
    `a button named ${name} in ${d.browser}`,
  );
}

/**
 * Waits for rising frames on a video that matches (and that was not marked before a reload). Headless Firefox
 * leaves getVideoPlaybackQuality() at zero (nothing is composited), so there the count is its own
 * mozDecodedFrames (frames out of the decoder) or, for a local camera that is never decoded, mozPaintedFrames.
 */
async function waitFrames(d: Driver, selector: string, timeoutMs = 40_000): Promise<void> {
  let previous = 0;
  await untilAccepted(
    () =>
      d.evaluate((sel) => {
        const video = document.querySelector<HTMLVideoElement>(sel) as (HTMLVideoElement & { mozDecodedFrames?: number; mozPaintedFrames?: number }) | null;
        if (!video) return { width: 0, frames: 0 };
        const frames = Math.max(video.getVideoPlaybackQuality().totalVideoFrames, video.mozDecodedFrames ?? 0, video.mozPaintedFrames ?? 0);
        return { width: video.videoWidth, frames, time: video.currentTime };
      }, selector),
    (now) => {
      const rising = now.width > 0 && previous > 0 && now.frames > previous;
      previous = now.frames;
      return rising;
    },
    timeoutMs,
    `rising decoded frames on ${selector} in ${d.browser}`,
  );
}

async function startPresenting(d: Driver, title: string, name: string): Promise<string> {
  await d.fill('#room-title', title);
  await d.fill('#presenter-name', name);
  await press(d, /^Start presenting$/);
  await untilAccepted(async () => d.url(), (u) => /\/r\/[A-Za-z0-9_-]+\/host$/.test(u), 20_000, 'the presenter console');
  await waitFrames(d, '[data-testid=local-preview]');
  return untilAccepted(() => d.evaluate(() => document.querySelector<HTMLInputElement>('[data-testid=join-link]')?.value ?? '', undefined), (v) => v.length > 0);
}

async function joinAs(d: Driver, name: string): Promise<void> {
  await d.fill('#attendee-name', name);
  await press(d, /^Join$/);
  await waitCount(d, '[data-testid=stage]', 1);
}

/** The whole scenario between a presenter and an attendee in different browsers. */
async function webinar(mode: 'star' | 'sfu', host: Driver, openAttendee: (link: string) => Promise<Driver>) {
  const link = await startPresenting(host, `Cross-browser ${mode} from ${host.browser}`, `Presenter in ${host.browser}`);
  const attendee = await openAttendee(link);
  const tag = `${host.browser} → ${attendee.browser} (${mode})`;
  await joinAs(attendee, `Attendee in ${attendee.browser}`);
  const joinedAt = Date.now();
  await waitFrames(attendee, '[data-testid=camera-video]');
  console.log(`e2e firefox: ${tag}: first rising frames ${Date.now() - joinedAt} ms after joining`);
  await untilAccepted(() => attendee.evaluate(() => document.querySelector('[data-testid=stage]')?.getAttribute('data-via') ?? '', undefined), (v) => v === mode);

  // Chat both ways.
  await attendee.fill('#chat-input', `Hello from ${attendee.browser}`);
  await press(attendee, /^Send message$/);
  await press(host, /Chat/);
  await waitText(host, '[data-testid=chat-messages]', `Hello from ${attendee.browser}`);
  await host.fill('#chat-input', `Welcome, ${attendee.browser}`);
  await press(host, /^Send message$/);
  await waitText(attendee, '[data-testid=chat-messages]', `Welcome, ${attendee.browser}`);

  // Q&A: ask, upvote, answer.
  await press(attendee, /Q&A/);
  await attendee.fill('#question-input', `Does ${attendee.browser} work?`);
  await press(attendee, /^Ask$/);
  await press(host, /Q&A/);
  await waitText(host, '[data-testid=questions]', `Does ${attendee.browser} work?`);
  await press(attendee, /^Upvote: Does/);
  await waitText(host, '[data-testid=vote-count]', '1');
  await press(host, /^Answer question: Does/);
  await host.fill('textarea[id^=answer-], input[id^=answer-]', 'It does.');
  await press(host, /^Post$/);
  await waitText(attendee, '[data-testid=answer]', 'It does.');

  // Audio only and back.
  await attendee.click('[data-testid=audio-only]');
  await waitCount(attendee, '[data-testid=audio-only-stage]', 1);
  if (mode === 'star') {
    await press(host, /People/);
    await untilAccepted(() => host.evaluate(() => document.body.textContent?.includes('Audio only') ?? false, undefined), Boolean, 20_000, 'Audio only at the presenter');
  } else {
    await waitCount(host, '[data-testid=sfu-layer][data-layer=audio-only]', 1);
  }
  await attendee.click('[data-testid=audio-only]');
  await waitFrames(attendee, '[data-testid=camera-video]');

  // The presenter reloads: the attendee's video comes back on a new element.
  // On the SFU the page may keep its video element and swap in the new subscription's stream, so what marks
  // "after the reload" is the stream, not the element.
  await attendee.evaluate(() => document.querySelectorAll('video').forEach((v) => (v.dataset.before = (v.srcObject as MediaStream | null)?.id ?? 'none')), undefined);
  await host.reload();
  await waitFrames(host, '[data-testid=local-preview]');
  await untilAccepted(
    () => attendee.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid=camera-video]');
      return Boolean(video && video.videoWidth > 0 && (video.srcObject as MediaStream | null)?.id !== video.dataset.before);
    }, undefined),
    Boolean,
    60_000,
    `a new stream on the camera video in ${attendee.browser}`,
  );
  await waitFrames(attendee, '[data-testid=camera-video]', 60_000);

  // The end.
  await press(host, /^End session$/);
  // The page has other dialogs (the stage's device check, Leave's confirmation): the open one is End's.
  await untilAccepted(() => host.evaluate(() => document.querySelector('dialog[open]') !== null, undefined), Boolean);
  await host.evaluate(() => {
    const button = [...document.querySelectorAll<HTMLButtonElement>('dialog[open] button')].find((b) => b.textContent?.trim() === 'End session');
    button?.click();
  }, undefined);
  await waitCount(host, '[data-testid=session-summary]', 1);
  await waitText(attendee, '[data-testid=session-ended]', 'This session has ended');
}

for (const mode of ['star', 'sfu'] as const) {
  describe.skipIf(!available)(`Firefox and Chromium in one webinar (${mode})`, () => {
    let server: RunningServer;
    let chromium: Browser;
    let firefox: FirefoxBrowser;

    beforeAll(async () => {
      server = await startServer({ env: { MEDIA_MODE: mode } });
      // The Chromium launch takes this worker's browser turn; Firefox runs inside it and closes first.
      chromium = await launchBrowser();
      firefox = await launchFirefox();
      // Waiting for the browser turn can take minutes while other e2e files run.
    }, 600_000);

    afterAll(async () => {
      await firefox?.close().catch(() => {});
      await chromium?.close();
      await server?.stop();
    });

    it('should let a Firefox attendee watch a Chromium presenter, chat, ask, go audio only, outlive a reload and see the end', async () => {
      const { page } = await openPage(chromium, server.url);
      await page.goto('/');
      await webinar(mode, chromiumDriver(page), async (link) => firefoxDriver(await openFirefoxPage(firefox, link, server.url)));
    }, 300_000);

    it('should let a Chromium attendee watch a Firefox presenter, chat, ask, go audio only, outlive a reload and see the end', async () => {
      const host = firefoxDriver(await openFirefoxPage(firefox, '/', server.url));
      await webinar(mode, host, async (link) => {
        const { page } = await openPage(chromium, server.url);
        await page.goto(link);
        return chromiumDriver(page);
      });
    }, 300_000);
  });
}
