import { describe, expect, it } from 'vitest';
import { findParticipant } from '../db/participants.ts';
import { endRoom, findRoomById } from '../db/rooms.ts';
import { findSessionStats } from '../db/stats.ts';
import type { ClientEvent } from './protocol.ts';
import { barrier, connect, createTestRoom, joinAs, nextEvent, recordEvents, roomState, useSignaling } from './testing.ts';

const live = useSignaling({ RECONNECT_GRACE_MS: '200' });

async function roomWithTwo() {
  const { room, presenter, addAttendee } = await createTestRoom(live.db);
  const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
  const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
  const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
  const bobSocket = (await joinAs(live.url, bob, room.slug)).socket;
  await Promise.all([presenterSocket, adaSocket, bobSocket].map(barrier));
  return { room, presenter, ada, bob, presenterSocket, adaSocket, bobSocket };
}

describe('screen share', () => {
  it('should start and stop, tell the room, and count the shares', async () => {
    const { room, presenterSocket, adaSocket } = await roomWithTwo();
    const started = nextEvent(adaSocket, 'presenter-screen-sharing');
    expect(await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug })).toEqual({ ok: true });
    expect(await started).toEqual({ isSharing: true });
    expect(await findRoomById(live.db, room.id)).toMatchObject({ isScreenSharing: true, screenShareCount: 1 });
    const stopped = nextEvent(adaSocket, 'presenter-screen-sharing');
    expect(await presenterSocket.emitWithAck('screen-share-stop', {})).toEqual({ ok: true });
    expect(await stopped).toEqual({ isSharing: false });
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    expect(await findRoomById(live.db, room.id)).toMatchObject({ isScreenSharing: true, screenShareCount: 2 });
  });

  it('should report the share to someone who joins while it runs', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    const { joined } = await joinAs(live.url, await addAttendee('Late'), room.slug);
    expect(joined).toMatchObject({ ok: true, isScreenSharing: true });
  });

  it('should stop the share when the presenter leaves for good', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    const adaSocket = (await joinAs(live.url, await addAttendee('Ada'), room.slug)).socket;
    await presenterSocket.emitWithAck('screen-share-start', { roomSlug: room.slug });
    await barrier(adaSocket);
    const stopped = nextEvent(adaSocket, 'presenter-screen-sharing');
    presenterSocket.close();
    expect(await stopped).toEqual({ isSharing: false });
    expect(await findRoomById(live.db, room.id)).toMatchObject({ isScreenSharing: false, presenterSocketId: null });
  });
});

describe('media-state', () => {
  it('should store the sender’s audio and video state and broadcast participant-updated', async () => {
    const { room, ada, presenterSocket, adaSocket } = await roomWithTwo();
    const updated = nextEvent(presenterSocket, 'participant-updated');
    expect(await adaSocket.emitWithAck('media-state', { audio: false, video: true })).toEqual({ ok: true });
    expect((await updated).participant).toMatchObject({ id: ada.id, isMuted: true, isVideoOn: true });
    expect(await findParticipant(live.db, room.id, ada.id)).toMatchObject({ isMuted: true, isVideoOn: true });
  });
});

describe('mute-all-attendees', () => {
  it('should lock every present attendee, count and tell only those whose microphone was on, and leave the presenter alone', async () => {
    const { room, presenter, ada, bob, presenterSocket, adaSocket, bobSocket } = await roomWithTwo();
    expect(await presenterSocket.emitWithAck('room-options', { attendeeMicrophones: true })).toMatchObject({ ok: true });
    expect(await adaSocket.emitWithAck('media-state', { audio: true, video: false })).toEqual({ ok: true });
    await Promise.all([presenterSocket, bobSocket].map(barrier));
    const toldAda = nextEvent(adaSocket, 'muted-by-presenter');
    const seenByBob = recordEvents(bobSocket);
    const seenByPresenter = recordEvents(presenterSocket);
    expect(await presenterSocket.emitWithAck('mute-all-attendees', {})).toEqual({ ok: true, muted: 1 });
    await toldAda;
    for (const id of [ada.id, bob.id]) expect(await findParticipant(live.db, room.id, id)).toMatchObject({ isMuted: true, muteLocked: true });
    expect((await findParticipant(live.db, room.id, presenter.id))?.isMuted).toBe(false);
    await Promise.all([presenterSocket, bobSocket].map(barrier));
    expect(seenByPresenter.map((e) => e.event)).not.toContain('muted-by-presenter');
    // Bob's microphone was never on: the lock reaches him, a notice does not.
    expect(seenByBob.map((e) => e.event)).not.toContain('muted-by-presenter');
    const updates = seenByPresenter.filter((e) => e.event === 'participant-updated');
    expect(updates.map((e) => (e.payload as { participant: { id: string } }).participant.id).sort()).toEqual([ada.id, bob.id].sort());
    // Again, with every microphone off: nothing to mute.
    expect(await presenterSocket.emitWithAck('mute-all-attendees', {})).toEqual({ ok: true, muted: 0 });
  });

  it('should answer room_ended once the room has ended, even where this process still thought it live', async () => {
    const { room, presenterSocket } = await roomWithTwo();
    await presenterSocket.emitWithAck('mute-all-attendees', {});
    // Ended behind this process's back (another process, or the database directly): the write finds no live room.
    await endRoom(live.db, room.id);
    expect(await presenterSocket.emitWithAck('mute-all-attendees', {})).toMatchObject({ ok: false, error: { code: 'room_ended' } });
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
    expect(await findRoomById(live.db, room.id)).toMatchObject({ isActive: false });
    expect(await findSessionStats(live.db, room.id)).toEqual(ack.sessionStats);
  });

  it('should refuse new sockets for the ended room', async () => {
    const { room, presenter, presenterSocket } = await roomWithTwo();
    await presenterSocket.emitWithAck('end-room', {});
    await expect(connect(live.url, presenter.token)).rejects.toThrow('unauthorized');
    expect((await findRoomById(live.db, room.id))?.isActive).toBe(false);
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
    const before = await roomState(live.db, room.id);
    const seen = [recordEvents(presenterSocket), recordEvents(bobSocket)];
    const result = await adaSocket.emitWithAck(event, payload(room.slug) as never);
    expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    await Promise.all([presenterSocket, bobSocket].map(barrier));
    expect(seen).toEqual([[], []]);
    expect(await roomState(live.db, room.id)).toEqual(before);
    expect(adaSocket.connected).toBe(true);
  });

  it('should refuse the presenter of another room starting a share in this one', async () => {
    const { room, adaSocket } = await roomWithTwo();
    const other = await createTestRoom(live.db);
    const stranger = (await joinAs(live.url, other.presenter, other.room.slug)).socket;
    const before = await roomState(live.db, room.id);
    const seen = recordEvents(adaSocket);
    expect(await stranger.emitWithAck('screen-share-start', { roomSlug: room.slug })).toMatchObject({ error: { code: 'forbidden' } });
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await roomState(live.db, room.id)).toEqual(before);
  });

  it('should keep the presenter of another room’s mute-all and end-room to that room', async () => {
    const { room, adaSocket } = await roomWithTwo();
    const other = await createTestRoom(live.db);
    const stranger = (await joinAs(live.url, other.presenter, other.room.slug)).socket;
    const seen = recordEvents(adaSocket);
    expect(await stranger.emitWithAck('mute-all-attendees', {})).toEqual({ ok: true, muted: 0 });
    expect(await stranger.emitWithAck('end-room', {})).toMatchObject({ ok: true });
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await findRoomById(live.db, room.id)).toMatchObject({ isActive: true });
  });
});
