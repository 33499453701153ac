// The rtc layer alone in Chromium: two pages, two real RTCPeerConnections, signaling relayed by the test.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, ROOT } from './harness.ts';

const available = chromiumAvailable();
const poll = { timeout: 20_000, interval: 100 };
// Loopback is a secure context, so media devices work; the page itself is served by the test.
const PAGE_URL = 'http://127.0.0.1:9/rtc-test';

async function bundleRtc(): Promise<string> {
  const { build } = await import('vite');
  const result = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: `${ROOT}/e2e/rtc-entry.ts`, formats: ['iife'], name: 'PodiumRtc' },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const output of outputs) {
    if ('output' in output) return output.output[0].code;
  }
  throw new Error('the rtc bundle produced no code');
}

/** Sets up `window.peer` on a page; its signaling goes through `window.relay`, which the test forwards. */
const SETUP_PEER = (polite: boolean) => `(() => {
  window.reports = [];
  window.received = [];
  window.peer = PodiumRtc.makePeer({
    remoteId: ${polite ? "'presenter'" : "'attendee'"},
    polite: ${polite},
    iceServers: [],
    statsIntervalMs: 500,
    signaling: {
      description: (_t, d) => window.relay('description', d),
      candidate: (_t, c) => window.relay('candidate', c),
      control() {},
      report: (r) => window.reports.push(r),
    },
  });
  window.peer.on('track', (e) => window.received.push(e.track.kind));
  // Counts offers that arrive while this side has its own offer out: glare actually happened.
  window.collisions = 0;
  const handle = window.peer.handleDescription;
  window.peer.handleDescription = (d) => {
    if (d.type === 'offer' && window.peer.pc.signalingState === 'have-local-offer') window.collisions += 1;
    return handle(d);
  };
})()`;

const linkState = (page: Page) =>
  page.evaluate(`({ state: window.peer.state(), signaling: window.peer.pc.signalingState, transceivers: window.peer.pc.getTransceivers().length })`) as Promise<{
    state: string;
    signaling: string;
    transceivers: number;
  }>;

describe.skipIf(!available)('the rtc layer in Chromium', () => {
  let browser: Browser;
  let presenter: Page;
  let attendee: Page;
  let relayed = 0;
  let closing = false;

  beforeAll(async () => {
    const code = await bundleRtc();
    browser = await launchBrowser();
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    await context.route(PAGE_URL, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>rtc</title>' }));
    presenter = await context.newPage();
    attendee = await context.newPage();
    for (const page of [presenter, attendee]) {
      await page.goto(PAGE_URL);
      await page.addScriptTag({ content: code });
    }
    // Each direction is one ordered queue, as a socket would be.
    const forward = (to: () => Page) => {
      let queue: Promise<unknown> = Promise.resolve();
      return (kind: string, payload: unknown) => {
        relayed += 1;
        queue = queue.then(() =>
          to().evaluate(
            ([k, p]) => {
              const peer = (window as unknown as { peer: { handleDescription(d: unknown): Promise<void>; handleCandidate(c: unknown): Promise<void> } }).peer;
              return k === 'description' ? peer.handleDescription(p) : peer.handleCandidate(p);
            },
            [kind, payload] as const,
          ),
        ).catch((err: unknown) => {
          // Messages still in flight when the pages close have nowhere to go.
          if (!closing) throw err;
        });
      };
    };
    await presenter.exposeFunction('relay', forward(() => attendee));
    await attendee.exposeFunction('relay', forward(() => presenter));
    await presenter.evaluate(SETUP_PEER(false));
    await attendee.evaluate(SETUP_PEER(true));
  }, 180_000);

  afterAll(async () => {
    closing = true;
    for (const page of [presenter, attendee]) await page?.evaluate('window.peer.close()').catch(() => {});
    await browser?.close();
  });

  it('should connect, prefer VP9 for the camera and report the time it took', async () => {
    await presenter.evaluate(`(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      const transceiver = window.peer.pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
      PodiumRtc.preferCodecs(transceiver, 'video');
    })()`);
    await expect.poll(async () => (await linkState(attendee)).state, poll).toBe('connected');
    await expect.poll(async () => (await linkState(presenter)).state, poll).toBe('connected');
    expect(await attendee.evaluate('window.received')).toEqual(['video']);
    const report = (await presenter.evaluate('window.reports[0]')) as { outcome: string; timeToConnectMs: number; peerId: string };
    expect(report).toMatchObject({ outcome: 'connected', peerId: 'attendee' });
    expect(report.timeToConnectMs).toBeGreaterThan(0);
    const codec = () =>
      presenter.evaluate(`(async () => {
        const stats = [...(await window.peer.pc.getStats()).values()];
        const outbound = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video' && s.codecId);
        return outbound ? stats.find((s) => s.id === outbound.codecId).mimeType : null;
      })()`);
    await expect.poll(codec, poll).toBe('video/VP9');
  });

  it('should settle renegotiations started by both sides at once, round after round', async () => {
    for (let round = 1; round <= 5; round++) {
      // Both sides want a new transceiver at the same moment: the classic glare.
      await Promise.all([
        presenter.evaluate(`window.peer.pc.addTransceiver('audio', { direction: 'sendrecv' })`),
        attendee.evaluate(`window.peer.pc.addTransceiver('video', { direction: 'sendrecv' })`),
      ]);
      await expect
        .poll(async () => [await linkState(presenter), await linkState(attendee)], poll)
        .toEqual([
          { state: 'connected', signaling: 'stable', transceivers: 1 + 2 * round },
          { state: 'connected', signaling: 'stable', transceivers: 1 + 2 * round },
        ]);
    }
    expect(relayed).toBeGreaterThan(0);
    const collisions = Number(await presenter.evaluate('window.collisions')) + Number(await attendee.evaluate('window.collisions'));
    console.log(`e2e: rtc glare rounds: 5, offers that collided: ${collisions}`);
    // Both sides offering at once must really have happened, or this test proved nothing about glare.
    expect(collisions).toBeGreaterThan(0);
  });

  it('should come back connected after an ICE restart with new credentials', async () => {
    const ufrag = () => presenter.evaluate(`/a=ice-ufrag:(\\S+)/.exec(window.peer.pc.localDescription.sdp)[1]`);
    const before = await ufrag();
    await presenter.evaluate('window.peer.restartIce()');
    await expect.poll(ufrag, poll).not.toBe(before);
    await expect.poll(async () => (await linkState(presenter)).state, poll).toBe('connected');
    await expect.poll(async () => (await linkState(attendee)).state, poll).toBe('connected');
  });

  it('should sample stats while connected', async () => {
    await expect
      .poll(() => presenter.evaluate(`(window.peer.lastSample() || { outgoingBps: 0 }).outgoingBps`), poll)
      .toBeGreaterThan(0);
    expect(await presenter.evaluate(`window.peer.lastSample().rttMs`)).not.toBeNull();
  });
});
