// A large room in Chromium: star at first, Janus past the threshold, 12 attendees on the SFU, Janus killed mid-session.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../managed/process.ts';
import { childProcessNamed, KEEP_PEER_CONNECTIONS, launchBrowser, openPage, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium', 'janus');
const poll = { timeout: 30_000, interval: 250 };
// Two star attendees: a third encoder on the presenter page can strain its share of the two cores and move the room early.
const STAR_MAX = 2;
const ATTENDEES = 12;

/**
 * Camera at 640x480 and 15 fps: thirteen pages share two cores here. (Below 640x360 Chromium sends a single
 * simulcast layer; at 640x480 it sends two, from 1280x720 all three.)
 */
const SMALL_CAMERA = `
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) =>
    original(constraints && constraints.video ? { ...constraints, video: { width: 640, height: 480, frameRate: 15 } } : constraints);
`;

/** The longest stretch (ms) without a new decoded camera frame, from the moment it is installed; survives element swaps. */
const WATCH_VIDEO_GAPS = `
  window.__gap = { last: performance.now(), max: 0, key: '' };
  setInterval(() => {
    const video = document.querySelector('[data-testid=camera-video]');
    const key = video ? (video.srcObject ? video.srcObject.id : '') + ':' + video.getVideoPlaybackQuality().totalVideoFrames : '';
    const now = performance.now();
    if (key !== window.__gap.key && video && video.videoWidth > 0) {
      window.__gap.max = Math.max(window.__gap.max, now - window.__gap.last);
      window.__gap.last = now;
      window.__gap.key = key;
    }
  }, 40);
`;

/** Peer connections on the page that sent video in the last second, and the video streams each sent (rid, codec, SVC mode). */
function publishingConnections(
  page: Page,
): Promise<Array<{ videoStreams: number; rids: string[]; configuredRids: string[]; widths: number[]; limitedBy: string[]; codecs: string[]; modes: string[] }>> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
    type Sent = { bytes: number; rid: string; width: number; codec: string; mode: string; limitedBy: string };
    const sent = async (pc: RTCPeerConnection) => {
      const byId = new Map<string, Sent>();
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; id: string; bytesSent?: number; rid?: string; frameWidth?: number; codecId?: string; scalabilityMode?: string; qualityLimitationReason?: string }) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
        const codec = (s.codecId ? (stats.get(s.codecId) as { mimeType?: string } | undefined)?.mimeType : undefined) ?? '';
        byId.set(s.id, { bytes: s.bytesSent ?? 0, rid: s.rid ?? '', width: s.frameWidth ?? 0, codec, mode: s.scalabilityMode ?? '', limitedBy: s.qualityLimitationReason ?? '' });
      });
      return byId;
    };
    const before = await Promise.all(pcs.map(sent));
    await new Promise((r) => setTimeout(r, 1000));
    const after = await Promise.all(pcs.map(sent));
    // Sending now: bytes grew over the second. Configured: every layer the connection has, one that Chromium's CPU
    // adaptation paused on a busy machine included.
    return after
      .map((streams, i) => ({ all: [...streams.values()], growing: [...streams].filter(([id, s]) => s.bytes > (before[i]!.get(id)?.bytes ?? 0)).map(([, s]) => s) }))
      .filter(({ growing }) => growing.length > 0)
      .map(({ all, growing }) => ({
        videoStreams: growing.length,
        rids: growing.map((s) => s.rid).sort(),
        configuredRids: all.map((s) => s.rid).filter(Boolean).sort(),
        widths: growing.map((s) => s.width),
        limitedBy: [...new Set(all.map((s) => s.limitedBy))],
        codecs: [...new Set(growing.map((s) => s.codec))],
        modes: [...new Set(growing.map((s) => s.mode))],
      }));
  });
}

describe.skipIf(!available)('a large room on the SFU, in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  let joinLink = '';
  const attendees: Page[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { MEDIA_MODE: 'auto', STAR_MAX_ATTENDEES: String(STAR_MAX) } });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  async function join(name: string): Promise<Page> {
    const { context, page } = await openPage(browser, server.url);
    contexts.push(context);
    await page.addInitScript(WATCH_VIDEO_GAPS + KEEP_PEER_CONNECTIONS);
    await page.goto(joinLink);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
    attendees.push(page);
    return page;
  }

  it('should move the room to Janus at the threshold while every earlier attendee keeps its video', async () => {
    const opened = await openPage(browser, server.url);
    contexts.push(opened.context);
    host = opened.page;
    await host.addInitScript(SMALL_CAMERA + KEEP_PEER_CONNECTIONS);
    await host.goto('/');
    await host.getByLabel('Title').fill('All hands');
    await host.getByLabel('Your name').fill('Grace Hopper');
    await host.getByLabel('Max participants').fill('50');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    await expect.poll(() => host.getByTestId('media-mode').getAttribute('data-mode'), poll).toBe('star');

    for (let i = 1; i <= STAR_MAX; i += 1) {
      const page = await join(`Star ${i}`);
      await waitForDecodedFrames(page, '[data-testid=camera-video]');
      expect(await page.getByTestId('stage').getAttribute('data-via')).toBe('star');
    }
    // From here on, each earlier attendee's longest gap between frames is what the move costs it.
    for (const page of attendees) await page.evaluate(() => Object.assign((window as unknown as { __gap: { max: number } }).__gap, { max: 0 }));

    await join(`Star ${STAR_MAX + 1}`);
    await expect.poll(() => host.getByTestId('media-mode').getAttribute('data-mode'), poll).toBe('sfu');
    for (const page of attendees) await expect.poll(() => page.getByTestId('stage').getAttribute('data-via'), poll).toBe('sfu');
    for (const page of attendees) await waitForDecodedFrames(page, '[data-testid=camera-video]');
    const gaps = await Promise.all(attendees.slice(0, STAR_MAX).map((page) => page.evaluate(() => (window as unknown as { __gap: { max: number } }).__gap.max)));
    console.log(`e2e sfu: longest video gap of the star attendees across the move: ${gaps.map(Math.round).join(', ')} ms`);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(1000);

    // Janus forwards the layer Podium picked: a new attendee starts on the top one, the widest the presenter sends
    // (with the rids in the wrong order, "top" was the quarter-size layer).
    const widest = async () => Math.max(...(await publishingConnections(host)).flatMap((c) => c.widths));
    const decodedWidth = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=camera-video]')?.videoWidth ?? 0);
    await expect.poll(async () => (await decodedWidth(attendees.at(-1)!)) === (await widest()), poll).toBe(true);
    console.log(`e2e sfu: the newest attendee decodes ${await decodedWidth(attendees.at(-1)!)} px wide, the widest layer sent`);
  }, 180_000);

  it('should bring all 12 attendees the presenter’s video through Janus, from one publishing connection', async () => {
    for (let i = attendees.length + 1; i <= ATTENDEES; i += 1) await join(`Attendee ${i}`);
    for (const page of attendees) {
      await expect.poll(() => page.getByTestId('stage').getAttribute('data-via'), poll).toBe('sfu');
      await waitForDecodedFrames(page, '[data-testid=camera-video]');
    }
    // Offered no transport-cc, each attendee's browser estimates its own link, which Podium's layer choice reads.
    const estimate = (page: Page) =>
      page.evaluate(async () => {
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
          if (pc.connectionState !== 'connected' || !pc.getReceivers().some((r) => r.track.kind === 'video')) continue;
          for (const s of (await pc.getStats()).values()) {
            if (s.type === 'candidate-pair' && s.nominated && typeof s.availableIncomingBitrate === 'number') return s.availableIncomingBitrate as number;
          }
        }
        return 0;
      });
    const newest = attendees.at(-1)!;
    await expect.poll(() => estimate(newest), poll).toBeGreaterThan(0);
    console.log(`e2e sfu: the newest attendee's browser estimates its link at ${Math.round((await estimate(newest)) / 1000)} kbit/s`);
    // On loopback no link is full: an estimate near what arrives must never read as a link too small.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await host.locator('[data-testid=sfu-layer][data-reason=bandwidth]').count()).toBe(0);
    const publishing = await publishingConnections(host);
    expect(publishing).toHaveLength(1);
    // One camera in simulcast (the layers Chromium sends at 640x480), nothing else: the screen is not shared.
    console.log(`e2e sfu: the presenter sends ${JSON.stringify(publishing)}`);
    // Simulcast is set up with at least two layers; on a machine this busy Chromium may pause all but one of them.
    expect(publishing[0]!.configuredRids.length).toBeGreaterThanOrEqual(2);
    expect(publishing[0]!.rids.length).toBeGreaterThanOrEqual(1);
    for (const rid of publishing[0]!.configuredRids) expect(['q', 'h', 'f']).toContain(rid);
  }, 300_000);

  it('should have every attendee decoding again within 10 s after Janus is SIGKILLed, without a reload', async () => {
    const janus = childProcessNamed(server.pid(), 'janus');
    if (!janus) throw new Error('the server runs no janus');
    const before = await Promise.all(attendees.map((page) => page.evaluate(() => performance.now())));
    process.kill(janus, 'SIGKILL');
    const killedAt = Date.now();
    await Promise.all(
      attendees.map(async (page, i) => {
        // A new frame after the kill, on whatever video element the page shows now.
        await expect
          .poll(() => page.evaluate((t) => (window as unknown as { __gap: { last: number } }).__gap.last > t + 2000, before[i]!), {
            timeout: 10_000,
            interval: 250,
          })
          .toBe(true);
      }),
    );
    console.log(`e2e sfu: all ${attendees.length} attendees decoding again ${Date.now() - killedAt} ms after the SIGKILL`);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 60_000);

  it('should keep screen share, audio only, a presenter reload and the end of the room working on the SFU', async () => {
    const some = attendees.slice(0, 3);
    await host.getByTestId('share-screen').click();
    for (const page of some) await waitForDecodedFrames(page, '[data-testid=screen-video]');
    await host.getByTestId('share-screen').click();
    for (const page of some) await expect.poll(() => page.getByTestId('screen-video').count(), poll).toBe(0);

    const listener = attendees[0]!;
    await listener.getByTestId('audio-only').check();
    await expect.poll(() => listener.getByTestId('audio-only-stage').count(), poll).toBe(1);
    await expect.poll(() => host.locator('[data-testid=sfu-layer][data-layer=audio-only]').count(), poll).toBe(1);
    await listener.getByTestId('audio-only').uncheck();
    await waitForDecodedFrames(listener, '[data-testid=camera-video]');

    // The reloaded console publishes again; the attendees subscribe to the new feed by themselves.
    const reloadStarted = Date.now();
    await host.reload();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    const reloadedAt = await Promise.all(some.map((page) => page.evaluate(() => performance.now())));
    await Promise.all(
      some.map((page, i) =>
        expect
          // 16 s alone here, more on a busy machine: the reloaded console publishes anew and each attendee follows the new feed.
          .poll(() => page.evaluate((t) => (window as unknown as { __gap: { last: number } }).__gap.last > t, reloadedAt[i]!), { ...poll, timeout: 60_000 })
          .toBe(true),
      ),
    );
    console.log(`e2e sfu: ${some.length} attendees decoding the reloaded presenter ${Date.now() - reloadStarted} ms after the reload began`);

    const health = async () => ((await (await fetch(`${server.url}/api/health`)).json()) as { janus: Array<{ rooms: number }> }).janus;
    expect((await health())[0]!.rooms).toBe(1);
    try {
      await host.locator('button[aria-label="End session"]').click({ timeout: 60_000 });
      await host.locator('dialog[open]').getByRole('button', { name: 'End session' }).click();
    } catch (err) {
      // What the console showed instead, in the test's output.
      console.log(`e2e sfu: the console when End failed:\n${await host.locator('body').ariaSnapshot().catch(String)}`);
      throw err;
    }
    await expect.poll(async () => (await health())[0]!.rooms, poll).toBe(0);
  }, 180_000);
});
