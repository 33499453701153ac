// Part of the sfu benchmark: the same room through Podium's UI as a star and on Janus, presenter cost and attendee video.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitForDecodedFrames } from '../e2e/harness.ts';
import { launchChromium } from './lib/browser.ts';
import { startPodium } from './lib/podium.ts';
import { round, summarize } from './lib/stats.ts';
import { secondsLeft, type BenchContext, type Cell } from './lib/types.ts';

/** Every RTCPeerConnection the presenter's page makes, for summing what it encodes and sends. */
const KEEP_PEER_CONNECTIONS = `
  window.__pcs = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) { const pc = new Original(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Original.prototype;
  Object.assign(window.RTCPeerConnection, Original);
`;

interface Sender {
  encodeSeconds: number;
  bytesSent: number;
}

function presenterTotals(page: Page): Promise<Sender> {
  return page.evaluate(async () => {
    let encodeSeconds = 0;
    let bytesSent = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; totalEncodeTime?: number; bytesSent?: number }) => {
        if (s.type !== 'outbound-rtp') return;
        encodeSeconds += s.totalEncodeTime ?? 0;
        bytesSent += s.bytesSent ?? 0;
      });
    }
    return { encodeSeconds, bytesSent };
  });
}

const cameraFrames = (page: Page) =>
  page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=camera-video]')?.getVideoPlaybackQuality().totalVideoFrames ?? 0);

export interface ModeStep {
  mode: 'star' | 'sfu';
  attendees: number;
  encodeMsPerS: number;
  uploadMbps: number;
  receivedFpsP50: number;
  firstFrameP50: number;
  firstFrameP95: number;
}

/** One mode's ramp: presenter through the Home form, attendees through the join link, measured after each step. */
async function rampMode(ctx: BenchContext, browser: Browser, mode: 'star' | 'sfu', ramp: number[], windowMs: number): Promise<ModeStep[]> {
  const server = await startPodium({ env: { MEDIA_MODE: mode } });
  const steps: ModeStep[] = [];
  const contexts: BrowserContext[] = [];
  try {
    const presenterContext = await browser.newContext({ baseURL: server.base, permissions: ['camera', 'microphone'] });
    contexts.push(presenterContext);
    const host = await presenterContext.newPage();
    await host.addInitScript(KEEP_PEER_CONNECTIONS);
    await host.goto('/');
    await host.getByLabel('Title').fill(`sfu bench, ${mode}`);
    await host.getByLabel('Your name').fill('Presenter');
    await host.getByLabel('Max participants').fill('100');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/host$/);
    const joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    const attendees: Page[] = [];
    for (const target of ramp) {
      if (ctx.size === 'full' && secondsLeft(ctx) < 90) break;
      const firstFrames: number[] = [];
      while (attendees.length < target) {
        const context = await browser.newContext({ baseURL: server.base });
        contexts.push(context);
        const page = await context.newPage();
        await page.goto(joinLink);
        await page.getByLabel('Your name').fill(`Attendee ${attendees.length + 1}`);
        const clicked = performance.now();
        await page.getByRole('button', { name: 'Join' }).click();
        await waitForDecodedFrames(page, '[data-testid=camera-video]', 60_000);
        firstFrames.push(performance.now() - clicked);
        attendees.push(page);
      }
      const [sentBefore, framesBefore] = [await presenterTotals(host), await Promise.all(attendees.map(cameraFrames))];
      await new Promise((r) => setTimeout(r, windowMs));
      const [sentAfter, framesAfter] = [await presenterTotals(host), await Promise.all(attendees.map(cameraFrames))];
      const seconds = windowMs / 1000;
      // A page whose video element was swapped (the move to the SFU) restarts its count: those samples are left out.
      const fps = framesAfter.map((f, i) => (f - framesBefore[i]!) / seconds).filter((f) => f >= 0);
      const joins = summarize(firstFrames);
      steps.push({
        mode,
        attendees: target,
        encodeMsPerS: ((sentAfter.encodeSeconds - sentBefore.encodeSeconds) * 1000) / seconds,
        uploadMbps: ((sentAfter.bytesSent - sentBefore.bytesSent) * 8) / seconds / 1e6,
        receivedFpsP50: summarize(fps).p50,
        firstFrameP50: joins.p50,
        firstFrameP95: joins.p95,
      });
      ctx.log(`sfu: ${mode}, ${target} attendees measured`);
    }
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await server.stop();
  }
  return steps;
}

export async function starVersusSfu(ctx: BenchContext): Promise<{ rows: Cell[][]; steps: ModeStep[] }> {
  const ramp = ctx.size === 'tiny' ? [1] : [1, 5, 10];
  const windowMs = ctx.size === 'tiny' ? 2_000 : 5_000;
  const browser = await launchChromium();
  const steps: ModeStep[] = [];
  try {
    for (const mode of ['star', 'sfu'] as const) steps.push(...(await rampMode(ctx, browser, mode, ramp, windowMs)));
  } finally {
    await browser.close();
  }
  const rows = steps.map((s) => [
    s.mode,
    s.attendees,
    Math.round(s.encodeMsPerS),
    round(s.uploadMbps, 2),
    round(s.receivedFpsP50, 1),
    Math.round(s.firstFrameP50),
    Math.round(s.firstFrameP95),
  ]);
  return { rows, steps };
}
