// Part of the sfu benchmark: the same room through Podium's UI as a star and on Janus, presenter cost and attendee video.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitForDecodedFrames } from '../e2e/harness.ts';
import { launchChromium } from './lib/browser.ts';
import { cpuMeter } from './lib/machine.ts';
import { joinRoom, startPodium } from './lib/podium.ts';
import { killPeers, startPeer, type TestPeer } from '../signaling/testing-sfu.ts';
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

/** The wall clock as a pixel code (bench/pages/clock-code.js), shared with the star pages of `webrtc`. */
const CLOCK_CODE = readFileSync(new URL('./pages/clock-code.js', import.meta.url), 'utf8');

/**
 * The presenter's camera is a 1280x720 canvas at 30 frames/s with the clock painted along its top (and moving
 * content below it), so attendees can read glass-to-glass latency from each frame. Chromium's fake camera
 * delivers 20 frames/s whatever is asked, which would cap every received rate at 20. The microphone stays real.
 */
const CLOCK_CAMERA = `${CLOCK_CODE}
  const originalGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const audio = constraints && constraints.audio ? await originalGetUserMedia({ audio: constraints.audio }) : null;
    if (!constraints || !constraints.video) return audio;
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH * 2;
    canvas.height = HEIGHT * 2;
    const ctx = canvas.getContext('2d');
    let tick = 0;
    const paint = () => {
      ctx.fillStyle = 'hsl(' + (tick % 360) + ' 60% 40%)';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#fff';
      ctx.fillRect((tick * 14) % canvas.width, 240 + ((tick * 6) % 400), 160, 80);
      ctx.save();
      ctx.scale(2, 2);
      paintCode(ctx, clock());
      ctx.restore();
      tick++;
    };
    setInterval(paint, 1000 / 60);
    paint();
    const [video] = canvas.captureStream(30).getVideoTracks();
    return new MediaStream([...(audio ? audio.getAudioTracks() : []), video]);
  };
`;

/** Every attendee page reads the clock from each decoded camera frame while \`window.__glass.measuring\`. */
const READ_CLOCK = `${CLOCK_CODE}
  window.__glass = { measuring: false, samples: [], unreadable: 0 };
  const strip = codeStrip();
  setInterval(() => {
    const video = document.querySelector('[data-testid=camera-video]');
    if (!video || video.__clockWatched) return;
    video.__clockWatched = true;
    const onFrame = () => {
      if (window.__glass.measuring && video.videoWidth) {
        const latency = frameLatency(video, strip);
        if (latency === null) window.__glass.unreadable++;
        else window.__glass.samples.push(latency);
      }
      if (video.isConnected) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }, 100);
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

/** What the presenter's page encoded, sent and how fast its camera went over a window of `seconds`. */
function presenterWindow(sent: [Sender, Sender], camera: [{ framesSent: number; limitedBy: string }, { framesSent: number; limitedBy: string }], seconds: number) {
  return {
    encodeMsPerS: ((sent[1].encodeSeconds - sent[0].encodeSeconds) * 1000) / seconds,
    uploadMbps: ((sent[1].bytesSent - sent[0].bytesSent) * 8) / seconds / 1e6,
    sentFps: (camera[1].framesSent - camera[0].framesSent) / seconds,
    limitedBy: camera[1].limitedBy,
  };
}

const cameraFrames = (page: Page) =>
  page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid=camera-video]')?.getVideoPlaybackQuality().totalVideoFrames ?? 0);

/** Attendees as Chromium pages through the UI, or as light Node subscribers (`measure`: they read the clock, report stats). */
export type Audience = 'chromium' | 'light' | 'receivers';

/**
 * With `receivers`: this many attendees decode and read the clock (glass-to-glass); the others only receive. One:
 * each decoder takes 0.15–0.2 of a core, and on 2 cores at 25 attendees the machine is what the figures measure.
 */
const DECODING_RECEIVERS = 1;

/** The niceness of the receivers that do not measure, once they receive. */
const RECEIVER_NICENESS = 10;

/** Every thread of `pid` at RECEIVER_NICENESS (Linux's niceness is per thread); a process gone meanwhile is skipped. */
function lowerPriority(pid: number): void {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), RECEIVER_NICENESS);
  } catch {
    // It exited: nothing to lower.
  }
}

export interface ModeStep {
  mode: 'star' | 'sfu';
  audience: Audience;
  /** The frame sizes the attendees received at the end of the window (light subscribers), most common first. */
  sizes: string;
  /** CPU per light attendee process (receive and decode), ms per s, median; null for Chromium attendees. */
  attendeeCpuMsPerS: number | null;
  /** How busy the whole machine was over the window (0–1). */
  machineBusy: number;
  attendees: number;
  encodeMsPerS: number;
  uploadMbps: number;
  receivedFpsP50: number;
  /** The attendee that received least over the window. */
  receivedFpsMin: number;
  firstFrameP50: number;
  firstFrameP95: number;
  /** Attendees of this step that never showed a frame within JOIN_TIMEOUT_MS. */
  noFrame: number;
  glassP50: number;
  glassP95: number;
  /** The presenter's sent camera frame rate, and what its encoder said limited it. */
  sentFps: number;
  limitedBy: string;
}

const JOIN_TIMEOUT_MS = 30_000;

/** The presenter's camera as sent: frames per second of its top layer, and the quality limitation reason. */
function presenterCamera(page: Page): Promise<{ framesSent: number; limitedBy: string; layers: Record<string, { frames: number; width: number }> }> {
  return page.evaluate(async () => {
    let framesSent = 0;
    const reasons = new Set<string>();
    const layers: Record<string, { frames: number; width: number }> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesSent?: number; qualityLimitationReason?: string; frameWidth?: number; rid?: string }) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.framesSent) return;
        // The largest encoding of each connection: its frame count is the camera's sent rate.
        framesSent = Math.max(framesSent, s.framesSent);
        if (s.rid) layers[s.rid] = { frames: s.framesSent, width: s.frameWidth ?? 0 };
        if (s.qualityLimitationReason) reasons.add(s.qualityLimitationReason);
      });
    }
    return { framesSent, limitedBy: [...reasons].sort().join('+') || 'none', layers };
  });
}

/** "f 1280 30 fps, h 640 30 fps, q 320 15 fps": each simulcast layer's width and sent rate over a window. */
function layerRates(before: Record<string, { frames: number }>, after: Record<string, { frames: number; width: number }>, seconds: number): string {
  return Object.entries(after)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rid, l]) => `${rid} ${l.width} ${Math.round((l.frames - (before[rid]?.frames ?? 0)) / seconds)} fps`)
    .join(', ');
}

const glassSamples = (page: Page) =>
  page.evaluate(() => {
    const glass = (window as unknown as { __glass: { samples: number[] } }).__glass;
    return glass.samples.splice(0);
  });

const setMeasuring = (page: Page, measuring: boolean) =>
  page.evaluate((on) => {
    (window as unknown as { __glass: { measuring: boolean } }).__glass.measuring = on;
  }, measuring);

/** A light subscriber's facts over a window: frames decoded, glass samples, and the frame size it ended on. */
function lightWindow(peer: TestPeer, from: number, to: number): { frames: number; glass: number[]; size: string; cpuMsPerS: number } {

  const inWindow = peer.facts.filter((f) => f.event === 'frames' && f.at >= from && f.at <= to);
  const first = inWindow[0];
  const last = inWindow.at(-1);
  return {
    frames: first && last ? ((last.frames as number) - (first.frames as number)) / Math.max(0.001, (last.at - first.at) / 1000) : 0,
    glass: inWindow.slice(1).flatMap((f) => (f.glass as number[] | undefined) ?? []),
    size: last?.size ? `${last.size as string} (${(last.layer as string | undefined) || 'high'})` : '',
    cpuMsPerS: first && last ? ((last.cpuMs as number) - (first.cpuMs as number)) / Math.max(0.001, (last.at - first.at) / 1000) : 0,
  };
}

/** "640x360 ×20, 320x180 ×5": how many attendees ended the window on each frame size. */
function sizeCounts(sizes: string[]): string {
  const counts = new Map<string, number>();
  for (const size of sizes) if (size) counts.set(size, (counts.get(size) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([size, n]) => `${size} ×${n}`).join(', ');
}

/**
 * One mode's ramp: presenter through the Home form, attendees through the join link (or, `light`, joined over REST
 * and subscribed by a Node WebRTC process each), measured after each step.
 */
export async function rampMode(ctx: BenchContext, browser: Browser, mode: 'star' | 'sfu', ramp: number[], windowMs: number, audience: Audience = 'chromium'): Promise<ModeStep[]> {
  const server = await startPodium({ env: { MEDIA_MODE: mode } });
  const steps: ModeStep[] = [];
  const contexts: BrowserContext[] = [];
  try {
    const presenterContext = await browser.newContext({ baseURL: server.base, permissions: ['camera', 'microphone'] });
    contexts.push(presenterContext);
    const host = await presenterContext.newPage();
    await host.addInitScript(KEEP_PEER_CONNECTIONS + CLOCK_CAMERA);
    await host.goto('/');
    await host.getByLabel('Title').fill(`sfu bench, ${mode}`);
    await host.getByLabel('Your name').fill('Presenter');
    await host.getByLabel('Max participants').fill('100');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/host$/);
    const joinLink = await host.getByTestId('join-link').inputValue();
    await waitForDecodedFrames(host, '[data-testid=local-preview]');
    const attendees: Page[] = [];
    const light: TestPeer[] = [];
    const slug = new URL(joinLink).pathname.split('/').filter(Boolean).at(-1)!;
    let noFrame = 0;
    for (const target of ramp) {
      if (ctx.size === 'full' && secondsLeft(ctx) < 90) {
        ctx.log(`sfu: ${mode}, the time budget ran out before ${target} attendees`);
        break;
      }
      const firstFrames: number[] = [];
      if (audience !== 'chromium') {
        // Joined over REST, then one Node process each: socket connect → subscribe → first decoded (or received) frame.
        while (light.length < target) {
          const joined = await joinRoom(server.base, slug, `Attendee ${light.length + 1}`);
          const decodes = audience === 'light' || light.length < DECODING_RECEIVERS;
          const peer = decodes ? startPeer(server.base, joined.token, 'subscribe', true) : startPeer(server.base, joined.token, 'receive');
          light.push(peer);
          try {
            const connected = await peer.waitFor((f) => f.event === 'connected', JOIN_TIMEOUT_MS);
            const frame = await peer.waitFor((f) => f.event === 'first-frame', JOIN_TIMEOUT_MS);
            firstFrames.push(frame.at - connected.at);
            // Joined and receiving, a receiver that does not measure is only load, standing in for an attendee on
            // a machine of its own: it yields to the presenter's page, Janus, Podium and the one that measures.
            if (!decodes && peer.pid !== undefined) lowerPriority(peer.pid);
          } catch {
            noFrame += 1;
          }
        }
        // Two stats reports, so each subscriber is on the layer Podium picks for it, then the window.
        await new Promise((r) => setTimeout(r, 4_500));
        const busy = cpuMeter();
        const from = Date.now();
        const [sentBefore, cameraBefore] = [await presenterTotals(host), await presenterCamera(host)];
        await new Promise((r) => setTimeout(r, windowMs + 1_100));
        const [sentAfter, cameraAfter] = [await presenterTotals(host), await presenterCamera(host)];
        const to = Date.now();
        const windows = light.map((peer) => lightWindow(peer, from, to));
        const seconds = (to - from) / 1000;
        const glass = summarize(windows.flatMap((w) => w.glass));
        const joins = summarize(firstFrames);
        steps.push({
          mode,
          audience,
          sizes: sizeCounts(windows.map((w) => w.size)),
          attendeeCpuMsPerS: summarize(windows.map((w) => w.cpuMsPerS)).p50,
          machineBusy: busy(),
          attendees: target,
          ...presenterWindow([sentBefore, sentAfter], [cameraBefore, cameraAfter], seconds),
          receivedFpsP50: summarize(windows.map((w) => w.frames)).p50,
          receivedFpsMin: Math.min(...windows.map((w) => w.frames)),
          firstFrameP50: joins.p50,
          firstFrameP95: joins.p95,
          noFrame,
          glassP50: glass.p50,
          glassP95: glass.p95,
        });
        ctx.log(`sfu: ${mode}, ${target} light attendees measured; the presenter sent ${layerRates(cameraBefore.layers, cameraAfter.layers, seconds)}`);
        continue;
      }
      while (attendees.length < target) {
        const context = await browser.newContext({ baseURL: server.base });
        contexts.push(context);
        const page = await context.newPage();
        await page.addInitScript(READ_CLOCK);
        await page.goto(joinLink);
        await page.getByLabel('Your name').fill(`Attendee ${attendees.length + 1}`);
        const clicked = performance.now();
        await page.getByRole('button', { name: 'Join' }).click();
        try {
          await waitForDecodedFrames(page, '[data-testid=camera-video]', JOIN_TIMEOUT_MS);
          firstFrames.push(performance.now() - clicked);
        } catch {
          // A star past what the machine can encode leaves late joiners without a frame: counted, not fatal.
          noFrame += 1;
        }
        attendees.push(page);
      }
      await Promise.all(attendees.map((page) => setMeasuring(page, true)));
      const busy = cpuMeter();
      const [sentBefore, cameraBefore, framesBefore] = [await presenterTotals(host), await presenterCamera(host), await Promise.all(attendees.map(cameraFrames))];
      await new Promise((r) => setTimeout(r, windowMs));
      const [sentAfter, cameraAfter, framesAfter] = [await presenterTotals(host), await presenterCamera(host), await Promise.all(attendees.map(cameraFrames))];
      await Promise.all(attendees.map((page) => setMeasuring(page, false)));
      const glass = summarize((await Promise.all(attendees.map(glassSamples))).flat());
      const seconds = windowMs / 1000;
      // A page whose video element was swapped (the move to the SFU) restarts its count: those samples are left out.
      const fps = framesAfter.map((f, i) => (f - framesBefore[i]!) / seconds).filter((f) => f >= 0);
      const joins = summarize(firstFrames);
      steps.push({
        mode,
        audience,
        sizes: '',
        attendeeCpuMsPerS: null,
        machineBusy: busy(),
        attendees: target,
        ...presenterWindow([sentBefore, sentAfter], [cameraBefore, cameraAfter], seconds),
        receivedFpsP50: summarize(fps).p50,
        receivedFpsMin: fps.length ? Math.min(...fps) : 0,
        firstFrameP50: joins.p50,
        firstFrameP95: joins.p95,
        noFrame,
        glassP50: glass.p50,
        glassP95: glass.p95,
      });
      ctx.log(`sfu: ${mode}, ${target} attendees measured`);
    }
  } finally {
    killPeers();
    for (const context of contexts) await context.close().catch(() => {});
    await server.stop();
  }
  return steps;
}

export async function starVersusSfu(ctx: BenchContext): Promise<{ rows: Cell[][]; steps: ModeStep[] }> {
  const ramp = ctx.size === 'tiny' ? [1] : [1, 5, 10, 25];
  const windowMs = ctx.size === 'tiny' ? 2_000 : 5_000;
  const browser = await launchChromium();
  const steps: ModeStep[] = [];
  try {
    for (const mode of ['star', 'sfu'] as const) steps.push(...(await rampMode(ctx, browser, mode, ramp, windowMs)));
    // The goals at 25 through the SFU, with attendees light enough that 2 cores can hold 25 of them beside the presenter.
    steps.push(...(await rampMode(ctx, browser, 'sfu', ramp, windowMs, 'light')));
    // What the SFU delivers when the attendees' own decoding is not on this machine: all but one only receive.
    steps.push(...(await rampMode(ctx, browser, 'sfu', ramp, windowMs, 'receivers')));
  } finally {
    await browser.close();
  }
  const rows = steps.map((s) => [
    s.mode,
    s.audience === 'light' ? 'Node, decoding' : s.audience === 'receivers' ? `Node, ${DECODING_RECEIVERS} decoding, others receiving` : 'Chromium',
    s.attendees,
    Math.round(s.encodeMsPerS),
    round(s.uploadMbps, 2),
    round(s.sentFps, 1),
    s.limitedBy,
    round(s.receivedFpsP50, 1),
    round(s.receivedFpsMin, 1),
    s.sizes || null,
    s.attendeeCpuMsPerS === null ? null : Math.round(s.attendeeCpuMsPerS),
    round(s.machineBusy * 100),
    round(s.firstFrameP50, 0),
    round(s.firstFrameP95, 0),
    s.noFrame,
    round(s.glassP50, 0),
    round(s.glassP95, 0),
  ]);
  return { rows, steps };
}
