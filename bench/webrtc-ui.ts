// Part of the webrtc benchmark: click-to-first-frame through Podium's own UI, phases read by hooks installed before the app runs.
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from './lib/podium.ts';
import { round } from './lib/stats.ts';
import type { BenchContext } from './lib/types.ts';

export interface UiJoin {
  restMs: number;
  socketMs: number;
  offerAnswerMs: number;
  iceMs: number;
  firstFrameMs: number;
  totalMs: number;
  /** The selected candidate pair's types (local/remote) once ICE connected, e.g. `relay/relay`. */
  path: string;
}

/**
 * Installed with addInitScript, so the app is untouched: it wraps fetch, WebSocket and RTCPeerConnection to
 * timestamp the join request, the join-room ack, the first offer and answer, ICE connected, and the first
 * decoded frame of the presenter's camera (requestVideoFrameCallback).
 */
const HOOKS = `
(() => {
  const marks = {};
  window.__benchMarks = marks;
  const mark = (name) => { if (marks[name] === undefined) marks[name] = performance.now(); };
  const realFetch = window.fetch;
  window.fetch = async (...args) => {
    const res = await realFetch(...args);
    const url = typeof args[0] === 'string' ? args[0] : args[0].url;
    if (/\\/api\\/rooms\\/[^/]+\\/join$/.test(url) && res.ok) mark('rest');
    return res;
  };
  const RealWebSocket = window.WebSocket;
  window.WebSocket = class extends RealWebSocket {
    constructor(...args) {
      super(...args);
      let joinAsked = false;
      this.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        if (joinAsked && /^43\\d*\\[\\{"ok":true/.test(e.data)) { mark('socket'); joinAsked = false; }
        if (e.data.includes('"webrtc-offer"')) mark('offer');
        if (e.data.includes('"webrtc-answer"')) mark('answer');
      });
      const send = this.send.bind(this);
      this.send = (data) => {
        if (typeof data === 'string') {
          if (data.includes('"join-room"')) joinAsked = true;
          if (data.includes('"webrtc-offer"')) mark('offer');
          if (data.includes('"webrtc-answer"')) mark('answer');
        }
        return send(data);
      };
    }
  };
  const RealPeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends RealPeerConnection {
    constructor(...args) {
      super(...args);
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState !== 'connected' && this.iceConnectionState !== 'completed') return;
        mark('ice');
        window.__benchPeer = this;
      });
    }
  };
  const watchVideo = () => {
    const video = document.querySelector('[data-testid=camera-video]');
    if (!video || video.__benchWatched) return;
    video.__benchWatched = true;
    video.requestVideoFrameCallback(() => mark('frame'));
  };
  new MutationObserver(watchVideo).observe(document, { childList: true, subtree: true });
})();
`;

/** The attendee's selected candidate pair as `local/remote` candidate types (a string: the bundler renames functions). */
const SELECTED_PAIR = `(async () => {
  const pc = window.__benchPeer;
  const stats = pc ? [...(await pc.getStats()).values()] : [];
  const selected = stats.find((s) => s.type === 'transport')?.selectedCandidatePairId;
  const pair = stats.find((s) => s.type === 'candidate-pair' && (selected ? s.id === selected : s.state === 'succeeded' && s.nominated));
  const type = (id) => stats.find((s) => s.id === id)?.candidateType ?? '?';
  return pair ? type(pair.localCandidateId) + '/' + type(pair.remoteCandidateId) : 'unknown';
})()`;

/** Creates a room from the Home form, then joins `attendees` times through the join link, one after another. */
export async function joinThroughUi(ctx: BenchContext, browser: Browser, server: RunningServer, attendees: number): Promise<UiJoin[]> {
  const presenterContext = await browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 800 } });
  const joins: UiJoin[] = [];
  const pages: Page[] = [];
  try {
    const host = await presenterContext.newPage();
    await host.goto('/');
    await host.getByLabel('Title').fill('Benchmark webinar');
    await host.getByLabel('Your name').fill('Presenter');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/, { timeout: 20_000 });
    const joinLink = await host.getByTestId('join-link').inputValue();
    await host.waitForFunction(
      () => (document.querySelector('[data-testid=local-preview]') as HTMLVideoElement | null)?.videoWidth,
      undefined,
      { timeout: 20_000 },
    );
    for (let i = 1; i <= attendees; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(HOOKS);
      const page = await context.newPage();
      pages.push(page);
      await page.goto(joinLink);
      await page.getByLabel('Your name').fill(`Attendee ${i}`);
      const clickedAt = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Join' }).click();
      await page.waitForFunction(() => (window as unknown as { __benchMarks: { frame?: number } }).__benchMarks.frame, undefined, { timeout: 30_000 });
      const m = await page.evaluate(() => (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks);
      const path = (await page.evaluate(SELECTED_PAIR)) as string;
      const at = (name: string) => m[name] ?? Number.NaN;
      // The UI may renegotiate; the phases follow the first offer and answer it exchanged.
      joins.push({
        restMs: at('rest') - clickedAt,
        socketMs: at('socket') - at('rest'),
        offerAnswerMs: at('answer') - at('socket'),
        iceMs: Math.max(0, at('ice') - at('answer')),
        firstFrameMs: at('frame') - Math.max(at('ice'), at('answer')),
        totalMs: at('frame') - clickedAt,
        path,
      });
      ctx.log(`UI attendee ${i}: Join click → first frame ${round(at('frame') - clickedAt, 0)} ms over ${path}`);
    }
  } finally {
    for (const page of pages) await page.context().close();
    await presenterContext.close();
  }
  return joins;
}
