// Two signaling processes on one PostgreSQL and one Janus (JANUS_URL), as in a production split: a presenter
// publishing through one process reaches an attendee on the other, and the Janus room goes when the room empties.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findSfuRoom } from '../db/room-media.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createTestRoom } from './testing.ts';
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
});

