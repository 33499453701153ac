// The rtc layer alone in Chromium: two pages, two real RTCPeerConnections, signaling relayed by the test.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, ROOT, waitForDecodedFrames } from './harness.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium');
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
  window.relayed = 0;
  window.deliver = (kind, payload) => {
    window.relayed += 1;
    return kind === 'description' ? window.peer.handleDescription(payload) : window.peer.handleCandidate(payload);
  };
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

let browser: Browser;
let bundle = '';

/** Two bare pages with the rtc bundle; `window.relay(kind, payload)` on one calls `window.deliver` on the other. */
async function pagePair(isClosing: () => boolean): Promise<[Page, Page]> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  await context.route(PAGE_URL, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>rtc</title>' }));
  const pages = [await context.newPage(), await context.newPage()] as [Page, Page];
  for (const page of pages) {
    await page.goto(PAGE_URL);
    await page.addScriptTag({ content: bundle });
  }
  // Each direction is one ordered queue, as a socket would be.
  const forward = (to: Page) => {
    let queue: Promise<unknown> = Promise.resolve();
    return (kind: string, payload: unknown) => {
      queue = queue
        .then(() => to.evaluate(`window.deliver(${JSON.stringify(kind)}, ${JSON.stringify(payload ?? null)})`))
        .catch((err: unknown) => {
          // Messages still in flight when the pages close have nowhere to go.
          if (!isClosing()) throw err;
        });
    };
  };
  await pages[0].exposeFunction('relay', forward(pages[1]));
  await pages[1].exposeFunction('relay', forward(pages[0]));
  return pages;
}

beforeAll(async () => {
  if (!available) return;
  bundle = await bundleRtc();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!available)('the rtc peer in Chromium', () => {
  let presenter: Page;
  let attendee: Page;
  let closing = false;

  beforeAll(async () => {
    [presenter, attendee] = await pagePair(() => closing);
    await presenter.evaluate(SETUP_PEER(false));
    await attendee.evaluate(SETUP_PEER(true));
  }, 60_000);

  afterAll(async () => {
    closing = true;
    for (const page of [presenter, attendee]) await page?.evaluate('window.peer.close()').catch(() => {});
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
    expect(Number(await attendee.evaluate('window.relayed'))).toBeGreaterThan(0);
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

describe.skipIf(!available)('the presenter hub and the attendee link in Chromium', () => {
  let presenter: Page;
  let attendee: Page;
  let closing = false;

  const view = () => presenter.evaluate(`window.views.at(-1)`) as Promise<{ state: string; videoPaused: string | null } | undefined>;
  const encodings = () =>
    presenter.evaluate(`window.hubSenders().map((s) => { const e = s.getParameters().encodings[0]; return e ? { maxBitrate: e.maxBitrate, active: e.active } : null; })`) as Promise<
      Array<{ maxBitrate: number; active: boolean } | null>
    >;
  const controls = () => attendee.evaluate(`window.controls.map((c) => c.action + ':' + (c.reason || ''))`) as Promise<string[]>;

  beforeAll(async () => {
    [presenter, attendee] = await pagePair(() => closing);
    await presenter.evaluate(`(async () => {
      window.views = [];
      // A copy the test can change while the hub runs: the guard reads it on every sample.
      window.thresholds = { ...PodiumRtc.DEFAULT_THRESHOLDS };
      const signaling = {
        description: (_t, d) => window.relay('description', d),
        candidate: (_t, c) => window.relay('candidate', c),
        control: (_t, action, reason) => window.relay('control', { action, reason }),
        stageFeeds() {},
        report() {},
      };
      window.hub = PodiumRtc.makePresenterHub({ signaling, iceServers: [], thresholds: window.thresholds });
      window.hub.on('peer', ({ view }) => view && window.views.push(view));
      window.remoteAudio = 0;
      window.hub.on('remote-audio', ({ stream }) => stream && (window.remoteAudio += 1));
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      await window.hub.setTracks({ audio: stream.getAudioTracks()[0], camera: stream.getVideoTracks()[0] });
      window.deliver = (kind, payload) =>
        kind === 'description' ? window.hub.handleDescription('attendee', payload)
        : kind === 'candidate' ? window.hub.handleCandidate('attendee', payload)
        : window.hub.handleControl('attendee', payload.action);
    })()`);
    // The hub keeps its peers private; the senders are reachable through the page's connections.
    await presenter.evaluate(`(() => {
      const connections = [];
      const Original = window.RTCPeerConnection;
      window.hubConnection = () => connections.at(-1);
      // The presenter's own camera and screen: its first three transceivers are its audio, camera and screen; those after
      // them carry the stage (an attendee's camera toward it, the speakers it forwards).
      window.hubSenders = () => connections.at(-1).getTransceivers().slice(0, 3).filter((t) => t.receiver.track.kind === 'video').map((t) => t.sender);
      window.RTCPeerConnection = function (...args) { const pc = new Original(...args); connections.push(pc); return pc; };
      window.RTCPeerConnection.prototype = Original.prototype;
    })()`);
    await attendee.evaluate(`(() => {
      window.controls = [];
      const signaling = {
        description: (_t, d) => window.relay('description', d),
        candidate: (_t, c) => window.relay('candidate', c),
        control: (_t, action, reason) => window.relay('control', { action, reason }),
        stageFeeds() {},
        report() {},
      };
      window.link = PodiumRtc.makeAttendeeLink({ presenterId: 'presenter', signaling, iceServers: [] });
      window.link.on('control', (c) => window.controls.push(c));
      window.link.on('media', (m) => {
        if (!m.camera) return;
        const video = document.querySelector('video') || document.body.appendChild(document.createElement('video'));
        video.muted = true;
        video.srcObject = m.camera;
        video.play().catch(() => {});
      });
      window.deliver = (kind, payload) =>
        kind === 'description' ? window.link.handleDescription('presenter', payload)
        : kind === 'candidate' ? window.link.handleCandidate('presenter', payload)
        : window.link.handleControl('presenter', payload.action, payload.reason);
      window.link.hello();
    })()`);
  }, 60_000);

  afterAll(async () => {
    closing = true;
    await presenter?.evaluate('window.hub.close()').catch(() => {});
    await attendee?.evaluate('window.link.close()').catch(() => {});
  });

  it('should start a peer when the attendee says it is ready and deliver the camera', async () => {
    await expect.poll(async () => (await view())?.state, poll).toBe('connected');
    await waitForDecodedFrames(attendee, 'video');
  });

  it("should carry the attendee's microphone to the presenter after a renegotiation the attendee starts", async () => {
    await attendee.evaluate(`(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      await window.link.setMicrophone(stream.getAudioTracks()[0]);
    })()`);
    await expect.poll(() => presenter.evaluate('window.remoteAudio'), poll).toBe(1);
    const audioBytes = () =>
      presenter.evaluate(`(async () => {
        const stats = [...(await window.hubConnection().getStats()).values()];
        return stats.filter((s) => s.type === 'inbound-rtp' && s.kind === 'audio').reduce((n, s) => n + s.bytesReceived, 0);
      })()`);
    await expect.poll(audioBytes, poll).toBeGreaterThan(0);
    await attendee.evaluate('window.link.setMicrophone(null)');
  });

  it('should cap the camera sender from the upload budget, and share it with a screen', async () => {
    const alone = (await attendee.evaluate(`PodiumRtc.allocateBitrates(PodiumRtc.DEFAULT_UPLOAD_BUDGET_BPS, 1, false)`)) as { camera: number };
    await expect.poll(async () => (await encodings())[0], poll).toEqual({ maxBitrate: alone.camera, active: true });
    await presenter.evaluate(`(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      await window.hub.setTracks({ screen: stream.getVideoTracks()[0] });
    })()`);
    const sharing = (await attendee.evaluate(`PodiumRtc.allocateBitrates(PodiumRtc.DEFAULT_UPLOAD_BUDGET_BPS, 1, true)`)) as { camera: number; screen: number };
    await expect
      .poll(encodings, poll)
      .toEqual([
        { maxBitrate: sharing.camera, active: true },
        { maxBitrate: sharing.screen, active: true },
      ]);
    await presenter.evaluate(`window.hub.setTracks({ screen: null })`);
    await expect.poll(async () => (await encodings())[1]?.active, poll).toBe(false);
  });

  it('should pause video on request for audio only and resume it', async () => {
    await attendee.evaluate(`window.link.setAudioOnly(true)`);
    await expect.poll(controls, poll).toContain('video-paused:request');
    await expect.poll(async () => (await encodings())[0]?.active, poll).toBe(false);
    await attendee.evaluate(`window.link.setAudioOnly(false)`);
    await expect.poll(controls, poll).toContain('video-resumed:');
    await expect.poll(async () => (await encodings())[0]?.active, poll).toBe(true);
  });

  it('should pause video when the link degrades, tell the attendee why, and resume when it recovers', async () => {
    await attendee.evaluate(`window.controls.length = 0`);
    // Every estimate now counts as starved: the guard must pause after its run of bad samples.
    await presenter.evaluate(`window.thresholds.badBandwidthBps = Number.MAX_SAFE_INTEGER`);
    await expect.poll(controls, { ...poll, timeout: 30_000 }).toEqual(['video-paused:bandwidth']);
    expect(await encodings()).toEqual([expect.objectContaining({ active: false }), expect.objectContaining({ active: false })]);
    expect((await view())?.videoPaused).toBe('bandwidth');
    await presenter.evaluate(`Object.assign(window.thresholds, { badBandwidthBps: 0, goodBandwidthBps: 0, goodLoss: 1.1 })`);
    await expect.poll(controls, { ...poll, timeout: 30_000 }).toEqual(['video-paused:bandwidth', 'video-resumed:']);
    await expect.poll(async () => (await encodings())[0]?.active, poll).toBe(true);
  }, 60_000);
});
