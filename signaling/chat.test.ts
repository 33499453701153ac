import { describe, expect, it } from 'vitest';
import { addMessage, listMessages } from '../db/chat.ts';
import { endRoom } from '../db/rooms.ts';
import { reactionEmojis } from './protocol.ts';
import { barrier, createTestRoom, joinAs, nextEvent, recordEvents, useSignaling } from './testing.ts';

const live = useSignaling({ RATE_LIMIT_SOCKET_CHAT: '10', RATE_LIMIT_SOCKET_WINDOW_SECONDS: '60' });

async function roomWithTwo() {
  const { room, presenter, addAttendee } = await createTestRoom(live.db);
  const attendee = await addAttendee('Ada');
  const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
  const attendeeSocket = (await joinAs(live.url, attendee, room.slug)).socket;
  await Promise.all([presenterSocket, attendeeSocket].map(barrier));
  return { room, presenter, attendee, presenterSocket, attendeeSocket };
}

describe('chat-message', () => {
  it('should store the message, ack it and broadcast it to the whole room', async () => {
    const { room, attendee, presenterSocket, attendeeSocket } = await roomWithTwo();
    const atPresenter = nextEvent(presenterSocket, 'new-chat-message');
    const atSender = nextEvent(attendeeSocket, 'new-chat-message');
    const ack = await attendeeSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: '  Hello room  ' });
    expect(ack).toMatchObject({ ok: true, message: { participantId: attendee.id, name: 'Ada', message: 'Hello room', messageType: 'chat' } });
    if (!ack.ok) return;
    expect(await atPresenter).toEqual({ message: ack.message });
    expect(await atSender).toEqual({ message: ack.message });
    const stored = await listMessages(live.db, room.id, { limit: 10 });
    expect(stored.messages.map((m) => m.id)).toEqual([ack.message.id]);
  });

  it('should store and broadcast a retried clientMessageId once, even when the retries race', async () => {
    const { room, presenterSocket, attendeeSocket } = await roomWithTwo();
    const seen = recordEvents(presenterSocket);
    const send = () => attendeeSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'only once', clientMessageId: 'c-1' });
    const acks = await Promise.all([send(), send(), send(), send()]);
    const ids = new Set(acks.map((a) => (a.ok ? a.message.id : a.error.code)));
    expect(ids.size).toBe(1);
    expect(acks.every((a) => a.ok && a.message.clientMessageId === 'c-1')).toBe(true);
    const retry = await send();
    expect(retry.ok && retry.message.id).toBe([...ids][0]);
    await barrier(presenterSocket);
    expect(seen.filter((e) => e.event === 'new-chat-message')).toHaveLength(1);
    expect((await listMessages(live.db, room.id, { limit: 10 })).messages).toHaveLength(1);
  });

  it('should announce again a retry of a message that another process stored and never announced', async () => {
    const { room, attendee, presenterSocket, attendeeSocket } = await roomWithTwo();
    // What a process leaves when it dies between its commit and its announcement: the row, and no event.
    const stored = await addMessage(live.db, { roomId: room.id, sender: { id: attendee.id, name: 'Ada' }, message: 'lost in the crash', clientMessageId: 'c-crash' });
    const seen = recordEvents(presenterSocket);
    const retry = await attendeeSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'lost in the crash', clientMessageId: 'c-crash' });
    expect(retry.ok && retry.message.id).toBe(stored.message.id);
    await barrier(presenterSocket);
    expect(seen.filter((e) => e.event === 'new-chat-message').map((e) => (e.payload as { message: { id: string } }).message.id)).toEqual([stored.message.id]);
    expect((await listMessages(live.db, room.id, { limit: 10 })).messages).toHaveLength(1);
  });

  it('should refuse a message to another room and store nothing', async () => {
    const { room, attendeeSocket } = await roomWithTwo();
    const other = await createTestRoom(live.db);
    const result = await attendeeSocket.emitWithAck('chat-message', { roomSlug: other.room.slug, message: 'sneaky' });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await listMessages(live.db, other.room.id, { limit: 10 })).messages).toEqual([]);
    expect((await listMessages(live.db, room.id, { limit: 10 })).messages).toEqual([]);
  });

  it('should refuse chat once the room has ended, even on a socket still open', async () => {
    const { room, attendeeSocket } = await roomWithTwo();
    await endRoom(live.db, room.id);
    const result = await attendeeSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'too late' });
    expect(result).toMatchObject({ ok: false, error: { code: 'room_ended' } });
  });

  it('should answer rate_limited past the chat budget and store nothing more', async () => {
    const { room, attendeeSocket } = await roomWithTwo();
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await attendeeSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: `m${i}` }));
    expect(results.slice(0, 10).every((r) => r.ok)).toBe(true);
    expect(results.slice(10)).toEqual([
      { ok: false, error: { code: 'rate_limited', message: expect.any(String), retryAfterMs: expect.any(Number) } },
      { ok: false, error: { code: 'rate_limited', message: expect.any(String), retryAfterMs: expect.any(Number) } },
    ]);
    expect((await listMessages(live.db, room.id, { limit: 50 })).messages).toHaveLength(10);
    expect(attendeeSocket.connected).toBe(true);
  });
});

describe('reaction', () => {
  it('should store a reaction message and broadcast who reacted with what', async () => {
    const { room, attendee, presenterSocket, attendeeSocket } = await roomWithTwo();
    const received = nextEvent(presenterSocket, 'reaction');
    expect(await attendeeSocket.emitWithAck('reaction', { emoji: reactionEmojis[1] })).toEqual({ ok: true });
    expect(await received).toEqual({ participantId: attendee.id, emoji: reactionEmojis[1] });
    const stored = await listMessages(live.db, room.id, { limit: 10 });
    expect(stored.messages).toMatchObject([{ messageType: 'reaction', message: reactionEmojis[1], participantId: attendee.id }]);
  });

  it('should refuse an emoji outside the fixed set', async () => {
    const { room, attendeeSocket } = await roomWithTwo();
    expect(await attendeeSocket.emitWithAck('reaction', { emoji: '🦄' } as never)).toMatchObject({ error: { code: 'validation_error' } });
    expect((await listMessages(live.db, room.id, { limit: 10 })).messages).toEqual([]);
  });
});
