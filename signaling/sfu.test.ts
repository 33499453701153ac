import { createRequire } from 'node:module';
import { io as connectClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaModeBody } from './protocol.ts';
import { qualitySums } from '../db/report.ts';
import { endRoom } from '../db/rooms.ts';
import { moveOnStage } from '../db/moderation.ts';
import { MAX_SPEAKERS_PER_ROOM } from '../core/limits.ts';
import type { SignalingDeps } from './server.ts';
import { barrier, connect, createTestRoom, joinAs, nextEvent, startSignaling, useSignaling, type TestClient } from './testing.ts';
import { until } from '../testing/until.ts';
import { killPeers, startPeer, startTestJanus, type TestJanus } from './testing-sfu.ts';

const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: typeof RTCPeerConnection };

// One real Janus (managed, as `npm start` runs it) for the file; the signaling server gets its SFU client.
let janus: TestJanus;
const ourErrors: unknown[] = [];
const extra: Partial<SignalingDeps> = { onError: (err) => ourErrors.push(err) };
beforeAll(async () => {
  janus = await startTestJanus();
  extra.sfu = janus.sfu;
});
afterAll(async () => {
  killPeers();
  await janus?.close();
});
afterEach(() => killPeers());

const live = useSignaling({ MEDIA_MODE: 'sfu', RATE_LIMITS: 'off' }, extra);

/** A room with a presenter publishing through Janus (a real WebRTC peer) and its feed known. */
async function publishedRoom() {
  const fixture = await createTestRoom(live.db);
  const publisher = startPeer(live.url, fixture.presenter.token, 'publish');
  await publisher.waitFor((f) => f.event === 'published', 20_000);
  await until(() => janus.sfu.feedOf(fixture.room.id) !== undefined, 'the publisher never reached Janus', 20_000);
  return { ...fixture, publisher, feed: janus.sfu.feedOf(fixture.room.id)! };
}

const sockets: TestClient[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

/** Connects and resolves with the media-mode the server sends first (listening before the handshake ends). */
function connectForMode(url: string, token: string): Promise<{ socket: TestClient; mode: MediaModeBody }> {
  const socket: TestClient = connectClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no media-mode within 5000 ms')), 5_000);
    socket.once('media-mode', (mode) => {
      clearTimeout(timer);
      resolve({ socket, mode });
    });
  });
}

const shapedButWrongSdp = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=this-is-not:a real offer\r\n';

describe('SFU through Janus', () => {
  it('should carry the presenter’s one publication to an attendee who decodes it, and say so in media-mode', async () => {
    const { room, addAttendee, feed } = await publishedRoom();
    const ada = await addAttendee('Ada');
    const { socket: watcher, mode } = await connectForMode(live.url, ada.token);
    expect(mode).toMatchObject({ mode: 'sfu', feed, reason: 'configured', sfuAvailable: true });
    watcher.close();
    const subscriber = startPeer(live.url, ada.token, 'subscribe');
    const first = await subscriber.waitFor((f) => f.event === 'first-frame', 20_000);
    expect(first).toMatchObject({ width: 320, height: 240 });
    await until(() => subscriber.frames() > 10, 'frames stopped after the first', 10_000);
    const server = janus.sfu.status()[0]!;
    expect(server).toMatchObject({ healthy: true });
    expect(server.publishers).toBeGreaterThanOrEqual(1);
    expect(server.subscribers).toBeGreaterThanOrEqual(1);
    expect(janus.sfu.hasRoom(room.id)).toBe(true);
  });

  it('should get every subscriber decoding again within 10 s after Janus is SIGKILLed, without new browsers', async () => {
    const { addAttendee } = await publishedRoom();
    const subscribers = await Promise.all([addAttendee('Kai'), addAttendee('Lu')]).then((people) =>
      people.map((p) => startPeer(live.url, p.token, 'subscribe')),
    );
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'first-frame', 20_000)));
    const restartsBefore = janus.janus.process.restarts;
    process.kill(janus.janus.process.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'renegotiate', 10_000, killedAt)));
    const before = subscribers.map((s) => s.frames());
    await Promise.all(subscribers.map((s, i) => until(() => s.frames() > before[i]! + 5, 'no video after the restart', 10_000 - (Date.now() - killedAt))));
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(janus.janus.process.restarts).toBe(restartsBefore + 1);
  });
});

describe('a presenter reload on the SFU', () => {
  it('should bring every attendee to the new feed when the reloaded page publishes before the old one leaves', async () => {
    const { room, presenter, addAttendee, publisher, feed: oldFeed } = await publishedRoom();
    const subscribers = await Promise.all([addAttendee('Kai'), addAttendee('Lu'), addAttendee('Mo')]).then((people) =>
      people.map((p) => startPeer(live.url, p.token, 'subscribe')),
    );
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'first-frame', 20_000)));
    const reloaded = startPeer(live.url, presenter.token, 'publish');
    await until(() => ![undefined, oldFeed].includes(janus.sfu.feedOf(room.id)), 'the reloaded page never went live', 20_000);
    const newFeed = janus.sfu.feedOf(room.id)!;
    const before = subscribers.map((s) => s.frames());
    // The old page's socket leaves last: that must not take the new publication with it.
    publisher.kill();
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'subscribed' && f.feed === newFeed, 20_000)));
    await Promise.all(subscribers.map((s, i) => until(() => s.frames() > before[i]! + 10, 'no video from the new feed', 20_000)));
    expect(janus.sfu.feedOf(room.id)).toBe(newFeed);
    await reloaded.waitFor((f) => f.event === 'published', 1_000);
  });

  it('should name no feed while the presenter is away, and the room’s current feed to a subscription that asks for a gone one', async () => {
    const { room, presenter, addAttendee, publisher, feed: oldFeed } = await publishedRoom();
    const ada = await addAttendee('Ada');
    const attendee = (await joinAs(live.url, ada, room.slug)).socket;
    const gone = nextEvent(attendee, 'media-mode', 10_000, (body) => body.feed === null);
    publisher.kill();
    await gone;
    expect(janus.sfu.feedOf(room.id)).toBeUndefined();
    expect((await connectForMode(live.url, ada.token)).mode.feed).toBeNull();

    const announced = nextEvent(attendee, 'media-mode', 20_000, (body) => body.feed !== null);
    startPeer(live.url, presenter.token, 'publish');
    await announced;
    const current = nextEvent(attendee, 'media-mode', 5_000);
    // An attendee that heard of the reload late asks for the old feed: refused, and told the current one.
    expect(await attendee.emitWithAck('sfu-subscribe', { feed: oldFeed })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await current).feed).toBe(janus.sfu.feedOf(room.id));
  });
});

describe('authorization of the sfu-* events', () => {
  it('should refuse an outsider at the handshake: no token, a made-up token', async () => {
    await expect(connect(live.url, undefined)).rejects.toThrow('unauthorized');
    await expect(connect(live.url, 'not-a-token-of-any-room')).rejects.toThrow('unauthorized');
  });

  it('should never let an attendee publish, nor the presenter subscribe or report layers', async () => {
    const { room, presenter, addAttendee, feed } = await publishedRoom();
    const ada = await addAttendee('Ada');
    const attendee = (await joinAs(live.url, ada, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };
    expect(await attendee.emitWithAck('sfu-publish', { sdp: shapedButWrongSdp })).toEqual(forbidden);
    expect(await attendee.emitWithAck('sfu-upgrade', { reason: 'uplink' })).toEqual(forbidden);
    expect(await host.emitWithAck('sfu-subscribe', { feed })).toEqual(forbidden);
    expect(await host.emitWithAck('sfu-stats', { lossPct: 0, rttMs: 10, availableKbps: 5000, decodeFps: 30 })).toEqual(forbidden);
    expect(await host.emitWithAck('sfu-layer', { audioOnly: true })).toEqual(forbidden);
    // The publication is still the one the presenter made.
    expect(janus.sfu.feedOf(room.id)).toBe(feed);
  });

  it('should refuse a subscription to another room’s feed, and keep each room’s publication to itself', async () => {
    const a = await publishedRoom();
    const b = await createTestRoom(live.db);
    const eve = await b.addAttendee('Eve');
    const intruder = (await joinAs(live.url, eve, b.room.slug)).socket;
    expect(await intruder.emitWithAck('sfu-subscribe', { feed: a.feed })).toEqual({
      ok: false,
      error: { code: 'not_found', message: expect.any(String) },
    });
    const bPublisher = startPeer(live.url, b.presenter.token, 'publish');
    await bPublisher.waitFor((f) => f.event === 'published', 20_000);
    await until(() => janus.sfu.feedOf(b.room.id) !== undefined, 'room B never published', 20_000);
    expect(await intruder.emitWithAck('sfu-subscribe', { feed: a.feed })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.any(String) },
    });
    expect(janus.sfu.feedOf(a.room.id)).toBe(a.feed);
    expect(janus.sfu.feedOf(b.room.id)).not.toBe(a.feed);
  });

  it('should answer a malformed SDP with validation_error and change nothing', async () => {
    const { room, presenter, addAttendee, feed } = await publishedRoom();
    const kai = await addAttendee('Kai');
    const subscriber = startPeer(live.url, kai.token, 'subscribe');
    await subscriber.waitFor((f) => f.event === 'first-frame', 20_000);
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    ourErrors.length = 0;
    const invalid = { ok: false, error: { code: 'validation_error', message: expect.any(String) } };
    expect(await host.emitWithAck('sfu-publish', { sdp: 'hello' })).toEqual(invalid);
    expect(await host.emitWithAck('sfu-publish', { sdp: shapedButWrongSdp })).toEqual(invalid);
    expect(ourErrors.map(String)).toEqual([]);
    expect(janus.sfu.feedOf(room.id)).toBe(feed);
    const framesBefore = subscriber.frames();
    await until(() => subscriber.frames() > framesBefore + 5, 'the subscriber lost its video', 10_000);
  });

  it('should answer the presenter’s offer with Opus DTX off, even when the offer asks for it', async () => {
    const { room, presenter } = await createTestRoom(live.db);
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    try {
      pc.addTransceiver('audio', { direction: 'sendonly' });
      pc.addTransceiver('video', { direction: 'sendonly' });
      const offer = (await pc.createOffer()).sdp!;
      const opus = /a=rtpmap:(\d+) opus\//.exec(offer)![1]!;
      const asking = offer.replace(new RegExp(`a=fmtp:${opus} ([^\r]*)`), `a=fmtp:${opus} $1;usedtx=1`);
      expect(asking).toContain('usedtx=1');
      const published = await host.emitWithAck('sfu-publish', { sdp: asking });
      if (!published.ok) throw new Error(JSON.stringify(published.error));
      const answerOpus = /a=rtpmap:(\d+) opus\//.exec(published.sdp)![1]!;
      const fmtp = new RegExp(`a=fmtp:${answerOpus} ([^\r]*)`).exec(published.sdp)![1]!;
      expect(fmtp.split(';')).toContain('usedtx=0');
      expect(published.sdp).not.toMatch(/usedtx=1/);
    } finally {
      pc.close();
    }
  });

  it('should offer a subscriber no transport-wide congestion control, so its browser estimates its own link', async () => {
    const { room, addAttendee, feed } = await publishedRoom();
    const ines = await addAttendee('Ines');
    const attendee = (await joinAs(live.url, ines, room.slug)).socket;
    const offered = await attendee.emitWithAck('sfu-subscribe', { feed });
    if (!offered.ok) throw new Error(JSON.stringify(offered.error));
    // Janus offers both; Podium passes on receive-side estimation (REMB) and nothing of transport-cc.
    expect(offered.sdp).not.toMatch(/transport-cc|transport-wide-cc/);
    expect(offered.sdp).toMatch(/a=rtcp-fb:\d+ goog-remb/);
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offered.sdp });
      const answer = (await pc.createAnswer()).sdp!;
      await pc.setLocalDescription({ type: 'answer', sdp: answer });
      expect(answer).not.toMatch(/transport-cc|transport-wide-cc/);
      expect(await attendee.emitWithAck('sfu-answer', { sdp: answer })).toEqual({ ok: true });
    } finally {
      pc.close();
    }
  });

  it('should pick a layer from an attendee’s stats, tell the presenter why, and bring video back', async () => {
    const { room, presenter, addAttendee } = await publishedRoom();
    const lu = await addAttendee('Lu');
    const subscriber = startPeer(live.url, lu.token, 'subscribe');
    await subscriber.waitFor((f) => f.event === 'subscribed', 20_000);
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    // A second socket of the same attendee speaks for it: the subscription belongs to the participant.
    const attendee = await connect(live.url, lu.token);
    const told = nextEvent(host, 'sfu-layer');
    expect(await attendee.emitWithAck('sfu-stats', { lossPct: 30, rttMs: 80, availableKbps: 3000, decodeFps: 30 })).toEqual({
      ok: true,
      layer: 'audio-only',
    });
    expect(await told).toEqual({ participantId: lu.id, layer: 'audio-only', reason: 'loss' });
    expect(await attendee.emitWithAck('sfu-layer', { audioOnly: false })).toEqual({ ok: true, layer: 'low' });
    const clean = { lossPct: 0, rttMs: 20, availableKbps: 5000, decodeFps: 15 };
    const layers: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const result = await attendee.emitWithAck('sfu-stats', clean);
      if (result.ok) layers.push(result.layer);
    }
    // Three clean reports per step up; the report right after a change only settles.
    expect(layers).toEqual(['low', 'low', 'medium', 'medium', 'medium', 'medium', 'high']);
    // The same reports feed the session report's received quality, as SFU figures (at most one per 4 s counts).
    const sums = await qualitySums(live.db, room.id);
    expect(sums.map((r) => r.mode)).toEqual(['sfu']);
    expect(sums[0]!.samples).toBeGreaterThanOrEqual(1);
  });

  it('should refuse every sfu-* event in an ended room', async () => {
    const { room, presenter, addAttendee, feed } = await publishedRoom();
    const mo = await addAttendee('Mo');
    const attendee = (await joinAs(live.url, mo, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    // Ended in the database only, as another process would: these sockets are not told or closed yet.
    await endRoom(live.db, room.id);
    const ended = { ok: false, error: { code: 'room_ended', message: expect.any(String) } };
    expect(await host.emitWithAck('sfu-publish', { sdp: shapedButWrongSdp })).toEqual(ended);
    expect(await host.emitWithAck('sfu-upgrade', { reason: 'encoder' })).toEqual(ended);
    expect(await attendee.emitWithAck('sfu-subscribe', { feed })).toEqual(ended);
    expect(await attendee.emitWithAck('sfu-answer', { sdp: shapedButWrongSdp })).toEqual(ended);
    expect(await attendee.emitWithAck('sfu-stats', { lossPct: 0, rttMs: 10, availableKbps: null, decodeFps: 30 })).toEqual(ended);
    expect(await attendee.emitWithAck('sfu-layer', { audioOnly: true })).toEqual(ended);
  });

  it('should destroy the Janus room when the room ends', async () => {
    const { room, presenter } = await publishedRoom();
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    expect(janus.sfu.hasRoom(room.id)).toBe(true);
    const result = await host.emitWithAck('end-room', {});
    expect(result.ok).toBe(true);
    await until(() => !janus.sfu.hasRoom(room.id), 'the Janus room outlived the room', 10_000);
  });
});

describe('a shutdown on the SFU', () => {
  it('should finish every socket’s Janus hang-up before the server says it is closed', async () => {
    const errors: Array<Record<string, unknown>> = [];
    const server = await startSignaling(live.db, { MEDIA_MODE: 'sfu', RATE_LIMITS: 'off' }, { sfu: janus.sfu, onError: (_err, context) => errors.push(context) });
    const { room, presenter } = await createTestRoom(live.db);
    const publisher = startPeer(server.url, presenter.token, 'publish');
    await publisher.waitFor((f) => f.event === 'published', 20_000);
    await until(() => janus.sfu.feedOf(room.id) !== undefined, 'the publisher never reached Janus', 20_000);
    await server.close();
    // The room emptied with the shutdown: its Janus room is gone by the time close() resolves, and nothing failed.
    expect(janus.sfu.hasRoom(room.id)).toBe(false);
    expect(errors.filter((context) => context.step === 'sfu-leave')).toEqual([]);
  });
});

describe('MEDIA_MODE=auto', () => {
  it('should keep a room a star up to STAR_MAX_ATTENDEES and move it to the SFU for good past it', async () => {
    const server = await startSignaling(live.db, { MEDIA_MODE: 'auto', STAR_MAX_ATTENDEES: '2', RATE_LIMITS: 'off' }, { sfu: janus.sfu });
    try {
      const { room, presenter, addAttendee } = await createTestRoom(live.db);
      const host = (await joinAs(server.url, presenter, room.slug)).socket;
      const attendees: TestClient[] = [];
      for (const name of ['A', 'B']) {
        const { socket, mode } = await connectForMode(server.url, (await addAttendee(name)).token);
        expect(mode).toMatchObject({ mode: 'star', feed: null, starMaxAttendees: 2, sfuAvailable: true });
        attendees.push(socket);
      }
      const moved = nextEvent(host, 'media-mode', 10_000, (m) => m.mode === 'sfu');
      attendees.push((await connectForMode(server.url, (await addAttendee('C')).token)).socket);
      expect(await moved).toMatchObject({ mode: 'sfu', reason: 'attendees' });
      // Fewer attendees again: the room stays on the SFU.
      attendees[2]!.close();
      attendees[1]!.close();
      expect((await connectForMode(server.url, (await addAttendee('D')).token)).mode).toMatchObject({ mode: 'sfu' });
      await barrier(host);
    } finally {
      await server.close();
    }
  });

  it('should move a room when the presenter reports that its uplink or encoder cannot feed the star', async () => {
    const server = await startSignaling(live.db, { MEDIA_MODE: 'auto', RATE_LIMITS: 'off' }, { sfu: janus.sfu });
    try {
      const { room, presenter } = await createTestRoom(live.db);
      const host = (await joinAs(server.url, presenter, room.slug)).socket;
      const moved = nextEvent(host, 'media-mode', 10_000, (m) => m.mode === 'sfu');
      expect(await host.emitWithAck('sfu-upgrade', { reason: 'encoder' })).toEqual({ ok: true, mode: 'sfu' });
      expect(await moved).toMatchObject({ mode: 'sfu', reason: 'encoder' });
    } finally {
      await server.close();
    }
  });

  it('should keep every room a star with MEDIA_MODE=star, and refuse the SFU events there', async () => {
    const server = await startSignaling(live.db, { MEDIA_MODE: 'star', STAR_MAX_ATTENDEES: '1', RATE_LIMITS: 'off' }, { sfu: janus.sfu });
    try {
      const { room, presenter, addAttendee } = await createTestRoom(live.db);
      const host = (await joinAs(server.url, presenter, room.slug)).socket;
      for (const name of ['A', 'B', 'C']) await connect(server.url, (await addAttendee(name)).token);
      expect(await host.emitWithAck('sfu-upgrade', { reason: 'uplink' })).toEqual({ ok: true, mode: 'star' });
      expect(await host.emitWithAck('sfu-publish', { sdp: shapedButWrongSdp })).toEqual({
        ok: false,
        error: { code: 'forbidden', message: expect.any(String) },
      });
    } finally {
      await server.close();
    }
  });
});

describe('speakers on the SFU', () => {
  /** A real offer (audio and video, sendonly) from a WebRTC peer in this process. */
  async function speakerOffer(): Promise<{ sdp: string; close(): void }> {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    pc.addTransceiver('audio', { direction: 'sendonly' });
    pc.addTransceiver('video', { direction: 'sendonly' });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    return { sdp: offer.sdp!, close: () => pc.close() };
  }

  const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };

  it('should refuse a publication from an attendee who is not on stage, invited included, and keep Janus untouched', async () => {
    const { room, presenter, addAttendee } = await publishedRoom();
    const ada = await addAttendee('Ada');
    const attendee = (await joinAs(live.url, ada, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const offer = await speakerOffer();
    try {
      expect(await attendee.emitWithAck('sfu-publish', { sdp: offer.sdp })).toEqual(forbidden);
      expect(await host.emitWithAck('stage-invite', { participantId: ada.id })).toMatchObject({ ok: true });
      // Invited is not on stage yet.
      expect(await attendee.emitWithAck('sfu-publish', { sdp: offer.sdp })).toEqual(forbidden);
      expect(janus.sfu.speakerFeeds(room.id)).toEqual([]);
    } finally {
      offer.close();
    }
  });

  it('should let a speaker publish beside the presenter, mute it through Janus, and drop the feed once sent back', async () => {
    const { room, presenter, addAttendee, feed } = await publishedRoom();
    const sam = await addAttendee('Sam');
    const speaker = (await joinAs(live.url, sam, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    expect(await host.emitWithAck('stage-invite', { participantId: sam.id })).toMatchObject({ ok: true });
    expect(await speaker.emitWithAck('stage-answer', { accept: true })).toMatchObject({ ok: true, participant: { stage: 'speaker' } });
    const offer = await speakerOffer();
    try {
      ourErrors.length = 0;
      const published = await speaker.emitWithAck('sfu-publish', { sdp: offer.sdp });
      if (!published.ok) throw new Error(JSON.stringify(published.error));
      expect(published.sdp).toMatch(/^v=0\r\n/);
      expect(janus.sfu.speakerFeeds(room.id).map((s) => s.participantId)).toEqual([sam.id]);
      // The presenter's own publication is untouched by the speaker's.
      expect(janus.sfu.feedOf(room.id)).toBe(feed);
      // Muted by a host: Janus is told to stop forwarding the speaker's audio (a refused moderate would be an error).
      expect(await host.emitWithAck('mute-participant', { participantId: sam.id, muted: true })).toMatchObject({ ok: true });
      expect(await host.emitWithAck('stop-camera', { participantId: sam.id })).toMatchObject({ ok: true });
      expect(ourErrors.map(String)).toEqual([]);
      // Sent back: the feed is gone by the time the host hears it is done, and a new publication is refused.
      expect(await host.emitWithAck('stage-leave', { participantId: sam.id })).toMatchObject({ ok: true, participant: { stage: 'audience' } });
      expect(janus.sfu.speakerFeeds(room.id)).toEqual([]);
      expect(await speaker.emitWithAck('sfu-publish', { sdp: offer.sdp })).toEqual(forbidden);
      expect(janus.sfu.feedOf(room.id)).toBe(feed);
    } finally {
      offer.close();
    }
  });

  it('should drop a speaker’s feed within the sweep when the change did not come through this process’s sockets', async () => {
    const { room, presenter, addAttendee } = await publishedRoom();
    const kim = await addAttendee('Kim');
    const speaker = (await joinAs(live.url, kim, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    await host.emitWithAck('stage-invite', { participantId: kim.id });
    await speaker.emitWithAck('stage-answer', { accept: true });
    const offer = await speakerOffer();
    try {
      const published = await speaker.emitWithAck('sfu-publish', { sdp: offer.sdp });
      expect(published.ok).toBe(true);
      // Sent back behind the socket handlers' back (as a REST call or another process would): the sweep finds it.
      expect(await moveOnStage(live.db, { roomId: room.id, id: kim.id, from: ['speaker'], to: 'audience', cap: MAX_SPEAKERS_PER_ROOM })).toMatchObject({ ok: true });
      await until(() => janus.sfu.speakerFeeds(room.id).length === 0, 'the sweep never dropped the speaker’s feed', 10_000);
    } finally {
      offer.close();
    }
  });
});

describe('subscriptions to speakers on the SFU', () => {
  it('should name a live speaker’s feed to the room, carry it to an attendee and the presenter, and close it once sent back', async () => {
    const { room, presenter, addAttendee, feed: presenterFeed } = await publishedRoom();
    const [sam, ada] = await Promise.all([addAttendee('Sam'), addAttendee('Ada')]);
    const samSocket = (await joinAs(live.url, sam, room.slug)).socket;
    const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    expect(await host.emitWithAck('stage-invite', { participantId: sam.id })).toMatchObject({ ok: true });
    expect(await samSocket.emitWithAck('stage-answer', { accept: true })).toMatchObject({ ok: true });

    const announced = nextEvent(adaSocket, 'media-mode', 20_000, (body) => body.speakers.length > 0);
    const speaker = startPeer(live.url, sam.token, 'speak');
    await speaker.waitFor((f) => f.event === 'published', 20_000);
    await until(
      () => janus.sfu.liveSpeakers(room.id).length > 0,
      () => `the speaker never went live: ${JSON.stringify({ own: janus.sfu.speakerFeeds(room.id), facts: speaker.facts.slice(-8) })}`,
      20_000,
    );
    const { speakers } = await announced;
    expect(speakers).toEqual([{ participantId: sam.id, feed: expect.any(Number) }]);
    const speakerFeed = speakers[0]!.feed;
    expect(speakerFeed).not.toBe(presenterFeed);
    // A page that connects now is told the same.
    expect((await connectForMode(live.url, ada.token)).mode).toMatchObject({ feed: presenterFeed, speakers });

    // The attendee gets the presenter and the speaker side by side; the presenter's page gets the speaker.
    const watcher = startPeer(live.url, ada.token, 'subscribe');
    const presenterPage = startPeer(live.url, presenter.token, 'stage');
    await Promise.all([watcher, presenterPage].map((p) => p.waitFor((f) => f.event === 'speaker-first-frame' && f.participantId === sam.id, 20_000)));
    await watcher.waitFor((f) => f.event === 'first-frame', 20_000);
    const before = [watcher.frames(sam.id), presenterPage.frames(sam.id), watcher.frames()];
    await until(
      () => watcher.frames(sam.id) > before[0]! + 10 && presenterPage.frames(sam.id) > before[1]! + 10 && watcher.frames() > before[2]! + 10,
      'the speaker’s or the presenter’s frames stopped',
      15_000,
    );

    // Only a current speaker's feed, under that speaker's name, and never one's own.
    const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };
    const notFound = { ok: false, error: { code: 'not_found', message: expect.any(String) } };
    expect(await adaSocket.emitWithAck('sfu-subscribe', { feed: presenterFeed, speaker: sam.id })).toEqual(forbidden);
    expect(await adaSocket.emitWithAck('sfu-subscribe', { feed: speakerFeed, speaker: ada.id })).toEqual(forbidden);
    expect(await host.emitWithAck('sfu-subscribe', { feed: speakerFeed, speaker: ada.id })).toEqual(notFound);
    expect(await samSocket.emitWithAck('sfu-subscribe', { feed: speakerFeed, speaker: sam.id })).toEqual(forbidden);
    expect(await adaSocket.emitWithAck('sfu-subscribe', { feed: speakerFeed })).toEqual(forbidden);
    // Another room's attendee cannot reach this room's speaker.
    const other = await createTestRoom(live.db);
    const eve = (await joinAs(live.url, await other.addAttendee('Eve'), other.room.slug)).socket;
    expect(await eve.emitWithAck('sfu-subscribe', { feed: speakerFeed, speaker: sam.id })).toMatchObject({ ok: false });
    // None of that disturbed the subscriptions that were allowed.
    const still = watcher.frames(sam.id);
    await until(() => watcher.frames(sam.id) > still + 5, 'a refused subscription disturbed the allowed one', 10_000);

    // Audio only, asked from another socket of the attendee: no video at all, the speaker's included, then both back.
    const videoStops = async (frames: () => number) => {
      const before = frames();
      await new Promise((r) => setTimeout(r, 2_000));
      return frames() === before;
    };
    expect(await adaSocket.emitWithAck('sfu-layer', { audioOnly: true })).toEqual({ ok: true, layer: 'audio-only' });
    await until(
      async () => (await Promise.all([videoStops(() => watcher.frames(sam.id)), videoStops(() => watcher.frames())])).every(Boolean),
      () => `video still reaches an attendee who asked for audio only: speaker ${watcher.frames(sam.id)}, presenter ${watcher.frames()} frames`,
      20_000,
      0,
    );
    expect(await adaSocket.emitWithAck('sfu-layer', { audioOnly: false })).toMatchObject({ ok: true });
    const [speakerStopped, presenterStopped] = [watcher.frames(sam.id), watcher.frames()];
    await until(() => watcher.frames(sam.id) > speakerStopped + 5 && watcher.frames() > presenterStopped + 5, 'the video did not come back after audio only', 15_000);

    // Muted by a host: this speaker's page keeps sending its microphone, and Janus alone stops it reaching anyone.
    const audioBefore = watcher.audioBytes(sam.id);
    await until(() => watcher.audioBytes(sam.id) > audioBefore, 'the speaker’s audio does not flow', 10_000);
    expect(await host.emitWithAck('mute-participant', { participantId: sam.id, muted: true })).toMatchObject({ ok: true });
    await until(
      async () => {
        const before = watcher.audioBytes(sam.id);
        await new Promise((r) => setTimeout(r, 2_500));
        return watcher.audioBytes(sam.id) === before;
      },
      'the muted speaker’s audio still reaches the attendee',
      20_000,
      0,
    );
    const framesWhileMuted = watcher.frames(sam.id);
    await until(() => watcher.frames(sam.id) > framesWhileMuted + 5, 'the muted speaker’s video stopped too', 10_000);

    // Sent back: the feed is no longer named, every page closes its subscription, and a new one is refused.
    const gone = nextEvent(adaSocket, 'media-mode', 10_000, (body) => body.speakers.length === 0);
    expect(await host.emitWithAck('stage-leave', { participantId: sam.id })).toMatchObject({ ok: true });
    expect((await gone).feed).toBe(presenterFeed);
    await Promise.all([watcher, presenterPage].map((p) => p.waitFor((f) => f.event === 'speaker-closed' && f.participantId === sam.id, 10_000)));
    expect(janus.sfu.liveSpeakers(room.id)).toEqual([]);
    expect(await adaSocket.emitWithAck('sfu-subscribe', { feed: speakerFeed, speaker: sam.id })).toEqual(notFound);
    expect((await connectForMode(live.url, ada.token)).mode.speakers).toEqual([]);
    // The presenter's feed lives on.
    const presenterFrames = watcher.frames();
    await until(() => watcher.frames() > presenterFrames + 5, 'the presenter’s video stopped with the speaker’s', 10_000);
  }, 120_000);

  it('should refuse bad speaker payloads with validation_error', async () => {
    const { room, addAttendee } = await publishedRoom();
    const ada = (await joinAs(live.url, await addAttendee('Ada'), room.slug)).socket;
    const invalid = { ok: false, error: { code: 'validation_error', message: expect.any(String) } };
    expect(await ada.emitWithAck('sfu-subscribe', { feed: 1, speaker: 'not-an-id' } as never)).toEqual(invalid);
    expect(await ada.emitWithAck('sfu-answer', { sdp: shapedButWrongSdp, speaker: 42 } as never)).toEqual(invalid);
    const candidate = { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 };
    expect(await ada.emitWithAck('sfu-ice', { candidate, to: 'speaker', speaker: crypto.randomUUID() })).toEqual(invalid);
    expect(await ada.emitWithAck('sfu-ice', { candidate, speaker: crypto.randomUUID() })).toEqual({
      ok: false,
      error: { code: 'not_found', message: expect.any(String) },
    });
  });
});
