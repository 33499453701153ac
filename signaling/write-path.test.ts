// Chat's group commit seen from clients: an ack means the row is committed, and a stalled database gives bounded busy acks.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../db/chat.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, createTestRoom, joinAs, startSignaling, type RunningSignaling, type TestClient } from './testing.ts';

let database: TestDatabase;
let server: RunningSignaling;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startSignaling(database.db, { RATE_LIMITS: 'off' });
});

afterAll(async () => {
  closeClients();
  await server?.close();
  await database?.destroy();
});

async function roomOf(members: number): Promise<{ roomId: string; slug: string; sockets: TestClient[] }> {
  const { room, presenter, addAttendee } = await createTestRoom(database.db, { maxParticipants: members + 1 });
  const people = [presenter, ...(await Promise.all(Array.from({ length: members - 1 }, () => addAttendee())))];
  const sockets = await Promise.all(people.map(async (p) => (await joinAs(server.url, p, room.slug)).socket));
  return { roomId: room.id, slug: room.slug, sockets };
}

describe('chat write path', () => {
  it('should ack a message only once its row is committed, for messages sent together from many sockets', async () => {
    const { slug, sockets } = await roomOf(12);
    // A separate connection: it sees only what has been committed.
    const reader = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const seenAtAck = await Promise.all(
        sockets.flatMap((socket, i) =>
          [0, 1, 2].map(async (n) => {
            const ack = await socket.emitWithAck('chat-message', { roomSlug: slug, message: `m${i}.${n}` });
            if (!ack.ok) throw new Error(ack.error.message);
            const rows = await reader`select 1 from chat_messages where id = ${ack.message.id}`;
            return rows.length;
          }),
        ),
      );
      expect(seenAtAck).toEqual(Array(36).fill(1));
    } finally {
      await reader.end();
    }
  });

  it('should answer busy with a retry hint while a lock stalls the table, then store in order once it is released', async () => {
    const { roomId, slug, sockets } = await roomOf(3);
    const [first, second, third] = sockets as [TestClient, TestClient, TestClient];
    const locker = postgres(database.url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    let locked!: () => void;
    const lockTaken = new Promise<void>((done) => (locked = done));
    const holding = locker.begin(async (tx) => {
      await tx`lock table chat_messages in access exclusive mode`;
      locked();
      await released;
    });
    try {
      await lockTaken;
      // The first message's insert waits on the lock; the ones after it queue behind, then are refused.
      const stalled = first.emitWithAck('chat-message', { roomSlug: slug, message: 'stalled' });
      await new Promise((done) => setTimeout(done, 50));
      const queued = await Promise.all(
        [second, third].flatMap((socket, i) => [0, 1, 2].map((n) => socket.emitWithAck('chat-message', { roomSlug: slug, message: `queued ${i}.${n}` }))),
      );
      for (const ack of queued) {
        expect(ack).toMatchObject({ ok: false, error: { code: 'busy', retryAfterMs: expect.any(Number) } });
      }
      // Arriving while the insert is still stuck: refused at once rather than queued.
      expect(await second.emitWithAck('chat-message', { roomSlug: slug, message: 'late' })).toMatchObject({ ok: false, error: { code: 'busy' } });

      release();
      await holding;
      expect(await stalled).toMatchObject({ ok: true, message: { message: 'stalled' } });
      expect(await first.emitWithAck('chat-message', { roomSlug: slug, message: 'after' })).toMatchObject({ ok: true });
      const stored = (await listMessages(database.db, roomId, { limit: 10 })).messages.map((m) => m.message).reverse();
      expect(stored).toEqual(['stalled', 'after']);
    } finally {
      release();
      await holding.catch(() => {});
      await locker.end();
    }
  });
});
