import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { listMessages } from '../db/chat.ts';
import { createSocketRateLimits } from './rate-limit.ts';
import { barrier, createTestRoom, joinAs, recordEvents, useSignaling } from './testing.ts';

const rateLimited = { ok: false, error: { code: 'rate_limited', message: expect.any(String), retryAfterMs: expect.any(Number) } };

describe('socket budgets on a running server', () => {
  const live = useSignaling({ RATE_LIMIT_SOCKET_SIGNALING: '6', RATE_LIMIT_SOCKET_CHAT: '2', RATE_LIMIT_SOCKET_WINDOW_SECONDS: '60' });

  const offer = { type: 'offer' as const, sdp: 'v=0' };

  it('should refuse signaling past the budget with rate_limited, relay nothing more, and keep the socket', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee();
    const attendeeSocket = (await joinAs(live.url, attendee, room.slug)).socket;
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    await barrier(attendeeSocket);
    const seen = recordEvents(attendeeSocket);
    // What the presenter sends toward one attendee spends from that attendee's share: six offers, then refusals.
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await presenterSocket.emitWithAck('webrtc-offer', { target: attendee.id, offer }));
    expect(results.slice(0, 6)).toEqual(Array(6).fill({ ok: true }));
    expect(results.slice(6)).toEqual([rateLimited, rateLimited]);
    expect(presenterSocket.connected).toBe(true);
    await barrier(attendeeSocket);
    expect(seen.filter((e) => e.event === 'webrtc-offer')).toHaveLength(6);
    // The attendee's own events spend its own budget: join-room and two barriers took three, three are left.
    const own = [];
    for (let i = 0; i < 4; i++) own.push(await attendeeSocket.emitWithAck('media-state', { audio: false, video: true }));
    expect(own).toEqual([...Array(3).fill({ ok: true }), rateLimited]);
  });

  it('should count chat, reactions and questions against the smaller chat budget', async () => {
    const { room, addAttendee } = await createTestRoom(live.db);
    const socket = (await joinAs(live.url, await addAttendee(), room.slug)).socket;
    expect(await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'one' })).toMatchObject({ ok: true });
    expect(await socket.emitWithAck('reaction', { emoji: '🎉' })).toEqual({ ok: true });
    expect(await socket.emitWithAck('ask-question', { question: 'three?' })).toEqual(rateLimited);
    expect(await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'four' })).toEqual(rateLimited);
    expect((await listMessages(live.db, room.id, { limit: 10 })).messages).toHaveLength(2);
    // Signaling events still have budget left.
    expect(await socket.emitWithAck('media-state', { audio: false, video: true })).toEqual({ ok: true });
  });

  it('should keep the budget per participant: others are unaffected, and reconnecting does not refill it', async () => {
    const { room, addAttendee } = await createTestRoom(live.db);
    const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
    const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
    for (let i = 0; i < 2; i++) await adaSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: `m${i}` });
    expect(await adaSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'over' })).toEqual(rateLimited);
    adaSocket.close();
    const again = (await joinAs(live.url, ada, room.slug)).socket;
    expect(await again.emitWithAck('chat-message', { roomSlug: room.slug, message: 'after reconnect' })).toEqual(rateLimited);
    const bobSocket = (await joinAs(live.url, bob, room.slug)).socket;
    expect(await bobSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'bob is fine' })).toMatchObject({ ok: true });
  });
});

describe('createSocketRateLimits', () => {
  it('should let everything through when RATE_LIMITS is off', async () => {
    const limits = createSocketRateLimits(loadConfig({ RATE_LIMITS: 'off', RATE_LIMIT_SOCKET_CHAT: '1', RATE_LIMIT_SOCKET_SIGNALING: '1' }));
    const results = await Promise.all(Array.from({ length: 20 }, () => limits.consume({ participantId: 'participant', role: 'attendee' }, 'chat-message')));
    expect(results.every((r) => r === true)).toBe(true);
  });

  it('should refuse the point after the last one of a window', async () => {
    const limits = createSocketRateLimits(loadConfig({ RATE_LIMIT_SOCKET_SIGNALING: '3', RATE_LIMIT_SOCKET_WINDOW_SECONDS: '60' }));
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limits.consume({ participantId: 'participant', role: 'attendee' }, 'webrtc-ice-candidate'));
    expect(results).toEqual([true, true, true, { retryAfterMs: expect.any(Number) }]);
    expect((results[3] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  });
});
