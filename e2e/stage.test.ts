// The stage in Chromium: a raised hand, an invitation, the device check, a speaker whose microphone and camera reach
// two other attendees (their decoded audio and video grow), muted by the presenter (their audio stops reaching
// anyone), then sent back to the audience (the tiles go). In a star room, where the presenter's hub forwards the
// speaker, and in an SFU room (Janus), where the speaker publishes into Janus and every other page subscribes to it.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, KEEP_PEER_CONNECTIONS, launchBrowser, openPage, PHONE, screenshot, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';
import { until } from '../testing/until.ts';

const chromium = await requires('chromium');
const janus = chromium && (await requires('janus'));
const poll = { timeout: 30_000, interval: 250 };

interface Received {
  /** Bytes of the speaker's audio received so far, and its last level; video frames decoded so far. */
  audioBytes: number;
  audioLevel: number;
  framesDecoded: number;
}

/**
 * What this page received of one speaker: the inbound-rtp stats of the receivers of the very tracks their tile plays
 * (by object, not by id: Janus may give the tracks of two subscriptions the same id).
 */
function receivedFrom(page: Page, speakerId: string): Promise<Received> {
  return page.evaluate(async (id) => {
    const tile = document.querySelector(`[data-testid=speaker-tile][data-participant="${id}"]`);
    const trackOf = (el: HTMLMediaElement | null | undefined) => (el?.srcObject as MediaStream | null)?.getTracks()[0];
    const audio = trackOf(tile?.querySelector('audio'));
    const video = trackOf(tile?.querySelector('video'));
    const out = { audioBytes: 0, audioLevel: 0, framesDecoded: 0 };
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    for (const receiver of pcs.flatMap((pc) => pc.getReceivers())) {
      if (!receiver.track || (receiver.track !== audio && receiver.track !== video)) continue;
      (await receiver.getStats()).forEach((s: { type: string; bytesReceived?: number; audioLevel?: number; framesDecoded?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (receiver.track === audio) {
          out.audioBytes += s.bytesReceived ?? 0;
          out.audioLevel = s.audioLevel ?? 0;
        } else out.framesDecoded += s.framesDecoded ?? 0;
      });
    }
    return out;
  }, speakerId);
}

/** Resolves once the speaker's audio bytes and decoded video frames both rose on the page. */
async function expectFlowing(page: Page, speakerId: string): Promise<void> {
  const first = await receivedFrom(page, speakerId);
  await expect
    .poll(async () => {
      const now = await receivedFrom(page, speakerId);
      return now.audioBytes > first.audioBytes && now.framesDecoded > first.framesDecoded && now.framesDecoded > 0;
    }, poll)
    .toBe(true);
}

/** Resolves once the speaker's audio bytes stay the same for two seconds: nothing of it reaches the page. */
async function expectAudioStopped(page: Page, speakerId: string): Promise<void> {
  await expect
    .poll(async () => {
      const before = await receivedFrom(page, speakerId);
      await page.waitForTimeout(2_000);
      const after = await receivedFrom(page, speakerId);
      return after.audioBytes === before.audioBytes;
    }, { ...poll, interval: 0 })
    .toBe(true);
}

function stageSuite(mode: 'star' | 'sfu') {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  let joinLink = '';
  const contexts: BrowserContext[] = [];
  const attendees: Record<'speaker' | 'first' | 'second', Page> = {} as never;
  let speakerId = '';
  // The photographs come from the star room; the SFU room looks the same.
  const shot = (page: Page, name: string) => (mode === 'star' ? screenshot(page, name) : Promise.resolve());

  const join = async (name: string) => {
    const opened = await openPage(browser, server.url, DESKTOP, 'light');
    contexts.push(opened.context);
    await opened.context.addInitScript(KEEP_PEER_CONNECTIONS);
    const page = opened.page;
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
    await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
    // In the SFU room the presenter reaches this attendee through Janus before the stage begins.
    if (mode === 'sfu') await until(async () => (await page.getByTestId('stage').getAttribute('data-via')) === 'sfu', `${name} never watched through the SFU`, 60_000, 250);
    return page;
  };

  const invite = async (page: Page, name: string) => {
    await page.getByTestId('raise-hand').click();
    await host.getByRole('button', { name: `Invite to stage: ${name}` }).click();
    await page.getByTestId('stage-invite-join').click();
    await expect.poll(() => page.getByTestId('stage-device-check').isVisible(), poll).toBe(true);
  };

  beforeAll(async () => {
    server = await startServer({ env: { MEDIA_MODE: mode } });
    browser = await launchBrowser();
    const opened = await openPage(browser, server.url, DESKTOP, 'light');
    contexts.push(opened.context);
    host = opened.page;
    await host.goto('/');
    await host.getByLabel('Title').fill('Open floor');
    await host.getByLabel('Your name').fill('Ada Lovelace');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]', 60_000);
    attendees.speaker = await join('Sam Speaker');
    attendees.first = await join('Rita Receiver');
    attendees.second = await join('Otto Observer');
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should decline the stage with Escape from the device check, which holds the focus', async () => {
    const page = attendees.second;
    await invite(page, 'Otto Observer');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid=stage-device-check]') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('stage-device-check').isVisible(), poll).toBe(false);
    await expect.poll(() => host.getByTestId('stage-list').textContent(), poll).toContain('Nobody on stage');
  }, 60_000);

  it('should bring a speaker on stage after the device check, heard and seen by two other attendees', async () => {
    const page = attendees.speaker;
    await invite(page, 'Sam Speaker');
    await waitForDecodedFrames(page, '[data-testid=stage-check-preview]');
    // The fake microphone beeps: the meter moves.
    await expect.poll(async () => Number(await page.getByTestId('stage-check-level').getAttribute('aria-valuenow')), poll).toBeGreaterThan(0);
    expect(await page.getByTestId('stage-check-microphone').locator('option').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('stage-check-camera').locator('option').count()).toBeGreaterThan(0);
    await shot(page, 'stage-device-check-1280x800');
    await page.setViewportSize(PHONE);
    await shot(page, 'stage-device-check-375x812');
    await page.setViewportSize(DESKTOP);
    await page.getByRole('button', { name: 'Accept and join' }).click();
    await expect.poll(() => host.getByTestId('stage-list').textContent(), poll).toContain('Sam Speaker · speaking');
    speakerId = (await host.locator('[data-testid=speaker-tile]').first().getAttribute('data-participant', { timeout: 30_000 }))!;
    expect(speakerId).toMatch(/^[0-9a-f-]{36}$/);
    for (const receiver of [attendees.first, attendees.second]) {
      const tile = receiver.locator(`[data-testid=speaker-tile][data-participant="${speakerId}"]`);
      await expect.poll(() => tile.textContent(), poll).toContain('Sam Speaker');
      // The path the tile's media took: Janus in the SFU room, the presenter's hub on the star.
      await expect.poll(() => tile.getAttribute('data-via'), poll).toBe(mode);
      await expectFlowing(receiver, speakerId);
    }
    await expect.poll(() => host.locator(`[data-testid=speaker-tile][data-participant="${speakerId}"]`).getAttribute('data-via'), poll).toBe(mode);
    await waitForDecodedFrames(host, '[data-testid=speaker-video]');
    await shot(attendees.first, 'stage-speaker-attendee-1280x800');
    await shot(host, 'stage-speaker-presenter-1280x800');
    await attendees.first.setViewportSize(PHONE);
    await shot(attendees.first, 'stage-speaker-attendee-375x812');
    await attendees.first.setViewportSize(DESKTOP);
  }, 180_000);

  it('should keep a speaker who reloads on stage, say their devices are off, and bring them back live after the device check', async () => {
    const page = attendees.speaker;
    await page.reload();
    // Back in the room as the same participant, still on stage, with nothing on until they say so.
    await expect.poll(() => page.getByTestId('stage-resume').isVisible(), poll).toBe(true);
    expect(await page.getByTestId('leave-stage').isVisible()).toBe(true);
    await expect.poll(() => host.getByTestId('stage-list').textContent(), poll).toContain('Sam Speaker · speaking');
    for (const receiver of [attendees.first, attendees.second]) {
      await expect.poll(() => receiver.locator(`[data-testid=speaker-tile][data-participant="${speakerId}"] video`).count(), poll).toBe(0);
    }
    // Putting it off keeps the place on stage and the prompt.
    await page.getByTestId('stage-resume-join').click();
    await expect.poll(() => page.getByTestId('stage-device-check').isVisible(), poll).toBe(true);
    expect(await page.locator('#stage-check-title').textContent()).toBe('Back on stage');
    await page.getByRole('button', { name: 'Not now' }).click();
    await expect.poll(() => page.getByTestId('stage-resume').isVisible(), poll).toBe(true);
    await expect.poll(() => host.getByTestId('stage-list').textContent(), poll).toContain('Sam Speaker · speaking');
    await page.getByTestId('stage-resume-join').click();
    await waitForDecodedFrames(page, '[data-testid=stage-check-preview]');
    await page.getByRole('button', { name: 'Turn on and go live' }).click();
    await expect.poll(() => page.getByTestId('stage-resume').isVisible(), poll).toBe(false);
    for (const receiver of [attendees.first, attendees.second]) {
      const tile = receiver.locator(`[data-testid=speaker-tile][data-participant="${speakerId}"]`);
      await expect.poll(() => tile.getAttribute('data-via'), poll).toBe(mode);
      await expectFlowing(receiver, speakerId);
    }
  }, 180_000);

  it('should stop the speaker’s audio reaching anyone once the presenter mutes them, the video still flowing', async () => {
    await host.getByRole('button', { name: 'Mute: Sam Speaker' }).click();
    await expect.poll(() => host.getByTestId('stage-list').textContent(), poll).toContain('speaking, muted');
    for (const receiver of [attendees.first, attendees.second]) {
      await expectAudioStopped(receiver, speakerId);
      const before = await receivedFrom(receiver, speakerId);
      await expect.poll(async () => (await receivedFrom(receiver, speakerId)).framesDecoded, poll).toBeGreaterThan(before.framesDecoded);
      await expect.poll(() => receiver.getByTestId('speaker-tile').textContent(), poll).toContain('muted by a host');
    }
  }, 120_000);

  it('should send the speaker back to the audience: their tiles go everywhere', async () => {
    await host.getByRole('button', { name: 'Back to audience: Sam Speaker' }).click();
    for (const page of [host, attendees.first, attendees.second, attendees.speaker]) {
      await expect.poll(() => page.getByTestId('speaker-tile').count(), poll).toBe(0);
    }
    await expect.poll(() => attendees.speaker.getByTestId('raise-hand').isVisible(), poll).toBe(true);
  }, 60_000);
}

describe.skipIf(!chromium)('the stage on the star in Chromium', () => stageSuite('star'));
describe.skipIf(!janus)('the stage in an SFU room in Chromium', () => stageSuite('sfu'));
