// webrtc: a presenter page and N attendee pages in headless Chromium, a P2P star signaled through Podium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, routeBenchPages, ROUTED_PAGE_FLAGS } from './lib/browser.ts';
import { cpuMeter } from './lib/machine.ts';
import { createRoom, roomsApiAvailable, startPodium } from './lib/podium.ts';
import { round, summarize } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';
import { joinThroughUi, type UiJoin } from './webrtc-ui.ts';
import { findOnPath } from '../managed/process.ts';

interface Marks {
  click?: number;
  rest?: number;
  socket?: number;
  offer?: number;
  answer?: number;
  ice?: number;
  dtls?: number;
  packet?: number;
  frame?: number;
}

interface PageState {
  ready?: boolean;
  errors: string[];
  marks: Marks;
  glass: number[];
  decodeFailures: number;
  frames: number;
  measuring?: boolean;
}

interface SenderStat {
  peerId: string;
  timestamp: number;
  bytesSent: number;
  framesEncoded: number;
  framesPerSecond: number | null;
  totalEncodeTime: number;
  qualityLimitationReason: string | null;
  frameWidth: number | null;
  encoderImplementation: string | null;
}

interface Join {
  attendees: number;
  restMs: number;
  socketMs: number;
  offerAnswerMs: number;
  iceMs: number;
  dtlsMs: number;
  firstPacketMs: number;
  firstFrameMs: number;
  totalMs: number;
}

interface Step {
  attendees: number;
  joins: Join[];
  glassMs: ReturnType<typeof summarize>;
  decodeFailures: number;
  receivedFps: ReturnType<typeof summarize>;
  perAttendee: { peerId: string; kbps: number; fps: number | null; qualityLimitationReason: string | null; frameWidth: number | null }[];
  encodeMsPerSecond: number;
  uploadMbps: number;
  machineBusy: number;
  encoder: string | null;
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { bench: PageState }).bench);

async function waitFor(page: Page, condition: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(condition, undefined, { timeout: timeoutMs, polling: 50 });
}

/**
 * A page in a context of its own. Pages sharing a context share a window in headless Chromium, and only the
 * front one renders at full rate (the others drop to about 13 requestAnimationFrame callbacks a second).
 */
async function openPage(browser: Browser, base: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 660, height: 420 } });
  await routeBenchPages(context, base);
  return context.newPage();
}

async function openAttendee(ctx: BenchContext, browser: Browser, base: string, url: string, n: number): Promise<{ page: Page; join: Join }> {
  const page = await openPage(browser, base);
  await page.goto(`${url}&name=Attendee%20${n}`);
  await waitFor(page, 'window.bench && (window.bench.ready || window.bench.errors.length)', 15_000);
  await page.click('#join');
  await waitFor(page, 'window.bench.marks.frame || window.bench.errors.length', 30_000).catch(() => undefined);
  // The first packet is polled every 10 ms, so its stamp can land just after the first frame's.
  await waitFor(page, 'window.bench.marks.packet', 1000).catch(() => undefined);
  const s = await state(page);
  const m = s.marks;
  if (s.errors.length || !m.frame) throw new Error(`attendee ${n}: ${s.errors.join('; ') || 'no frame within 30 s'}`);
  const at = (v: number | undefined) => v ?? Number.NaN;
  const join: Join = {
    attendees: n,
    restMs: at(m.rest) - at(m.click),
    socketMs: at(m.socket) - at(m.rest),
    offerAnswerMs: at(m.answer) - at(m.socket),
    iceMs: Math.max(0, at(m.ice) - at(m.answer)),
    dtlsMs: at(m.dtls) - Math.max(at(m.ice), at(m.answer)),
    // Polled, so the packet can be stamped after the frame it carried was shown: the frame bounds it.
    firstPacketMs: Math.max(0, Math.min(at(m.packet), at(m.frame)) - at(m.dtls)),
    firstFrameMs: at(m.frame) - Math.max(Math.min(at(m.packet), at(m.frame)), at(m.dtls)),
    totalMs: at(m.frame) - at(m.click),
  };
  ctx.log(`attendee ${n}: first frame ${round(join.totalMs, 0)} ms after the click`);
  return { page, join };
}

async function measureWindow(presenter: Page, attendees: Page[], seconds: number) {
  for (const page of attendees) {
    await page.evaluate(() => {
      const b = (window as unknown as { bench: PageState }).bench;
      b.glass = [];
      b.decodeFailures = 0;
      b.frames = 0;
      b.measuring = true;
    });
  }
  const senderStats = () => presenter.evaluate(() => (window as unknown as { bench: { senderStats(): Promise<SenderStat[]> } }).bench.senderStats());
  const before = await senderStats();
  const machine = cpuMeter();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await senderStats();
  const busy = machine();
  const elapsed = (performance.now() - t0) / 1000;
  const pages = await Promise.all(
    attendees.map((page) =>
      page.evaluate(() => {
        const b = (window as unknown as { bench: PageState }).bench;
        b.measuring = false;
        return { glass: b.glass, decodeFailures: b.decodeFailures, frames: b.frames };
      }),
    ),
  );
  const perAttendee = after.map((a) => {
    const b = before.find((x) => x.peerId === a.peerId);
    const dt = b ? (a.timestamp - b.timestamp) / 1000 : Number.NaN;
    return {
      peerId: a.peerId,
      kbps: b ? round(((a.bytesSent - b.bytesSent) * 8) / dt / 1000, 0)! : 0,
      // framesPerSecond in getStats is a one-second snapshot; frames encoded over the window is steadier.
      fps: b ? round((a.framesEncoded - b.framesEncoded) / dt, 1) : a.framesPerSecond,
      qualityLimitationReason: a.qualityLimitationReason,
      frameWidth: a.frameWidth,
      encodeSeconds: b ? a.totalEncodeTime - b.totalEncodeTime : 0,
      dt,
    };
  });
  const dt = perAttendee[0]?.dt ?? elapsed;
  return {
    glass: pages.flatMap((p) => p.glass),
    decodeFailures: pages.reduce((s, p) => s + p.decodeFailures, 0),
    receivedFps: pages.map((p) => p.frames / elapsed),
    perAttendee: perAttendee.map(({ encodeSeconds: _e, dt: _d, ...rest }) => rest),
    encodeMsPerSecond: round((perAttendee.reduce((s, p) => s + p.encodeSeconds, 0) * 1000) / dt, 0)!,
    uploadMbps: round(perAttendee.reduce((s, p) => s + p.kbps, 0) / 1000, 2)!,
    machineBusy: round(busy * 100, 0)!,
    encoder: after[0]?.encoderImplementation ?? null,
  };
}

const reasonCounts = (step: Step) => {
  const counts = new Map<string, number>();
  for (const p of step.perAttendee) counts.set(p.qualityLimitationReason ?? '?', (counts.get(p.qualityLimitationReason ?? '?') ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
};

export const webrtcBenchmark: Benchmark = {
  name: 'webrtc',
  title: 'P2P star in headless Chromium: click-to-first-frame, glass-to-glass, sender stats',
  budgetSeconds: 160,
  async run(ctx) {
    const tiny = ctx.size === 'tiny';
    const steps = tiny ? [1] : [1, 5, 10, 25];
    const windowSeconds = tiny ? 2 : 5;
    const notes: string[] = [];
    const results: Step[] = [];
    let uiJoins: UiJoin[] = [];
    let relayJoins: UiJoin[] = [];
    let pairedDirectJoins: UiJoin[] = [];
    const server = await startPodium({ env: { RATE_LIMIT_SOCKET_SIGNALING: '10000' } });
    let browser: Browser | undefined;
    try {
      if (!(await roomsApiAvailable(server.base))) {
        notes.push('Podium answered 404 on POST /api/rooms: the room routes are not mounted in this build, so the star could not be signaled.');
        return { tables: [], notes, data: {} };
      }
      browser = await launchChromium(ROUTED_PAGE_FLAGS);
      // Podium's own UI first, on a quiet machine: the Home form, the join link, the Join button.
      try {
        uiJoins = await joinThroughUi(ctx, browser, server, tiny ? 1 : 3);
      } catch (err) {
        notes.push(`Click-to-first-frame through Podium's UI failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}.`);
      }
      // Direct next to relay: a second Podium with its own coturn on loopback and rooms hiding addresses. Rounds
      // alternate which goes first, each a fresh room with one attendee, so neither side gets the warmer browser.
      if (findOnPath('turnserver')) {
        const relayDir = mkdtempSync(join(tmpdir(), 'podium-bench-relay-'));
        const relayServer = await startPodium({
          env: {
            RATE_LIMIT_SOCKET_SIGNALING: '10000',
            MANAGED_TURN: 'on',
            TURN_PORT: '0',
            TURN_ALLOW_PRIVATE_PEERS: 'true',
            HIDE_ADDRESSES: 'true',
            DATA_DIR: relayDir,
          },
        });
        try {
          for (let round = 0; round < (tiny ? 1 : 4); round++) {
            const arms = [
              async () => pairedDirectJoins.push(...(await joinThroughUi(ctx, browser!, server, 1))),
              async () => relayJoins.push(...(await joinThroughUi(ctx, browser!, relayServer, 1))),
            ];
            for (const arm of round % 2 === 0 ? arms : arms.reverse()) await arm();
          }
        } catch (err) {
          notes.push(`Click-to-first-frame over the relay failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}.`);
        } finally {
          await relayServer.stop();
          rmSync(relayDir, { recursive: true, force: true });
        }
      } else {
        notes.push('No turnserver on PATH: click-to-first-frame over a relay was not measured (apt-get install coturn).');
      }
      const room = await createRoom(server.base, { maxParticipants: 50 });
      const presenter = await openPage(browser, server.base);
      await presenter.goto(`${server.base}/bench/star.html?role=presenter&slug=${room.slug}&token=${room.presenterToken}`);
      await waitFor(presenter, 'window.bench && (window.bench.ready || window.bench.errors.length)', 20_000);
      const presenterState = await state(presenter);
      if (presenterState.errors.length) throw new Error(`presenter page: ${presenterState.errors.join('; ')}`);

      const attendees: Page[] = [];
      const attendeeUrl = `${server.base}/bench/star.html?role=attendee&slug=${room.slug}`;
      for (const n of steps) {
        const estimate = (n - attendees.length) * 2 + windowSeconds + 5;
        if (secondsLeft(ctx) < estimate) {
          notes.push(`Stopped before N=${n}: the time budget was spent (about ${estimate} s needed).`);
          break;
        }
        const joins: Join[] = [];
        let failed: string | undefined;
        while (attendees.length < n) {
          try {
            const opened = await openAttendee(ctx, browser, server.base, attendeeUrl, attendees.length + 1);
            attendees.push(opened.page);
            joins.push(opened.join);
          } catch (err) {
            failed = err instanceof Error ? err.message : String(err);
            break;
          }
        }
        if (failed) {
          notes.push(`Stopped at N=${n}: ${failed}.`);
          break;
        }
        // Let bandwidth estimation and the encoders settle before measuring the steady state.
        await new Promise((r) => setTimeout(r, tiny ? 500 : 3000));
        const measured = await measureWindow(presenter, attendees, windowSeconds);
        const step: Step = {
          attendees: n,
          joins,
          glassMs: summarize(measured.glass),
          decodeFailures: measured.decodeFailures,
          receivedFps: summarize(measured.receivedFps),
          perAttendee: measured.perAttendee,
          encodeMsPerSecond: measured.encodeMsPerSecond,
          uploadMbps: measured.uploadMbps,
          machineBusy: measured.machineBusy,
          encoder: measured.encoder,
        };
        results.push(step);
        ctx.log(
          `N=${n}: glass-to-glass p50 ${round(step.glassMs.p50, 0)} ms, received fps p50 ${round(step.receivedFps.p50, 1)}, upload ${step.uploadMbps} Mbit/s, encode ${step.encodeMsPerSecond} ms/s, machine ${step.machineBusy}% busy`,
        );
        // Saturation shows in the media itself: frames stop arriving on time. Machine-wide CPU is only reported,
        // because on a shared machine it counts other people's work too.
        const saturated = [
          step.receivedFps.p50 < 10 ? `the median attendee received ${round(step.receivedFps.p50, 1)} frames/s of 30` : '',
          step.glassMs.p50 > 500 ? `glass-to-glass p50 reached ${round(step.glassMs.p50, 0)} ms` : '',
        ].filter(Boolean);
        if (saturated.length) {
          if (n === steps[steps.length - 1]) {
            notes.push(`At N=${n} the machine was saturated: ${saturated.join(' and ')} (${step.machineBusy}% CPU busy).`);
          } else {
            notes.push(`Stopped after N=${n}: ${saturated.join(' and ')}; the machine is saturated (${step.machineBusy}% CPU busy), so a larger star would measure the CPU, not WebRTC.`);
            break;
          }
        }
      }
    } finally {
      await browser?.close();
      await server.stop();
    }

    const ms = (v: number) => round(v, 0);
    const allJoins = results.flatMap((s) => s.joins);
    const phase = (pick: (j: Join) => number) => summarize(allJoins.map(pick));
    const phases: [string, (j: Join) => number][] = [
      ['REST join', (j) => j.restMs],
      ['socket join', (j) => j.socketMs],
      ['offer/answer', (j) => j.offerAnswerMs],
      ['ICE connected', (j) => j.iceMs],
      ['DTLS connected', (j) => j.dtlsMs],
      ['first RTP packet', (j) => j.firstPacketMs],
      ['first decoded frame', (j) => j.firstFrameMs],
      ['click → first frame', (j) => j.totalMs],
    ];
    const uiPhases: [string, (j: UiJoin) => number][] = [
      ['REST join', (j) => j.restMs],
      ['socket join', (j) => j.socketMs],
      ['offer/answer', (j) => j.offerAnswerMs],
      ['ICE connected', (j) => j.iceMs],
      ['first decoded frame', (j) => j.firstFrameMs],
      ['click → first frame', (j) => j.totalMs],
    ];
    const paths = (joins: UiJoin[]) => joins.map((j) => j.path).join(', ') || 'none';
    notes.push(
      `Direct next to relay: rounds of one UI join each against this Podium and against a second one started with MANAGED_TURN=on (its own coturn on 127.0.0.1) and HIDE_ADDRESSES=true, in the same run and browser, alternating which goes first; selected candidate pairs (local/remote) direct: ${paths(pairedDirectJoins)}; relay: ${paths(relayJoins)}. Both paths are loopback here, so the difference is the relay's own work (TURN allocation, permissions, one more hop), not a network's distance.`,
      `Through the UI, ${uiJoins.length} attendee(s) joined one after another with the presenter's fake camera live; the phases come from fetch, WebSocket and RTCPeerConnection wrappers installed before the app (bench/webrtc-ui.ts), so the app itself is unchanged.`,
      'The pages are bench/pages/star.{html,js}, served on Podium\'s own origin: REST join, Socket.io join-room and the webrtc-offer/answer/ice-candidate relay are Podium\'s; media is a canvas captureStream(30) painting the wall clock as 32 black/white blocks, read back from each decoded frame (requestVideoFrameCallback) in the same browser.',
      '"first RTP packet" runs from DTLS connected to the first video packet counted by the attendee\'s getStats() (polled every 10 ms through an asynchronous getStats, so it reads late by up to tens of ms, and is capped at the first frame): mostly the time the presenter\'s new sender takes to start; "first decoded frame" is the rest, to the first requestVideoFrameCallback.',
      'Glass-to-glass here is paint → capture → encode → loopback network → decode → frame callback; it leaves out the display itself. Attendees joined one after another, each while the earlier ones were streaming.',
      'Sender figures come from the presenter\'s getStats() outbound-rtp, differenced over the measuring window; encode ms/s sums totalEncodeTime over every peer connection (1000 ms/s = one core encoding full time).',
    );
    if (results.some((s) => s.decodeFailures > 0)) {
      notes.push(`Frames whose pixel code was smeared by the encoder were skipped: ${results.map((s) => `N=${s.attendees}: ${s.decodeFailures}`).join(', ')}.`);
    }
    return {
      tables: [
        {
          title: 'webrtc (a): click-to-first-frame in the star pages, every attendee of every step, ms',
          columns: ['phase', 'p50', 'p95', 'max'],
          rows: phases.map(([name, pick]): Cell[] => {
            const s = phase(pick);
            return [name, ms(s.p50), ms(s.p95), ms(s.max)];
          }),
        },
        {
          title: "webrtc (a): click-to-first-frame through Podium's UI (Home form, join link, Join button), ms",
          columns: ['phase', 'p50', 'max'],
          rows: uiPhases.map(([name, pick]): Cell[] => {
            const s = summarize(uiJoins.map(pick));
            return [name, ms(s.p50), ms(s.max)];
          }),
        },
        {
          title:
            "webrtc (a'): click-to-first-frame through the UI, direct next to relay (Podium's coturn on loopback, rooms that hide addresses: iceTransportPolicy relay), ms",
          columns: ['phase', 'direct p50', 'relay p50', 'relay max', 'relay − direct p50'],
          rows: uiPhases.map(([name, pick]): Cell[] => {
            const direct = summarize(pairedDirectJoins.map(pick));
            const relayed = summarize(relayJoins.map(pick));
            return [name, ms(direct.p50), ms(relayed.p50), ms(relayed.max), ms(relayed.p50 - direct.p50)];
          }),
        },
        {
          title: `webrtc (b, c): steady state over ${windowSeconds} s per step`,
          columns: ['attendees', 'new joins: click → frame p50 ms', 'glass p50 ms', 'glass p95 ms', 'recv fps p50', 'sent kbps/attendee', 'sent fps p50', 'limited by', 'encode ms/s', 'upload Mbit/s', 'width', 'machine busy %'],
          rows: results.map((s): Cell[] => [
            s.attendees,
            ms(summarize(s.joins.map((j) => j.totalMs)).p50),
            ms(s.glassMs.p50),
            ms(s.glassMs.p95),
            round(s.receivedFps.p50, 1),
            round(summarize(s.perAttendee.map((p) => p.kbps)).mean, 0),
            round(summarize(s.perAttendee.map((p) => p.fps ?? Number.NaN).filter(Number.isFinite)).p50, 1),
            reasonCounts(s),
            s.encodeMsPerSecond,
            s.uploadMbps,
            s.perAttendee[0]?.frameWidth ?? null,
            s.machineBusy,
          ]),
        },
      ],
      notes,
      data: { steps: results, uiJoins, pairedDirectJoins, relayJoins, encoder: results[0]?.encoder ?? null },
    };
  },
};
