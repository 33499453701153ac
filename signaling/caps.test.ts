import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_EVENTS_PER_SOCKET, MAX_SDP_BYTES, MAX_SOCKET_MESSAGE_BYTES, MAX_SOCKETS_PER_PARTICIPANT } from '../core/limits.ts';
import { createTestDatabase } from '../db/testing.ts';
import type { AckResult } from './protocol.ts';
import { barrier, connect, createTestRoom, joinAs, nextEvent, recordEvents, startSignaling, useSignaling, type TestClient } from './testing.ts';

const live = useSignaling({ RATE_LIMIT_SOCKET_HANDSHAKES: '1000' });

/** Resolves with the refusal a connection attempt ends in (or rejects if it was accepted). */
async function refusalOf(attempt: Promise<TestClient>): Promise<{ message: string; data?: { code: string; message: string; retryAfterMs?: number } }> {
  try {
    const socket = await attempt;
    socket.close();
  } catch (err) {
    return err as { message: string; data?: { code: string; message: string } };
  }
  throw new Error('the connection was accepted');
}

const disconnected = (socket: TestClient) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

describe('message size', () => {
  it('should close a connection that sends more than the protocol needs', async () => {
    const { room, addAttendee } = await createTestRoom(live.db);
    const { socket } = await joinAs(live.url, await addAttendee(), room.slug);
    const gone = disconnected(socket);
    // Past engine.io's bound the server drops the connection instead of parsing the message.
    socket.emit('chat-message', { roomSlug: room.slug, message: 'x'.repeat(MAX_SOCKET_MESSAGE_BYTES) }, () => {});
    expect(await gone).toMatch(/transport (close|error)/);
  });

  it('should still carry the largest offer the protocol allows, written with the shortest lines', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee();
    const { socket: attendeeSocket } = await joinAs(live.url, attendee, room.slug);
    const { socket: presenterSocket } = await joinAs(live.url, presenter, room.slug);
    // Every line end escapes to four characters in JSON: the worst case for the message size.
    const head = 'v=0\r\n';
    const sdp = head + 'a=x\r\n'.repeat((MAX_SDP_BYTES - head.length) / 5) + 'a'.repeat((MAX_SDP_BYTES - head.length) % 5);
    expect(sdp).toHaveLength(MAX_SDP_BYTES);
    const received = nextEvent(attendeeSocket, 'webrtc-offer');
    expect(await presenterSocket.emitWithAck('webrtc-offer', { target: attendee.id, offer: { type: 'offer', sdp } })).toEqual({ ok: true });
    expect((await received).offer.sdp).toBe(sdp);
    expect(presenterSocket.connected).toBe(true);
  });
});

describe('events waiting per socket', () => {
  it('should answer busy to what arrives past the bound, and handle the rest in order', async () => {
    const { room, addAttendee } = await createTestRoom(live.db);
    const { socket } = await joinAs(live.url, await addAttendee(), room.slug);
    const sent = MAX_QUEUED_EVENTS_PER_SOCKET * 3;
    // Sent without waiting: each media-state writes to the database, so the socket's events queue behind it.
    const results = await Promise.all(
      Array.from({ length: sent }, (_, i) => new Promise<AckResult>((resolve) => socket.emit('media-state', { audio: false, video: i % 2 === 0 }, resolve))),
    );
    const busy = results.filter((r) => !r.ok && r.error.code === 'busy');
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]).toEqual({ ok: false, error: { code: 'busy', message: expect.any(String), retryAfterMs: expect.any(Number) } });
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(MAX_QUEUED_EVENTS_PER_SOCKET);
    expect(results.filter((r) => r.ok).length + busy.length).toBe(sent);
    expect(socket.connected).toBe(true);
  });
});

describe('sockets per participant', () => {
  it(`should refuse a participant's socket past ${MAX_SOCKETS_PER_PARTICIPANT} at once, and take one again when another closes`, async () => {
    const { presenter } = await createTestRoom(live.db);
    const held = [];
    for (let i = 0; i < MAX_SOCKETS_PER_PARTICIPANT; i++) held.push(await connect(live.url, presenter.token));
    const refused = await refusalOf(connect(live.url, presenter.token));
    expect(refused.message).toBe('rate_limited');
    expect(refused.data).toEqual({ code: 'rate_limited', message: expect.stringContaining(String(MAX_SOCKETS_PER_PARTICIPANT)) });
    held[0]!.close();
    // Closing is seen by the server a moment later; then the seat is free.
    await expect
      .poll(async () => {
        try {
          held.push(await connect(live.url, presenter.token));
          return true;
        } catch {
          return false;
        }
      })
      .toBe(true);
  });
});

describe('handshakes per address', () => {
  it('should refuse handshakes past the cap from one address, whatever X-Forwarded-For it sends', async () => {
    const database = await createTestDatabase();
    const server = await startSignaling(database.db, { RATE_LIMIT_SOCKET_HANDSHAKES: '3' });
    try {
      const { addAttendee } = await createTestRoom(database.db);
      const spoof = (n: number) => ({ extraHeaders: { 'x-forwarded-for': `203.0.113.${n}` } });
      for (let i = 0; i < 3; i++) (await connect(server.url, (await addAttendee()).token, spoof(i))).close();
      const refused = await refusalOf(connect(server.url, (await addAttendee()).token, spoof(9)));
      expect(refused.data).toEqual({ code: 'rate_limited', message: expect.any(String), retryAfterMs: expect.any(Number) });
    } finally {
      await server.close();
      await database.destroy();
    }
  });

  it('should count the clients a trusted proxy names apart, and an IPv6 /64 as one', async () => {
    const database = await createTestDatabase();
    const server = await startSignaling(database.db, { RATE_LIMIT_SOCKET_HANDSHAKES: '2', TRUST_PROXY: 'loopback' });
    try {
      const { addAttendee } = await createTestRoom(database.db);
      const from = (address: string) => ({ extraHeaders: { 'x-forwarded-for': address } });
      for (const address of ['2001:db8:5:6::1', '2001:db8:5:6::2']) (await connect(server.url, (await addAttendee()).token, from(address))).close();
      expect((await refusalOf(connect(server.url, (await addAttendee()).token, from('2001:db8:5:6:ffff::3')))).message).toBe('rate_limited');
      // Another client behind the same proxy has its own allowance.
      (await connect(server.url, (await addAttendee()).token, from('198.51.100.4'))).close();
    } finally {
      await server.close();
      await database.destroy();
    }
  });
});

describe("the presenter's budget", () => {
  it('should keep one attendee asking for renegotiations from using up what the presenter needs for the others', async () => {
    const database = await createTestDatabase();
    const server = await startSignaling(database.db, {
      RATE_LIMIT_SOCKET_SIGNALING: '30',
      RATE_LIMIT_SOCKET_RENEGOTIATIONS: '5',
      RATE_LIMIT_SOCKET_WINDOW_SECONDS: '60',
    });
    try {
      const { room, presenter, addAttendee } = await createTestRoom(database.db);
      const [mallory, grace] = [await addAttendee('Mallory'), await addAttendee('Grace')];
      const { socket: presenterSocket } = await joinAs(server.url, presenter, room.slug);
      const { socket: mallorySocket } = await joinAs(server.url, mallory, room.slug);
      const { socket: graceSocket } = await joinAs(server.url, grace, room.slug);
      // The presenter's page answers every peer-ready with a new offer and its ICE candidates, as browsers do.
      const presenterAcks: AckResult[] = [];
      presenterSocket.on('media-control', ({ from, action }) => {
        if (action !== 'peer-ready') return;
        const offer = presenterSocket.emitWithAck('webrtc-offer', { target: from, offer: { type: 'offer', sdp: 'v=0\r\n' } });
        const candidates = Array.from({ length: 4 }, (_, i) =>
          presenterSocket.emitWithAck('webrtc-ice-candidate', { target: from, candidate: { candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${9000 + i} typ host` } }),
        );
        void Promise.all([offer, ...candidates]).then((acks) => presenterAcks.push(...acks));
      });
      const malloryAcks = [];
      for (let i = 0; i < 20; i++) {
        malloryAcks.push(await mallorySocket.emitWithAck('media-control', { target: presenter.id, action: 'peer-ready' }));
      }
      expect(malloryAcks.slice(0, 5)).toEqual(Array(5).fill({ ok: true }));
      expect(malloryAcks.slice(5).every((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
      await barrier(presenterSocket);
      await expect.poll(() => presenterAcks.length).toBe(25);
      expect(presenterAcks.every((a) => a.ok)).toBe(true);
      // Grace's page opens its peer now: the presenter can still offer it.
      const seen = recordEvents(graceSocket);
      const offered = nextEvent(graceSocket, 'webrtc-offer');
      expect(await graceSocket.emitWithAck('media-control', { target: presenter.id, action: 'peer-ready' })).toEqual({ ok: true });
      expect((await offered).from).toBe(presenter.id);
      await expect.poll(() => seen.filter((e) => e.event === 'webrtc-ice-candidate').length).toBe(4);
    } finally {
      await server.close();
      await database.destroy();
    }
  });
});
