// Debian's Firefox ESR as the tests' second browser: driven over WebDriver BiDi by puppeteer-core (which downloads
// no browser), headless, with Firefox's own fake camera and microphone and no permission prompts.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { FIREFOX_PATH } from '../testing/requires.ts';
import { until } from '../testing/until.ts';

export type { Browser as FirefoxBrowser, Page as FirefoxPage };

export const FIREFOX_PREFS: Record<string, unknown> = {
  // Fake devices (a coloured test picture and a tone) instead of real ones, granted without a prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Headless pages have no user gesture: let media play with sound as a kiosk would.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Screen capture without the picker.
  'media.getdisplaymedia.enabled': true,
  // Nothing phoning home from the test machine.
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
};

/** Launches headless Firefox ESR. The caller holds a browser turn (launchBrowser in harness.ts) while it runs. */
export function launchFirefox(extraPrefs: Record<string, unknown> = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    protocol: 'webDriverBiDi',
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...extraPrefs },
  });
}

/** A fresh user context per participant (its own localStorage, so its own token), at the server's base URL. */
export async function openFirefoxPage(browser: Browser, path: string, base: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`e2e firefox page error: ${err instanceof Error ? err.message : String(err)}`));
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(new URL(path, base).href);
  return page;
}

/** Polls `read` until `accept` holds, with the shared wait (testing/until.ts); a timeout says the last value read. */
export async function untilAccepted<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  let last: T | undefined;
  const found = await until(
    async () => {
      last = await read();
      return accept(last) ? { value: last } : undefined;
    },
    () => `${what}; last: ${JSON.stringify(last)}`,
    timeoutMs,
    200,
  );
  return found.value;
}

/** Width and decoded frames of the first video matching the selector, as Firefox counts them. */
export function probeFirefoxVideo(page: Page, selector: string): Promise<{ width: number; frames: number }> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (!video) return { width: 0, frames: 0 };
    return { width: video.videoWidth, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  }, selector);
}

/** Waits for a picture whose decoded-frame count keeps rising. */
export async function waitForFirefoxFrames(page: Page, selector: string, timeoutMs = 30_000): Promise<void> {
  let previous = 0;
  await untilAccepted(
    () => probeFirefoxVideo(page, selector),
    (now) => {
      const rising = now.width > 0 && previous > 0 && now.frames > previous;
      previous = now.frames;
      return rising;
    },
    timeoutMs,
    `rising decoded frames on ${selector}`,
  );
}

/** The text of the first element matching the selector ('' when absent). */
export function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);
}

/** Clicks the button whose accessible name (aria-label or text) matches. */
export async function clickButton(page: Page, name: RegExp): Promise<void> {
  await untilAccepted(
    () =>
      page.evaluate(
        (source, flags) => {
          const pattern = new RegExp(source, flags);
          const button = [...document.querySelectorAll<HTMLElement>('button, [role=tab]')].find((b) =>
            pattern.test(b.getAttribute('aria-label') ?? b.textContent ?? ''),
          );
          button?.click();
          return Boolean(button);
        },
        name.source,
        name.flags,
      ),
    (clicked) => clicked,
    20_000,
    `a button named ${name}`,
  );
}

/** Types into an input or textarea, as a person would (key events, so Solid's onInput runs). */
export async function fill(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForSelector(selector);
  await page.click(selector, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, text);
}
