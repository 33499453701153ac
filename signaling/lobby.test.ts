import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { findParticipant } from '../db/participants.ts';
import { findRoomsToEnd } from '../db/rooms.ts';
import { barrier, connect, createTestRoom, joinAs, nextEvent, recordEvents, roomState, useSignaling, waitFor, type TestClient } from './testing.ts';

const live = useSignaling({ RATE_LIMITS: 'off' });

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);
const inAnHour = () => ({ startsAt: new Date(Date.now() + 3600_000), timeZone: 'Europe/Berlin' });

/** A round trip for a waiting socket, which may send nothing but `lobby-status`. */
async function status(socket: TestClient): Promise<string> {
  const result = await socket.emitWithAck('lobby-status', {});
  if (!result.ok) throw new Error(`lobby-status refused: ${result.error.code}`);
  return result.status;
}

describe('a waiting socket', () => {
  it('should connect to hear its admission and act for nothing in the room, hearing nothing of it', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const waiting = await addAttendee('Waiting');
    const socket = await connect(live.url, waiting.token);
    const heard = recordEvents(socket);
    expect(await status(socket)).toBe('waiting');
    const before = await roomState(live.db, room.id);
    for (const [event, payload] of [
      ['join-room', { slug: room.slug }],
      ['chat-message', { roomSlug: room.slug, message: 'let me in' }],
      ['ask-question', { question: 'anyone?' }],
      ['reaction', { emoji: '👍' }],
      ['media-state', { audio: false, video: true }],
      ['webrtc-offer', { target: presenter.id, offer: { type: 'offer', sdp: 'v=0\r\n' } }],
      ['raise-hand', { raised: true }],
      ['list-questions', {}],
      ['list-lobby', {}],
      ['go-live', {}],
    ] as const) {
      expect(code(await socket.emitWithAck(event as 'join-room', payload as never)), event).toBe('waiting');
    }
    expect(await roomState(live.db, room.id)).toEqual(before);
    // The room talks on; the waiting socket hears none of it, nor the names in it.
    expect(code(await host.emitWithAck('chat-message', { roomSlug: room.slug, message: 'welcome, everyone inside' }))).toBe('ok');
    await barrier(host);
    await status(socket);
    expect(heard).toEqual([]);
    // Hosts see who waits.
    const list = await host.emitWithAck('list-lobby', {});
    expect(list.ok && list.waiting.map((w) => w.name)).toEqual(['Waiting']);
  });

  it('should move into the room on the same connection once a host admits it, and be announced then', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const waiting = await addAttendee('Grace');
    const socket = await connect(live.url, waiting.token);
    await status(socket);
    const admitted = nextEvent(socket, 'lobby-admitted');
    const listed = nextEvent(host, 'lobby-updated');
    const answer = await host.emitWithAck('admit-participant', { participantId: waiting.id });
    expect(code(answer)).toBe('ok');
    await admitted;
    expect((await listed).waiting).toEqual([]);
    expect(await status(socket)).toBe('in');
    const announced = nextEvent(host, 'participant-joined');
    const joined = await socket.emitWithAck('join-room', { slug: room.slug });
    expect(joined.ok && joined.participants.map((p) => p.name)).toEqual(['Presenter', 'Grace']);
    expect((await announced).participant.name).toBe('Grace');
    const heard = nextEvent(socket, 'new-chat-message');
    expect(code(await host.emitWithAck('chat-message', { roomSlug: room.slug, message: 'hello Grace' }))).toBe('ok');
    expect((await heard).message.message).toBe('hello Grace');
    expect(code(await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'thanks' }))).toBe('ok');
  });

  it('should announce the attendee when a new page takes over from the waiting one after admission', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const waiting = await addAttendee('Ada');
    const socket = await connect(live.url, waiting.token);
    await status(socket);
    const admitted = nextEvent(socket, 'lobby-admitted');
    expect(code(await host.emitWithAck('admit-participant', { participantId: waiting.id }))).toBe('ok');
    await admitted;
    socket.close();
    const announced = nextEvent(host, 'participant-joined');
    await joinAs(live.url, waiting, room.slug);
    expect((await announced).participant.id).toBe(waiting.id);
  });

  it('should be told and closed when denied, and its token refused at the handshake from then on', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const waiting = await addAttendee('Mallory');
    const socket = await connect(live.url, waiting.token);
    await status(socket);
    const denied = nextEvent(socket, 'lobby-denied');
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(code(await host.emitWithAck('deny-participant', { participantId: waiting.id }))).toBe('ok');
    await denied;
    expect(await closed).toBe('io server disconnect');
    await expect(connect(live.url, waiting.token)).rejects.toThrow('denied');
    expect((await findParticipant(live.db, room.id, waiting.id))?.admission).toBe('denied');
    expect(code(await host.emitWithAck('admit-participant', { participantId: waiting.id }))).toBe('participant_not_found');
  });

  it('should hear the room end', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const socket = await connect(live.url, (await addAttendee('Patient')).token);
    await status(socket);
    const ended = nextEvent(socket, 'room-ended');
    expect(code(await host.emitWithAck('end-room', {}))).toBe('ok');
    await ended;
  });
});

describe('a scheduled room', () => {
  it('should keep early attendees waiting while the presenter and a co-host use the green room, then let them all in at go-live', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { schedule: inAnHour() });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const [first, second, helper] = await Promise.all(['First', 'Second', 'Helper'].map((n) => addAttendee(n)));
    const early = [await connect(live.url, first!.token), await connect(live.url, second!.token)];
    const heard = early.map(recordEvents);
    const helperSocket = await connect(live.url, helper!.token);
    for (const socket of [...early, helperSocket]) expect(await status(socket)).toBe('waiting');

    // Before the start, only a co-host comes in, into the green room.
    expect(code(await host.emitWithAck('admit-participant', { participantId: first!.id }))).toBe('conflict');
    expect(code(await host.emitWithAck('admit-all', {}))).toBe('conflict');
    const helperIn = nextEvent(helperSocket, 'lobby-admitted');
    expect(code(await host.emitWithAck('admit-participant', { participantId: helper!.id, coHost: true }))).toBe('ok');
    await helperIn;
    expect(code(await helperSocket.emitWithAck('join-room', { slug: room.slug }))).toBe('ok');
    const toHelper = nextEvent(helperSocket, 'new-chat-message');
    expect(code(await host.emitWithAck('chat-message', { roomSlug: room.slug, message: 'can you hear me?' }))).toBe('ok');
    await toHelper;
    expect(code(await helperSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'loud and clear' }))).toBe('ok');
    expect(code(await host.emitWithAck('media-state', { audio: true, video: true }))).toBe('ok');
    await barrier(host);
    for (const socket of early) await status(socket);
    expect(heard.flat()).toEqual([]);

    // Go live: the early ones are told and come in on their open connections.
    const admitted = early.map((socket) => nextEvent(socket, 'lobby-admitted'));
    const roomLive = nextEvent(helperSocket, 'room-live');
    const result = await helperSocket.emitWithAck('go-live', {});
    expect(result.ok && result.room.liveAt).toEqual(expect.any(String));
    await Promise.all(admitted);
    await roomLive;
    for (const socket of early) {
      const joined = await socket.emitWithAck('join-room', { slug: room.slug });
      expect(joined.ok && joined.room.liveAt).toEqual(expect.any(String));
    }
    expect(code(await host.emitWithAck('go-live', {}))).toBe('conflict');
  });

  it('should leave those waiting in the lobby after go-live, telling them the room is live', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { schedule: inAnHour(), lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const early = await addAttendee('Early');
    const socket = await connect(live.url, early.token);
    await status(socket);
    const told = nextEvent(socket, 'room-live');
    expect(code(await host.emitWithAck('go-live', {}))).toBe('ok');
    await told;
    expect(await status(socket)).toBe('waiting');
    const admitted = nextEvent(socket, 'lobby-admitted');
    const all = await host.emitWithAck('admit-all', {});
    expect(all.ok && all.admitted).toBe(1);
    await admitted;
    expect(code(await socket.emitWithAck('join-room', { slug: room.slug }))).toBe('ok');
  });
});

describe('a scheduled room left alone', () => {
  it('should not end by itself before its start, however long ago it was announced, and end as any room after', async () => {
    const { room } = await createTestRoom(live.db, { schedule: { startsAt: new Date(Date.now() + 2 * 24 * 3600_000), timeZone: 'UTC' } });
    await live.db.execute(sql`update rooms set created_at = now() - interval '3 days' where id = ${room.id}`);
    await live.db.execute(sql`update participants set seen_at = now() - interval '3 days' where room_id = ${room.id}`);
    const due = () => findRoomsToEnd(live.db, { idleMinutes: 30, maxHours: 24, limit: 1000 });
    expect(await due()).not.toContain(room.id);
    await live.db.execute(sql`update rooms set starts_at = now() - interval '31 minutes' where id = ${room.id}`);
    expect(await due()).toContain(room.id);
  });
});

describe('who may run the lobby', () => {
  it('should refuse attendees and a host of another room, changing nothing', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db, { lobby: true });
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const inside = await addAttendee('Inside');
    expect(code(await host.emitWithAck('admit-participant', { participantId: inside.id }))).toBe('ok');
    const insideSocket = (await joinAs(live.url, inside, room.slug)).socket;
    const target = await addAttendee('Target');
    const other = await createTestRoom(live.db, { lobby: true });
    const otherHost = (await joinAs(live.url, other.presenter, other.room.slug)).socket;
    const before = await roomState(live.db, room.id);
    for (const [event, payload] of [
      ['admit-participant', { participantId: target.id }],
      ['deny-participant', { participantId: target.id }],
      ['admit-all', {}],
      ['list-lobby', {}],
      ['go-live', {}],
    ] as const) {
      expect(code(await insideSocket.emitWithAck(event as 'admit-all', payload as never)), event).toBe('forbidden');
    }
    expect(code(await otherHost.emitWithAck('admit-participant', { participantId: target.id }))).toBe('participant_not_found');
    expect(code(await otherHost.emitWithAck('deny-participant', { participantId: target.id }))).toBe('participant_not_found');
    expect(code(await host.emitWithAck('admit-participant', { participantId: 'not-a-uuid' } as never))).toBe('validation_error');
    await waitFor(50);
    expect(await roomState(live.db, room.id)).toEqual(before);
    expect((await findParticipant(live.db, room.id, target.id))?.admission).toBe('waiting');
  });
});
