// The presenter's publication on Janus in Chromium: VP9 SVC with layers Janus picks per attendee, and renewed
// TURN credentials reaching the SFU connections. Three pages, so it stays light on a busy machine.
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../managed/process.ts';
import { chromiumAvailable, freePort, launchBrowser, openPage, startServer, waitForDecodedFrames, type RunningServer } from './harness.ts';

const available = chromiumAvailable();
if (available && !findOnPath('janus')) throw new Error('janus is not installed (apt-get install janus; .ci/run does it)');
const poll = { timeout: 30_000, interval: 250 };

/** Short-lived TURN credentials (the least Podium allows): each page renews them every 30 s. No TURN server answers. */
const TURN_TTL_SECONDS = 60;

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
  turnExpiry: number | null;
  videoCodec: string;
  scalabilityMode: string;
}

/**
 * The page's open connections to Janus (the publisher sends three sendonly transceivers, a subscription
 * receives only), each with the expiry of the TURN username it holds now and what its camera sends.
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
      const username = pc.getConfiguration().iceServers?.find((s) => s.username)?.username;
      let videoCodec = '';
      let scalabilityMode = '';
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; codecId?: string; scalabilityMode?: string; bytesSent?: number }) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.bytesSent) return;
        videoCodec = (s.codecId ? (stats.get(s.codecId) as { mimeType?: string } | undefined)?.mimeType : undefined) ?? videoCodec;
        scalabilityMode = s.scalabilityMode ?? scalabilityMode;
      });
      out.push({ direction: publish ? 'publish' : 'subscribe', turnExpiry: username ? Number(username.split(':')[0]) : null, videoCodec, scalabilityMode });
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
    server = await startServer({
      env: {
        MEDIA_MODE: 'sfu',
        TURN_URLS: `turn:127.0.0.1:${await freePort()}`,
        TURN_SECRET: randomBytes(24).toString('base64url'),
        TURN_TTL_SECONDS: String(TURN_TTL_SECONDS),
      },
    });
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
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  it('should publish the camera as VP9 SVC (L3T3_KEY) and switch an attendee’s spatial layer down and back up', async () => {
    for (const page of attendees) await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
    await expect
      .poll(async () => (await sfuConnections(host)).filter((c) => c.direction === 'publish' && c.videoCodec), poll)
      .toEqual([expect.objectContaining({ videoCodec: 'video/VP9', scalabilityMode: 'L3T3_KEY' })]);
    const [ada] = attendees;
    await expect.poll(() => cameraWidth(ada!), poll).toBe(640);
    // Audio only, then back: the attendee resumes on the lowest spatial layer and climbs as its reports stay clean.
    await ada!.getByTestId('audio-only').check();
    await expect.poll(() => host.locator('[data-testid=sfu-layer][data-layer=audio-only]').count(), poll).toBe(1);
    await ada!.getByTestId('audio-only').uncheck();
    await expect.poll(() => cameraWidth(ada!), poll).toBe(160);
    await expect.poll(() => cameraWidth(ada!), { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(320);
    console.log(`e2e sfu-svc: the attendee came back at 160 px wide and rose to ${await cameraWidth(ada!)}`);
  }, 180_000);

  it('should hold renewed TURN credentials on the publisher’s and each subscriber’s connection past the first ones’ expiry', async () => {
    const alive = await host.evaluate(() => performance.now());
    const wait = (TURN_TTL_SECONDS + 15) * 1000 - alive;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now() / 1000;
    const found = { publish: 0, subscribe: 0 };
    for (const page of [host, ...attendees]) {
      for (const connection of await sfuConnections(page)) {
        found[connection.direction] += 1;
        console.log(`e2e sfu-svc: a ${connection.direction} connection's TURN username expires ${Math.round((connection.turnExpiry ?? 0) - now)} s from now`);
        expect(connection.turnExpiry).not.toBeNull();
        expect(connection.turnExpiry!).toBeGreaterThan(now);
      }
    }
    expect(found).toEqual({ publish: 1, subscribe: 2 });
  }, 150_000);
});
