// Two signaling processes on one PostgreSQL and one Janus (JANUS_URL), as in a production split: a presenter (or a
// speaker on stage) publishing through one process reaches an attendee on the other, and the Janus room goes when
// the room empties.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findSfuRoom, listSfuSpeakers } from '../db/room-media.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createTestRoom, joinAs, nextEvent } from './testing.ts';
import { startEntry, type ChildEntry } from './testing-processes.ts';
import { until } from '../testing/until.ts';
import { killPeers, startPeer, startTestJanus, type TestJanus } from './testing-sfu.ts';

describe('the SFU across two signaling processes', () => {
  let database: TestDatabase;
  let janus: TestJanus;
  let signalingA: ChildEntry;
  let signalingB: ChildEntry;

  beforeAll(async () => {
    [database, janus] = await Promise.all([createPostgresTestDatabase(), startTestJanus()]);
    const env = {
      DATABASE_URL: database.url!,
      REDIS_URL: '',
      RATE_LIMITS: 'off',
      MEDIA_MODE: 'sfu',
      JANUS_URL: janus.janus.url,
      JANUS_API_SECRET: janus.janus.apiSecret,
      JANUS_ADMIN_KEY: janus.janus.adminSecret,
      SIGNALING_PORT: '0',
    };
    [signalingA, signalingB] = await Promise.all([startEntry('signaling/main.ts', env), startEntry('signaling/main.ts', env)]);
  }, 120_000);

  afterEach(() => killPeers());

  afterAll(async () => {
    killPeers();
    await Promise.all([signalingA, signalingB].map((child) => child?.stop()));
    await janus?.close();
    await database?.destroy();
  });

  it('should bring a presenter’s feed published through one process to attendees on both, and destroy the Janus room once all leave', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const publisher = startPeer(signalingA.url, presenter.token, 'publish');
    await publisher.waitFor((f) => f.event === 'published', 30_000);
    const shared = await findSfuRoom(database.db, room.id);
    expect(shared).toMatchObject({ janusUrl: janus.janus.url, janusRoom: expect.any(Number) });

    const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
    const onB = startPeer(signalingB.url, ada.token, 'subscribe');
    const onA = startPeer(signalingA.url, bob.token, 'subscribe');
    const [firstB, firstA] = await Promise.all([onB, onA].map((s) => s.waitFor((f) => f.event === 'first-frame', 30_000)));
    expect(firstB).toMatchObject({ width: 320, height: 240 });
    expect(firstA).toMatchObject({ width: 320, height: 240 });
    await until(() => onB.frames() > 10, 'the attendee on the other process stopped decoding', 15_000);
    const feed = (await findSfuRoom(database.db, room.id))!.feed;
    expect(feed).toEqual(expect.any(Number));
    // Both processes use the one Janus room the first one placed.
    expect((await findSfuRoom(database.db, room.id))!.janusRoom).toBe(shared!.janusRoom);

    for (const peer of [publisher, onA, onB]) peer.kill();
    let row = shared;
    const deadline = Date.now() + 20_000;
    while (row && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      row = await findSfuRoom(database.db, room.id);
    }
    expect(row).toBeNull();
    expect(signalingA.output() + signalingB.output()).not.toMatch(/sfu error/);
  }, 120_000);

  it('should bring attendees on both processes to the new feed when the reloaded presenter page lands on the other one', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const publisher = startPeer(signalingA.url, presenter.token, 'publish');
    await publisher.waitFor((f) => f.event === 'published', 30_000);
    const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
    const subscribers = [startPeer(signalingB.url, ada.token, 'subscribe'), startPeer(signalingA.url, bob.token, 'subscribe')];
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'first-frame', 30_000)));
    const oldFeed = (await findSfuRoom(database.db, room.id))!.feed;

    // The old page is gone: the shared store stops naming its feed, so neither process sends anyone to it.
    publisher.kill();
    await until(async () => (await findSfuRoom(database.db, room.id))?.feed === null, 'the store still names the old feed', 20_000, 250);

    startPeer(signalingB.url, presenter.token, 'publish');
    const newFeed = await until(
      async () => {
        const feed = (await findSfuRoom(database.db, room.id))?.feed;
        return feed !== oldFeed && feed;
      },
      'the reloaded page never went live',
      30_000,
      250,
    );
    const before = subscribers.map((s) => s.frames());
    await Promise.all(subscribers.map((s) => s.waitFor((f) => f.event === 'subscribed' && f.feed === newFeed, 30_000)));
    await Promise.all(subscribers.map((s, i) => until(() => s.frames() > before[i]! + 10, 'no video from the new feed', 20_000)));
    expect(signalingA.output() + signalingB.output()).not.toMatch(/sfu error/);
  }, 120_000);

  it('should bring a speaker publishing through one process to an attendee on the other, and close it there once sent back', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const publisher = startPeer(signalingA.url, presenter.token, 'publish');
    await publisher.waitFor((f) => f.event === 'published', 30_000);
    const [sam, ada] = await Promise.all([addAttendee('Sam'), addAttendee('Ada')]);
    const host = (await joinAs(signalingA.url, presenter, room.slug)).socket;
    const samSocket = (await joinAs(signalingA.url, sam, room.slug)).socket;
    const adaSocket = (await joinAs(signalingB.url, ada, room.slug)).socket;
    try {
      expect(await host.emitWithAck('stage-invite', { participantId: sam.id })).toMatchObject({ ok: true });
      expect(await samSocket.emitWithAck('stage-answer', { accept: true })).toMatchObject({ ok: true });
      const speaker = startPeer(signalingA.url, sam.token, 'speak');
      await speaker.waitFor((f) => f.event === 'published', 30_000);
      const row = await until(
        async () => (await listSfuSpeakers(database.db, room.id)).find((r) => r.participantId === sam.id),
        'the store never named the speaker',
        20_000,
        250,
      );
      expect(row).toMatchObject({ participantId: sam.id, janusRoom: (await findSfuRoom(database.db, room.id))!.janusRoom, feed: expect.any(Number) });

      // Ada's page is connected to the other process: it learns of the speaker, subscribes there, and decodes.
      const watcher = startPeer(signalingB.url, ada.token, 'subscribe');
      await watcher.waitFor((f) => f.event === 'speaker-first-frame' && f.participantId === sam.id && f.feed === row.feed, 30_000);
      const frames = watcher.frames(sam.id);
      await until(() => watcher.frames(sam.id) > frames + 10, 'the speaker’s frames stopped on the other process', 15_000);

      // Sent back through the process of neither page's subscription: the store and every page let go of the feed.
      const gone = nextEvent(adaSocket, 'media-mode', 15_000, (body) => body.speakers.length === 0);
      expect(await host.emitWithAck('stage-leave', { participantId: sam.id })).toMatchObject({ ok: true });
      await gone;
      await watcher.waitFor((f) => f.event === 'speaker-closed' && f.participantId === sam.id, 15_000);
      expect(await listSfuSpeakers(database.db, room.id)).toEqual([]);
      expect(await adaSocket.emitWithAck('sfu-subscribe', { feed: row.feed, speaker: sam.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(signalingA.output() + signalingB.output()).not.toMatch(/sfu error/);
    } finally {
      for (const socket of [host, samSocket, adaSocket]) socket.close();
    }
  }, 120_000);
});
