import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { io as connectClient } from 'socket.io-client';
import { findParticipant } from '../db/participants.ts';
import { endRoom, findRoomById } from '../db/rooms.ts';
import { createTestDatabase } from '../db/testing.ts';
import {
  barrier,
  closeClients,
  connect,
  createTestRoom,
  joinAs,
  nextEvent,
  recordEvents,
  startSignaling,
  useSignaling,
  waitFor,
  type TestClient,
} from './testing.ts';

const GRACE_MS = 400;

const live = useSignaling({ RECONNECT_GRACE_MS: String(GRACE_MS) });

describe('handshake', () => {
  it('should refuse a socket without a token', async () => {
    await expect(connect(live.url, undefined)).rejects.toThrow('unauthorized');
  });

  it('should refuse an unknown token', async () => {
    await expect(connect(live.url, 'not-a-token-anyone-was-given')).rejects.toThrow('unauthorized');
  });

  it('should refuse a token that is not a string or is too long', async () => {
    const refusals = [{ token: 42 }, { token: 'x'.repeat(201) }, { token: '' }, { token: null }];
    for (const auth of refusals) {
      const socket = connectClient(live.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(error.message).toBe('unauthorized');
    }
  });

  it('should refuse the token of a room that has ended', async () => {
    const { room, presenter } = await createTestRoom(live.db);
    await endRoom(live.db, room.id);
    await expect(connect(live.url, presenter.token)).rejects.toThrow('unauthorized');
  });

  it('should accept a live token and record the socket on the participant', async () => {
    const { room, presenter } = await createTestRoom(live.db);
    const socket = await connect(live.url, presenter.token);
    await barrier(socket);
    const row = await findParticipant(live.db, room.id, presenter.id);
    expect(row?.socketId).toBe(socket.id);
    expect(row?.leftAt).toBeNull();
    expect((await findRoomById(live.db, room.id))?.presenterSocketId).toBe(socket.id);
  });
});

describe('join-room', () => {
  it('should answer with self, the present participants, the presenter and the screen-share state', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee('Ada');
    await joinAs(live.url, presenter, room.slug);
    const { joined } = await joinAs(live.url, attendee, room.slug);
    expect(joined).toMatchObject({
      ok: true,
      self: { participantId: attendee.id, role: 'attendee', name: 'Ada' },
      room: { slug: room.slug, isActive: true },
      presenterId: presenter.id,
      isScreenSharing: false,
    });
    if (!joined.ok) return;
    expect(joined.participants.map((p) => p.id).sort()).toEqual([presenter.id, attendee.id].sort());
  });

  it('should tell the others with participant-joined, not the joiner', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee('Grace');
    const { socket: presenterSocket } = await joinAs(live.url, presenter, room.slug);
    const joinedEvent = nextEvent(presenterSocket, 'participant-joined');
    const attendeeSocket = await connect(live.url, attendee.token);
    const seenByAttendee = recordEvents(attendeeSocket);
    await attendeeSocket.emitWithAck('join-room', { slug: room.slug });
    expect((await joinedEvent).participant).toMatchObject({ id: attendee.id, name: 'Grace', role: 'attendee' });
    await barrier(attendeeSocket);
    expect(seenByAttendee.filter((e) => e.event === 'participant-joined')).toEqual([]);
  });

  it('should refuse the slug of another room with forbidden', async () => {
    const first = await createTestRoom(live.db);
    const second = await createTestRoom(live.db);
    const socket = await connect(live.url, first.presenter.token);
    const result = await socket.emitWithAck('join-room', { slug: second.room.slug });
    expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
  });
});

describe('presence', () => {
  async function presenterWithAttendee() {
    const fixture = await createTestRoom(live.db);
    const attendee = await fixture.addAttendee();
    const { socket: presenterSocket } = await joinAs(live.url, fixture.presenter, fixture.room.slug);
    return { ...fixture, attendee, presenterSocket };
  }

  it('should announce participant-left once the grace has passed and mark the participant left', async () => {
    const { room, attendee, presenterSocket } = await presenterWithAttendee();
    const { socket } = await joinAs(live.url, attendee, room.slug);
    const left = nextEvent(presenterSocket, 'participant-left');
    socket.close();
    expect(await left).toEqual({ participantId: attendee.id });
    const row = await findParticipant(live.db, room.id, attendee.id);
    expect(row?.leftAt).not.toBeNull();
    expect(row?.socketId).toBeNull();
  });

  it('should keep a participant who reconnects within the grace, without participant-left or a second participant-joined', async () => {
    const { room, attendee, presenterSocket } = await presenterWithAttendee();
    const { socket } = await joinAs(live.url, attendee, room.slug);
    await barrier(presenterSocket);
    const seen = recordEvents(presenterSocket);
    socket.close();
    const { socket: again, joined } = await joinAs(live.url, attendee, room.slug);
    await waitFor(GRACE_MS * 3);
    await barrier(presenterSocket);
    expect(seen.map((e) => e.event)).not.toContain('participant-left');
    expect(seen.map((e) => e.event)).not.toContain('participant-joined');
    expect(joined.ok && joined.self.participantId).toBe(attendee.id);
    const row = await findParticipant(live.db, room.id, attendee.id);
    expect(row).toMatchObject({ socketId: again.id, leftAt: null });
  });

  it('should rejoin the presenter as the same participant after a reload with the same token', async () => {
    const { room, presenter, attendee } = await presenterWithAttendee();
    const { socket: attendeeSocket } = await joinAs(live.url, attendee, room.slug);
    const presenterSockets = await live.io.in(`p:${presenter.id}`).fetchSockets();
    presenterSockets.forEach((s) => s.disconnect(true));
    const { socket: reloaded, joined } = await joinAs(live.url, presenter, room.slug);
    expect(joined).toMatchObject({ ok: true, self: { participantId: presenter.id, role: 'presenter' }, presenterId: presenter.id });
    // The reloaded presenter is reachable again under the same id.
    const offer = nextEvent(reloaded, 'webrtc-offer');
    await attendeeSocket.emitWithAck('webrtc-offer', { target: presenter.id, offer: { type: 'offer', sdp: 'v=0' } });
    expect((await offer).from).toBe(attendee.id);
  });

  it('should refuse an attendee who left after the grace: their seat is gone, they join again', async () => {
    const { room, attendee, presenterSocket } = await presenterWithAttendee();
    const { socket } = await joinAs(live.url, attendee, room.slug);
    const left = nextEvent(presenterSocket, 'participant-left');
    socket.close();
    await left;
    await expect(connect(live.url, attendee.token)).rejects.toThrow('unauthorized');
    expect((await findParticipant(live.db, room.id, attendee.id))?.leftAt).not.toBeNull();
  });

  it('should bring back a presenter who left after the grace with a new participant-joined', async () => {
    const { room, presenter, attendee, presenterSocket } = await presenterWithAttendee();
    const { socket: attendeeSocket } = await joinAs(live.url, attendee, room.slug);
    const left = nextEvent(attendeeSocket, 'participant-left');
    presenterSocket.close();
    await left;
    const joinedAgain = nextEvent(attendeeSocket, 'participant-joined');
    await joinAs(live.url, presenter, room.slug);
    expect((await joinedAgain).participant.id).toBe(presenter.id);
    expect((await findParticipant(live.db, room.id, presenter.id))?.leftAt).toBeNull();
  });

  it('should raise the room peak as participants arrive', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendees = await Promise.all([addAttendee(), addAttendee(), addAttendee()]);
    await joinAs(live.url, presenter, room.slug);
    for (const attendee of attendees) await joinAs(live.url, attendee, room.slug);
    expect((await findRoomById(live.db, room.id))?.peakParticipants).toBe(4);
  });
});

describe('connection state recovery', () => {
  it('should resume a dropped socket with its session and the room events it missed', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee();
    const { socket: presenterSocket } = await joinAs(live.url, presenter, room.slug);
    const socket: TestClient = await connect(live.url, attendee.token, { reconnection: true, reconnectionDelay: 50 });
    await socket.emitWithAck('join-room', { slug: room.slug });
    await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'first' });
    const seen = recordEvents(presenterSocket);
    await barrier(socket);
    // The socket's own connect, not the manager's reconnect: `recovered` is known once the server answered.
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const replayed = nextEvent(socket, 'new-chat-message', 5_000, (e) => e.message.message === 'while you were away');
    socket.io.engine.close();
    const missed = await presenterSocket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'while you were away' });
    await reconnected;
    expect(socket.recovered).toBe(true);
    expect(missed.ok && (await replayed).message.id).toBe(missed.ok && missed.message.id);
    await waitFor(GRACE_MS * 2);
    await barrier(presenterSocket);
    expect(seen.map((e) => e.event)).not.toContain('participant-left');
  });
});

describe('when the database fails', () => {
  it('should answer internal_error without the cause, refuse new sockets, and stay up even if the error hook throws', async () => {
    const broken = await createTestDatabase();
    const errors: unknown[] = [];
    const running = await startSignaling(broken.db, {}, {
      onError: (err) => {
        errors.push(err);
        throw new Error('the error hook itself is broken');
      },
    });
    try {
      const { room, presenter } = await createTestRoom(broken.db);
      const { socket } = await joinAs(running.url, presenter, room.slug);
      await broken.close();
      const result = await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: 'into the void' });
      expect(result).toEqual({ ok: false, error: { code: 'internal_error', message: 'Something went wrong on our side' } });
      expect(errors.length).toBeGreaterThan(0);
      await expect(connect(running.url, presenter.token)).rejects.toThrow('unavailable');
      await barrier(socket);
      expect(socket.connected).toBe(true);
    } finally {
      closeClients();
      await running.close();
      await broken.destroy();
    }
  });
});

describe('what a connection keeps', () => {
  it('should let go of the WebSocket upgrade request once the socket is connected, over websocket and after polling', async () => {
    // The collector, for this one check that something can be collected.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const upgrades: WeakRef<IncomingMessage>[] = [];
    live.io.engine.use((req: IncomingMessage, _res: unknown, next: () => void) => {
      if (req.headers.upgrade) upgrades.push(new WeakRef(req));
      next();
    });
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee();
    // Straight to a WebSocket (the upgrade is the handshake), and polling first (the upgrade comes later).
    const direct = await connect(live.url, presenter.token);
    const upgraded = await connect(live.url, attendee.token, { transports: ['polling', 'websocket'] });
    for (let tries = 0; upgraded.io.engine.transport.name !== 'websocket' && tries < 100; tries++) await waitFor(50);
    await Promise.all([barrier(direct), barrier(upgraded)]);
    expect(upgrades).toHaveLength(2);
    // A WeakRef keeps its target to the end of the turn that made it; the release itself waits one turn.
    await waitFor(20);
    collect();
    expect(upgrades.map((ref) => ref.deref() === undefined)).toEqual([true, true]);
    // Both connections still work.
    await Promise.all([barrier(direct), barrier(upgraded)]);
    expect((await findRoomById(live.db, room.id))?.isActive).toBe(true);
  });
});
