// Real networks in namespaces: presenter and attendee each behind its own symmetric-like NAT, Podium and coturn on
// the "public" side. STUN alone cannot cross two such NATs; Podium's coturn can; and a room that hides addresses
// never lets a host or server-reflexive address of one browser reach the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../managed/process.ts';
import { ensureUiBuild, waitForDecodedFrames } from './harness.ts';
import { ADDRESSES, buildInternet, inNamespace, launchHomeBrowsers, removeLeftovers, spawnPodium, type Internet, type NamespacedPodium } from './netns.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium', 'netns', 'coturn');

const PORT = 8080;
const ORIGIN = `http://${ADDRESSES.server}:${PORT}`;
const poll = { timeout: 40_000, interval: 250 };

/** Keeps every RTCPeerConnection the app makes, so the test can read the selected candidate pair. */
const KEEP_PEER_CONNECTIONS = `
  window.__peers = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__peers.push(this); }
  };
`;

interface PairReport {
  policy: string;
  state: string;
  local: string | null;
  remote: string | null;
  framesDecoded: number;
}

/** The newest peer connection's transport policy, state, selected pair's candidate types and decoded frames. */
function selectedPair(page: Page): Promise<PairReport> {
  return page.evaluate(async () => {
    const peers = (window as unknown as { __peers: RTCPeerConnection[] }).__peers;
    const pc = peers[peers.length - 1];
    if (!pc) return { policy: 'none', state: 'none', local: null, remote: null, framesDecoded: 0 };
    const stats = [...(await pc.getStats()).values()] as Array<Record<string, unknown>>;
    const byId = new Map(stats.map((s) => [s.id, s]));
    const pair = stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
    const framesDecoded = stats.filter((s) => s.type === 'inbound-rtp' && s.kind === 'video').reduce((n, s) => n + Number(s.framesDecoded ?? 0), 0);
    return {
      policy: pc.getConfiguration().iceTransportPolicy ?? 'all',
      state: pc.connectionState,
      local: pair ? String(byId.get(pair.localCandidateId)?.candidateType) : null,
      remote: pair ? String(byId.get(pair.remoteCandidateId)?.candidateType) : null,
      framesDecoded,
    };
  });
}

/** Every Socket.io frame a page receives over its websocket, as text. */
function recordSignaling(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(typeof payload === 'string' ? payload : payload.toString())));
  return frames;
}

/** Candidate types (`typ host`, …) in the ICE candidates and SDPs of recorded frames. */
function candidateTypes(frames: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const frame of frames) {
    if (!frame.includes('webrtc-')) continue;
    for (const match of frame.matchAll(/typ (host|srflx|prflx|relay)/g)) counts[match[1]!] = (counts[match[1]!] ?? 0) + 1;
  }
  return counts;
}

/** coturn answering STUN only (no relay), as a plain public STUN server would. */
function spawnStunServer(internet: Internet): ChildProcess {
  const [command, args] = inNamespace(internet.ns.server, [
    findOnPath('turnserver')!,
    '-n',
    '--stun-only',
    '--listening-ip',
    ADDRESSES.server,
    '--listening-port',
    '3478',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--log-file',
    'stdout',
  ]);
  return spawn(command, args, { stdio: 'ignore' });
}

describe.skipIf(!available)('presenter and attendee behind two NATs', () => {
  let internet: Internet;
  let dir: string;
  let presenterBrowser: Browser;
  let attendeeBrowser: Browser;
  const cleanups: Array<() => Promise<void> | void> = [];
  const seen: Record<string, unknown> = {};

  beforeAll(async () => {
    removeLeftovers();
    await ensureUiBuild();
    internet = buildInternet();
    cleanups.push(() => internet.destroy());
    dir = mkdtempSync(join(tmpdir(), 'podium-nat-'));
    // As root, the embedded PostgreSQL runs as an unprivileged user that must be able to enter DATA_DIR.
    chmodSync(dir, 0o755);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    [presenterBrowser, attendeeBrowser] = await launchHomeBrowsers(internet, ORIGIN, dir);
    cleanups.push(() => presenterBrowser.close(), () => attendeeBrowser.close());
  }, 180_000);

  afterAll(async () => {
    // Browsers first, then what runs in the namespaces, then the namespaces themselves, whatever failed before.
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
    console.log(`e2e nat: ${JSON.stringify(seen)}`);
  }, 60_000);

  /** Presenter creates a room through the Home form, attendee joins through the link; both record signaling. */
  async function meet(options: { hideAddresses: boolean }) {
    const presenterContext = await presenterBrowser.newContext({ baseURL: ORIGIN, permissions: ['camera', 'microphone'] });
    const attendeeContext = await attendeeBrowser.newContext({ baseURL: ORIGIN });
    const contexts = [presenterContext, attendeeContext];
    for (const context of contexts) await context.addInitScript(KEEP_PEER_CONNECTIONS);
    const presenter = await presenterContext.newPage();
    const attendee = await attendeeContext.newPage();
    const toPresenter = recordSignaling(presenter);
    const toAttendee = recordSignaling(attendee);
    await presenter.goto('/');
    await presenter.getByLabel('Title').fill('Across two NATs');
    await presenter.getByLabel('Your name').fill('Ada');
    if (options.hideAddresses) await presenter.getByTestId('hide-addresses').check();
    await presenter.getByRole('button', { name: 'Start presenting' }).click();
    await presenter.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    const slug = /\/r\/([A-Za-z0-9_-]+)\/host$/.exec(presenter.url())![1]!;
    await presenter.getByRole('tab', { name: /People/ }).click();
    await attendee.goto(`/r/${slug}`);
    await attendee.getByLabel('Your name').fill('Grace');
    await attendee.getByRole('button', { name: 'Join' }).click();
    return {
      presenter,
      attendee,
      toPresenter,
      toAttendee,
      // Leaving the pages first closes their peer connections, which frees their TURN allocations; a closed
      // context would leave them to expire, and a later allocation from the same NAT mapping would clash.
      async close() {
        await Promise.all([presenter, attendee].map((page) => page.goto('about:blank').catch(() => {})));
        await Promise.all(contexts.map((c) => c.close()));
      },
    };
  }

  describe('with STUN only', () => {
    let podium: NamespacedPodium;
    let stun: ChildProcess | undefined;
    const stopStun = async () => {
      if (!stun || stun.exitCode !== null || stun.signalCode !== null) return;
      const exited = new Promise((done) => stun!.once('exit', done));
      stun.kill('SIGKILL');
      await exited;
    };
    beforeAll(async () => {
      stun = spawnStunServer(internet);
      cleanups.push(stopStun);
      podium = await spawnPodium(internet, PORT, { STUN_URLS: `stun:${ADDRESSES.server}:3478`, MANAGED_TURN: 'off', DATA_DIR: join(dir, 'stun') });
      cleanups.push(() => podium.stop());
    }, 120_000);

    it('should give the attendee no video and a plain message with what to try', async () => {
      const room = await meet({ hideAddresses: false });
      try {
        await expect.poll(() => room.attendee.getByTestId('connection-diagnosis').count(), poll).toBe(1);
        const text = await room.attendee.getByTestId('connection-diagnosis').innerText();
        expect(text).toContain('Try another network');
        expect(text).toContain('relay');
        await expect.poll(() => room.presenter.getByText('No network path').count(), poll).toBe(1);
        const pair = await selectedPair(room.attendee);
        expect(pair.local).toBeNull();
        expect(pair.framesDecoded).toBe(0);
        expect(await room.attendee.locator('[data-testid=camera-video]').count()).toBe(0);
        // STUN worked (each side learned its NAT's public address), and still no pair could succeed.
        const types = candidateTypes(room.toAttendee);
        expect(types.srflx ?? 0).toBeGreaterThan(0);
        seen.stunOnly = { attendeePair: pair, candidatesToAttendee: types, candidatesToPresenter: candidateTypes(room.toPresenter) };
      } finally {
        await room.close();
      }
    }, 90_000);

    // Podium's own coturn takes the same port in the next block.
    afterAll(async () => {
      await podium?.stop();
      await stopStun();
    }, 30_000);
  });

  describe('with Podium’s coturn', () => {
    let podium: NamespacedPodium;
    beforeAll(async () => {
      // The STUN-only coturn of the previous block is gone; Podium starts its own on the same port.
      podium = await spawnPodium(internet, PORT, {
        STUN_URLS: `stun:${ADDRESSES.server}:3478`,
        MANAGED_TURN: 'on',
        TURN_PORT: '3478',
        DATA_DIR: join(dir, 'turn'),
      });
      cleanups.push(() => podium.stop());
    }, 120_000);

    afterAll(() => podium?.stop(), 30_000);

    it('should bring the video over a relay candidate pair, and say so in the presenter’s panel', async () => {
      const room = await meet({ hideAddresses: false });
      try {
        const frames = await waitForDecodedFrames(room.attendee, '[data-testid=camera-video]', 40_000);
        const pair = await selectedPair(room.attendee);
        expect(pair.state).toBe('connected');
        expect([pair.local, pair.remote]).toContain('relay');
        await expect.poll(() => room.presenter.locator('[data-testid=peer-state][data-path=relay]').count(), poll).toBe(1);
        expect(await room.attendee.getByTestId('connection-diagnosis').count()).toBe(0);
        // Addresses are not hidden here: the recording does see the other side's srflx candidates.
        const types = candidateTypes(room.toAttendee);
        expect(types.srflx ?? 0).toBeGreaterThan(0);
        seen.turn = { attendeePair: pair, presenterPair: await selectedPair(room.presenter), frames: frames.frames, candidatesToAttendee: types };
      } finally {
        await room.close();
      }
    }, 90_000);

    it('should deliver no host or srflx candidate, nor any address of the other side, in a room that hides addresses', async () => {
      const room = await meet({ hideAddresses: true });
      try {
        const frames = await waitForDecodedFrames(room.attendee, '[data-testid=camera-video]', 40_000);
        expect(await room.presenter.getByTestId('address-privacy').innerText()).toBe('Addresses hidden');
        const attendeePair = await selectedPair(room.attendee);
        const presenterPair = await selectedPair(room.presenter);
        for (const pair of [attendeePair, presenterPair]) {
          expect(pair.policy).toBe('relay');
          expect([pair.local, pair.remote]).toEqual(['relay', 'relay']);
        }
        for (const [frames, others] of [
          [room.toAttendee, [ADDRESSES.homeA, ADDRESSES.routerA]],
          [room.toPresenter, [ADDRESSES.homeB, ADDRESSES.routerB]],
        ] as const) {
          const signaling = frames.filter((f) => f.includes('webrtc-'));
          expect(signaling.some((f) => f.includes('webrtc-offer') || f.includes('webrtc-answer'))).toBe(true);
          const types = candidateTypes(signaling);
          expect(types.relay ?? 0).toBeGreaterThan(0);
          expect(types.host ?? 0).toBe(0);
          expect(types.srflx ?? 0).toBe(0);
          expect(types.prflx ?? 0).toBe(0);
          for (const address of others) expect(signaling.join('\n')).not.toContain(address);
        }
        seen.hidden = {
          attendeePair,
          presenterPair,
          frames: frames.frames,
          candidatesToAttendee: candidateTypes(room.toAttendee),
          candidatesToPresenter: candidateTypes(room.toPresenter),
        };
      } finally {
        await room.close();
      }
    }, 90_000);
  });
});
