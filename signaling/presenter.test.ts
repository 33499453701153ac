import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findParticipant } from '../db/participants.ts';
import { findRoomById } from '../db/rooms.ts';
import { findSessionStats } from '../db/stats.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import type { ClientEvent } from './protocol.ts';
import {
  barrier,
  closeClients,
  connect,
  createTestRoom,
  joinAs,
  nextEvent,
  recordEvents,
  roomState,
  startSignaling,
  type RunningSignaling,
} from './testing.ts';

let database: TestDatabase;
let server: RunningSignaling;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startSignaling(database.db, { RECONNECT_GRACE_MS: '200' });
});

afterEach(() => closeClients());

afterAll(async () => {
  await server.close();
  await database.destroy();
});

async function roomWithTwo() {
  const { room, presenter, addAttendee } = await createTestRoom(database.db);
  const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
  const presenterSocket = (await joinAs(server.url, presenter, room.slug)).socket;
  const adaSocket = (await joinAs(server.url, ada, room.slug)).socket;
  const bobSocket = (await joinAs(server.url, bob, room.slug)).socket;
  await Promise.all([presenterSocket, adaSocket, bobSocket].map(barrier));
  return { room, presenter, ada, bob, presenterSocket, adaSocket, bobSocket };
}

describe('screen share', () => {
  it('should start and stop, tell the room, and count the shares', async () => {
    const { room, presenterSocket, adaSocket } = await roomWithTwo();
    const started = nextEvent(adaSocket, 'presenter-screen-sharing');
    expect(await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug })).toEqual({ ok: true });
    expect(await started).toEqual({ isSharing: true });
    expect(await findRoomById(database.db, room.id)).toMatchObject({ isScreenSharing: true, screenShareCount: 1 });
    const stopped = nextEvent(adaSocket, 'presenter-screen-sharing');
    expect(await presenterSocket.emitWithAck('screen-share-stop', {})).toEqual({ ok: true });
    expect(await stopped).toEqual({ isSharing: false });
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    expect(await findRoomById(database.db, room.id)).toMatchObject({ isScreenSharing: true, screenShareCount: 2 });
  });

  it('should report the share to someone who joins while it runs', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const presenterSocket = (await joinAs(server.url, presenter, room.slug)).socket;
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    const { joined } = await joinAs(server.url, await addAttendee('Late'), room.slug);
    expect(joined).toMatchObject({ ok: true, isScreenSharing: true });
  });

  it('should stop the share when the presenter leaves for good', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const presenterSocket = (await joinAs(server.url, presenter, room.slug)).socket;
    const adaSocket = (await joinAs(server.url, await addAttendee('Ada'), room.slug)).socket;
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    await barrier(adaSocket);
    const stopped = nextEvent(adaSocket, 'presenter-screen-sharing');
    presenterSocket.close();
    expect(await stopped).toEqual({ isSharing: false });
    expect(await findRoomById(database.db, room.id)).toMatchObject({ isScreenSharing: false, presenterSocketId: null });
  });
});

describe('media-state', () => {
  it('should store the sender’s audio and video state and broadcast participant-updated', async () => {
    const { room, ada, presenterSocket, adaSocket } = await roomWithTwo();
    const updated = nextEvent(presenterSocket, 'participant-updated');
    expect(await adaSocket.emitWithAck('media-state', { audio: false, video: true })).toEqual({ ok: true });
    expect((await updated).participant).toMatchObject({ id: ada.id, isMuted: true, isVideoOn: true });
    expect(await findParticipant(database.db, room.id, ada.id)).toMatchObject({ isMuted: true, isVideoOn: true });
  });
});

describe('mute-all-attendees', () => {
  it('should mute every present attendee, tell each of them, and leave the presenter alone', async () => {
    const { room, presenter, ada, bob, presenterSocket, adaSocket, bobSocket } = await roomWithTwo();
    const toldAda = nextEvent(adaSocket, 'muted-by-presenter');
    const toldBob = nextEvent(bobSocket, 'muted-by-presenter');
    const seenByPresenter = recordEvents(presenterSocket);
    expect(await presenterSocket.emitWithAck('mute-all-attendees', {})).toEqual({ ok: true, muted: 2 });
    await Promise.all([toldAda, toldBob]);
    for (const id of [ada.id, bob.id]) expect((await findParticipant(database.db, room.id, id))?.isMuted).toBe(true);
    expect((await findParticipant(database.db, room.id, presenter.id))?.isMuted).toBe(false);
    await barrier(presenterSocket);
    expect(seenByPresenter.map((e) => e.event)).not.toContain('muted-by-presenter');
    const updates = seenByPresenter.filter((e) => e.event === 'participant-updated');
    expect(updates.map((e) => (e.payload as { participant: { id: string } }).participant.id).sort()).toEqual([ada.id, bob.id].sort());
  });
});

describe('end-room', () => {
  it('should end the room, ack the stats, send room-ended to everyone and disconnect them', async () => {
    const { room, presenterSocket, adaSocket, bobSocket } = await roomWithTwo();
    await adaSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'bye' });
    const ended = [nextEvent(adaSocket, 'room-ended'), nextEvent(bobSocket, 'room-ended')];
    const disconnected = new Promise<string>((resolve) => adaSocket.once('disconnect', resolve));
    const ack = await presenterSocket.emitWithAck('end-room', {});
    expect(ack).toMatchObject({ ok: true, sessionStats: { totalParticipants: 3, maxConcurrentParticipants: 3, totalMessages: 1 } });
    if (!ack.ok) return;
    for (const event of await Promise.all(ended)) expect(event).toEqual({ sessionStats: ack.sessionStats });
    expect(await disconnected).toBe('io server disconnect');
    expect(await findRoomById(database.db, room.id)).toMatchObject({ isActive: false });
    expect(await findSessionStats(database.db, room.id)).toEqual(ack.sessionStats);
  });

  it('should refuse new sockets for the ended room', async () => {
    const { room, presenter, presenterSocket } = await roomWithTwo();
    await presenterSocket.emitWithAck('end-room', {});
    await expect(connect(server.url, presenter.token)).rejects.toThrow('unauthorized');
    expect((await findRoomById(database.db, room.id))?.isActive).toBe(false);
  });
});

describe('presenter-only events', () => {
  const attempts: Array<[ClientEvent, (slug: string) => unknown]> = [
    ['screen-share-start', (slug) => ({ roomSlug: slug })],
    ['screen-share-stop', () => ({})],
    ['mute-all-attendees', () => ({})],
    ['end-room', () => ({})],
  ];

  it.each(attempts)('should refuse %s from an attendee with forbidden and change or broadcast nothing', async (event, payload) => {
    const { room, presenterSocket, adaSocket, bobSocket } = await roomWithTwo();
    const before = await roomState(database.db, room.id);
    const seen = [recordEvents(presenterSocket), recordEvents(bobSocket)];
    const result = await adaSocket.emitWithAck(event, payload(room.slug) as never);
    expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    await Promise.all([presenterSocket, bobSocket].map(barrier));
    expect(seen).toEqual([[], []]);
    expect(await roomState(database.db, room.id)).toEqual(before);
    expect(adaSocket.connected).toBe(true);
  });

  it('should refuse the presenter of another room starting a share in this one', async () => {
    const { room, adaSocket } = await roomWithTwo();
    const other = await createTestRoom(database.db);
    const stranger = (await joinAs(server.url, other.presenter, other.room.slug)).socket;
    const before = await roomState(database.db, room.id);
    const seen = recordEvents(adaSocket);
    expect(await stranger.emitWithAck('screen-share-start', { roomSlug: room.slug })).toMatchObject({ error: { code: 'forbidden' } });
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await roomState(database.db, room.id)).toEqual(before);
  });

  it('should keep the presenter of another room’s mute-all and end-room to that room', async () => {
    const { room, adaSocket } = await roomWithTwo();
    const other = await createTestRoom(database.db);
    const stranger = (await joinAs(server.url, other.presenter, other.room.slug)).socket;
    const seen = recordEvents(adaSocket);
    expect(await stranger.emitWithAck('mute-all-attendees', {})).toEqual({ ok: true, muted: 0 });
    expect(await stranger.emitWithAck('end-room', {})).toMatchObject({ ok: true });
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await findRoomById(database.db, room.id)).toMatchObject({ isActive: true });
  });
});
