// The presenter's publication on Janus in Chromium: VP9 SVC with the layers Janus picks per attendee.
// Three pages, so it stays light on a busy machine.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../testing/requires.ts';
import { launchBrowser, openPage, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';

const available = await requires('chromium', 'janus');
const poll = { timeout: 30_000, interval: 250 };

/** A 640x480 camera at 15 fps: its SVC layers are 160, 320 and 640 pixels wide. */
const SMALL_CAMERA = `
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) =>
    original(constraints && constraints.video ? { ...constraints, video: { width: 640, height: 480, frameRate: 15 } } : constraints);
`;

const KEEP_PEER_CONNECTIONS = `
  window.__pcs = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) { const pc = new Original(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Original.prototype;
  Object.assign(window.RTCPeerConnection, Original);
`;

interface SfuConnection {
  direction: 'publish' | 'subscribe';
  videoCodec: string;
  scalabilityMode: string;
}

/**
 * The page's open connections to Janus (the publisher sends three sendonly transceivers, a subscription
 * receives only), each with what its camera sends.
 */
function sfuConnections(page: Page): Promise<SfuConnection[]> {
  return page.evaluate(async () => {
    const out: SfuConnection[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.signalingState === 'closed') continue;
      const directions = pc.getTransceivers().map((t) => t.currentDirection ?? t.direction);
      const publish = directions.length === 3 && directions.every((d) => d === 'sendonly');
      const subscribe = directions.length > 0 && directions.every((d) => d === 'recvonly' || d === 'inactive');
      if (!publish && !subscribe) continue;
      let videoCodec = '';
      let scalabilityMode = '';
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; codecId?: string; scalabilityMode?: string; bytesSent?: number }) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.bytesSent) return;
        videoCodec = (s.codecId ? (stats.get(s.codecId) as { mimeType?: string } | undefined)?.mimeType : undefined) ?? videoCodec;
        scalabilityMode = s.scalabilityMode ?? scalabilityMode;
      });
      out.push({ direction: publish ? 'publish' : 'subscribe', videoCodec, scalabilityMode });
    }
    return out;
  });
}

const cameraWidth = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=camera-video]')?.videoWidth ?? 0);

describe.skipIf(!available)('the presenter’s publication on Janus, in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: Page;
  const attendees: Page[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { MEDIA_MODE: 'sfu' } });
    browser = await launchBrowser();
    const opened = await openPage(browser, server.url);
    contexts.push(opened.context);
    host = opened.page;
    await host.addInitScript(SMALL_CAMERA + KEEP_PEER_CONNECTIONS);
    await host.goto('/');
    await host.getByLabel('Title').fill('Layers');
    await host.getByLabel('Your name').fill('Grace Hopper');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    const joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    for (const name of ['Ada', 'Kai']) {
      const { context, page } = await openPage(browser, server.url);
      contexts.push(context);
      await page.addInitScript(KEEP_PEER_CONNECTIONS);
      await page.goto(joinLink);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      attendees.push(page);
    }
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should publish the camera as VP9 SVC (L3T3_KEY) and switch an attendee’s spatial layer down and back up', async () => {
    for (const page of attendees) await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
    // Chromium asks for L3T3_KEY and sends as many spatial layers as the camera's size allows (two at 640x480).
    await expect
      .poll(async () => (await sfuConnections(host)).filter((c) => c.direction === 'publish' && c.videoCodec), poll)
      .toEqual([expect.objectContaining({ videoCodec: 'video/VP9', scalabilityMode: expect.stringMatching(/^L[23]T3_KEY$/) })]);
    const mode = (await sfuConnections(host)).find((c) => c.direction === 'publish')!.scalabilityMode;
    const lowest = 640 / 2 ** (Number(mode[1]) - 1);
    const [ada] = attendees;
    await expect.poll(() => cameraWidth(ada!), poll).toBe(640);
    // Audio only, then back: the attendee resumes on the lowest spatial layer and climbs as its reports stay clean.
    await ada!.getByTestId('audio-only').check();
    await expect.poll(() => host.locator('[data-testid=sfu-layer][data-layer=audio-only]').count(), poll).toBe(1);
    await ada!.getByTestId('audio-only').uncheck();
    await expect.poll(() => cameraWidth(ada!), poll).toBe(lowest);
    await expect.poll(() => cameraWidth(ada!), { timeout: 60_000, interval: 250 }).toBeGreaterThan(lowest);
    console.log(`e2e sfu-svc: ${mode}; the attendee came back at ${lowest} px wide and rose to ${await cameraWidth(ada!)}`);
  }, 180_000);
});
