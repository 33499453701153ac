// Constraints the database enforces by itself, and the query functions, on the external and on the embedded PostgreSQL.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMessage, listMessages, listMessagesBefore } from './chat.ts';
import {
  attachSocket,
  findByTokenHash,
  joinRoom,
  listCurrentParticipants,
  markLeft,
  heartbeatSweep,
  sweepAbsent,
  touchParticipants,
  TOUCH_BATCH,
} from './participants.ts';
import { addQuestion, listQuestions, setVote } from './questions.ts';
import { createRoom, endRoom, findRoomBySlug } from './rooms.ts';
import { chatMessages, participants, questionVotes, questions, rooms } from './schema.ts';
import { testEngines, type TestDatabase } from './testing.ts';

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`.padEnd(10, 'x');
const hash = () => Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');

async function newRoom(database: TestDatabase, overrides: { maxParticipants?: number } = {}) {
  return createRoom(database.db, {
    slug: unique(),
    title: 'Quarterly review',
    presenterName: 'Ada',
    passwordHash: null,
    maxParticipants: overrides.maxParticipants ?? 50,
    settings: {},
    presenterTokenHash: hash(),
  });
}

/** The PostgreSQL error code behind a rejected query, whichever driver raised it. */
async function sqlState(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (err) {
    let e: unknown = err;
    while (e && typeof e === 'object') {
      if ('code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
      e = 'cause' in e ? e.cause : undefined;
    }
    throw err;
  }
}

const engines = await testEngines();

describe.each(engines)('database on $name', (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    if (engine.available) database = await engine.create();
  });
  afterAll(async () => {
    await database?.destroy();
  });

  describe.skipIf(!engine.available)('constraints', () => {
    it('should reject a duplicate slug', async () => {
      const { room } = await newRoom(database);
      const again = database.db.insert(rooms).values({ slug: room.slug, title: 'Other', presenterName: 'Bo' });
      expect(await sqlState(again)).toBe('23505');
    });

    it('should reject a second vote by the same participant', async () => {
      const { room, presenter } = await newRoom(database);
      const q = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'Why?' }))!.question;
      await database.db.insert(questionVotes).values({ questionId: q.id, participantId: presenter.id });
      const again = database.db.insert(questionVotes).values({ questionId: q.id, participantId: presenter.id });
      expect(await sqlState(again)).toBe('23505');
    });

    it('should reject an unknown role', async () => {
      const { room } = await newRoom(database);
      const bad = database.db.execute(
        sql`insert into participants (room_id, name, token_hash, role) values (${room.id}, 'Eve', ${hash()}, 'admin')`,
      );
      expect(await sqlState(bad)).toBe('23514');
    });

    it('should reject an over-long title and an empty one', async () => {
      const long = database.db.insert(rooms).values({ slug: unique(), title: 'x'.repeat(201), presenterName: 'Ada' });
      expect(await sqlState(long)).toBe('23514');
      const empty = database.db.insert(rooms).values({ slug: unique(), title: '', presenterName: 'Ada' });
      expect(await sqlState(empty)).toBe('23514');
    });

    it('should reject an unknown message type and an over-long name', async () => {
      const { room, presenter } = await newRoom(database);
      const badType = database.db.execute(
        sql`insert into chat_messages (room_id, participant_id, message, message_type) values (${room.id}, ${presenter.id}, 'hi', 'shout')`,
      );
      expect(await sqlState(badType)).toBe('23514');
      const longName = database.db
        .insert(participants)
        .values({ roomId: room.id, name: 'n'.repeat(101), tokenHash: hash() });
      expect(await sqlState(longName)).toBe('23514');
    });

    it('should delete everything of a room with the room', async () => {
      const { room, presenter } = await newRoom(database);
      const q = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'Cascade?' }))!.question;
      await setVote(database.db, { roomId: room.id, questionId: q.id, participantId: presenter.id, up: true });
      await addMessage(database.db, { roomId: room.id, sender: presenter, message: 'hello' });
      await database.db.delete(rooms).where(eq(rooms.id, room.id));
      const left = await Promise.all([
        database.db.select().from(participants).where(eq(participants.roomId, room.id)),
        database.db.select().from(questions).where(eq(questions.roomId, room.id)),
        database.db.select().from(chatMessages).where(eq(chatMessages.roomId, room.id)),
        database.db.select().from(questionVotes).where(eq(questionVotes.questionId, q.id)),
      ]);
      expect(left.map((r) => r.length)).toEqual([0, 0, 0, 0]);
    });
  });

  describe.skipIf(!engine.available)('query functions', () => {
    it('should create a room with its presenter and find it by slug and token', async () => {
      const { room, presenter } = await newRoom(database);
      expect((await findRoomBySlug(database.db, room.slug))?.id).toBe(room.id);
      const found = await findByTokenHash(database.db, presenter.tokenHash);
      expect(found?.participant.role).toBe('presenter');
      expect(found?.room.id).toBe(room.id);
    });

    it('should refuse joins beyond the capacity, even when they race', async () => {
      const { room } = await newRoom(database, { maxParticipants: 3 });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => joinRoom(database.db, { roomId: room.id, name: `A${i}`, tokenHash: hash() })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.filter((r) => !r.ok && r.reason === 'room_full')).toHaveLength(4);
      expect(await listCurrentParticipants(database.db, room.id)).toHaveLength(3);
    });

    it('should store a retried chat message once', async () => {
      const { room, presenter } = await newRoom(database);
      const first = await addMessage(database.db, { roomId: room.id, sender: presenter, message: 'hi', clientMessageId: 'c1' });
      const again = await addMessage(database.db, { roomId: room.id, sender: presenter, message: 'hi', clientMessageId: 'c1' });
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.message.id).toBe(first.message.id);
      expect([first.message.name, again.message.name]).toEqual(['Ada', 'Ada']);
      expect(again.message).toEqual(first.message);
      const page = await listMessages(database.db, room.id, { limit: 10 });
      expect(page.messages).toHaveLength(1);
      expect(page.messages[0]?.name).toBe('Ada');
    });

    it('should page messages newest first', async () => {
      const { room, presenter } = await newRoom(database);
      for (let i = 0; i < 5; i++) {
        await addMessage(database.db, { roomId: room.id, sender: presenter, message: `m${i}` });
      }
      const first = await listMessages(database.db, room.id, { limit: 3 });
      expect(first.messages.map((m) => m.message)).toEqual(['m4', 'm3', 'm2']);
      expect(first.hasMore).toBe(true);
      // Messages sent back to back can share a millisecond, so the exact cursor is the message id.
      const second = await listMessagesBefore(database.db, room.id, { limit: 3, beforeId: first.messages[2]!.id });
      expect(second?.messages.map((m) => m.message)).toEqual(['m1', 'm0']);
      expect(second?.hasMore).toBe(false);
      const older = await listMessages(database.db, room.id, { limit: 3, before: new Date(Date.now() - 60_000) });
      expect(older).toEqual({ messages: [], hasMore: false });
    });

    it('should count one vote per participant under parallel votes, and withdraw it', async () => {
      const { room, presenter } = await newRoom(database);
      const joined = await joinRoom(database.db, { roomId: room.id, name: 'Bo', tokenHash: hash() });
      if (!joined.ok) throw new Error('join failed');
      const q = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'Votes?' }))!.question;
      await Promise.all(
        Array.from({ length: 20 }, () => setVote(database.db, { roomId: room.id, questionId: q.id, participantId: joined.participant.id, up: true })),
      );
      await setVote(database.db, { roomId: room.id, questionId: q.id, participantId: presenter.id, up: true });
      const [seen] = await listQuestions(database.db, room.id, joined.participant.id);
      expect(seen?.votes).toBe(2);
      expect(seen?.votedByMe).toBe(true);
      expect(await setVote(database.db, { roomId: room.id, questionId: q.id, participantId: joined.participant.id, up: false })).toBe(1);
      expect(await setVote(database.db, { roomId: room.id, questionId: q.id, participantId: joined.participant.id, up: false })).toBe(1);
      expect((await listQuestions(database.db, room.id, joined.participant.id))[0]?.votedByMe).toBe(false);
      expect((await listQuestions(database.db, room.id, presenter.id))[0]?.votedByMe).toBe(true);
      expect((await listQuestions(database.db, room.id, null))[0]?.votedByMe).toBe(false);
    });

    it('should neither count nor record a vote on a question of another room', async () => {
      const { room, presenter } = await newRoom(database);
      const other = await newRoom(database);
      const q = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'Mine?' }))!.question;
      expect(await setVote(database.db, { roomId: other.room.id, questionId: q.id, participantId: other.presenter.id, up: true })).toBeUndefined();
      expect(await setVote(database.db, { roomId: other.room.id, questionId: q.id, participantId: other.presenter.id, up: false })).toBeUndefined();
      expect((await listQuestions(database.db, room.id, other.presenter.id))[0]).toMatchObject({ votes: 0, votedByMe: false });
    });

    it('should order questions pinned first, then by votes, then oldest first', async () => {
      const { room, presenter } = await newRoom(database);
      const a = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'a' }))!.question;
      const b = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'b' }))!.question;
      const c = (await addQuestion(database.db, { roomId: room.id, participantId: presenter.id, question: 'c' }))!.question;
      await setVote(database.db, { roomId: room.id, questionId: b.id, participantId: presenter.id, up: true });
      await database.db.update(questions).set({ isPinned: true }).where(eq(questions.id, c.id));
      const order = (await listQuestions(database.db, room.id, null)).map((q) => q.question);
      expect(order).toEqual(['c', 'b', 'a']);
      expect(a.votes).toBe(0);
    });

    it('should keep questions with equal votes in the order they were asked, even within one clock tick', async () => {
      const { room, presenter } = await newRoom(database);
      const asked = Array.from({ length: 12 }, (_, i) => `q${i}`);
      // One statement: every row gets the same now(), the hardest case for "oldest first".
      await database.db.insert(questions).values(asked.map((question) => ({ roomId: room.id, participantId: presenter.id, question })));
      expect((await listQuestions(database.db, room.id, null)).map((q) => q.question)).toEqual(asked);
    });

    it('should end a room once, with its stats, and forget the names', async () => {
      const { room, presenter } = await newRoom(database);
      const joined = await joinRoom(database.db, { roomId: room.id, name: 'Bo', tokenHash: hash() });
      if (!joined.ok) throw new Error('join failed');
      await attachSocket(database.db, joined.participant.id, `s-${unique()}`);
      await addMessage(database.db, { roomId: room.id, sender: joined.participant, message: 'hi' });
      await addQuestion(database.db, { roomId: room.id, participantId: joined.participant.id, question: 'q' });
      const stats = await endRoom(database.db, room.id);
      expect(stats).toEqual({
        maxConcurrentParticipants: 2,
        totalParticipants: 2,
        totalMessages: 1,
        totalQuestions: 1,
        sessionDurationMinutes: 0,
      });
      expect(await endRoom(database.db, room.id)).toBeNull();
      const people = await database.db.select().from(participants).where(eq(participants.roomId, room.id));
      expect(people.map((p) => p.name)).toEqual([null, null]);
      expect(people.every((p) => p.leftAt !== null && p.socketId === null)).toBe(true);
      expect((await findRoomBySlug(database.db, room.slug))?.isActive).toBe(false);
      expect(presenter.role).toBe('presenter');
    });

    it('should give the seat of a participant nobody has seen lately to the next one', async () => {
      const { room, presenter } = await newRoom(database, { maxParticipants: 2 });
      const first = await joinRoom(database.db, { roomId: room.id, name: 'Gone', tokenHash: hash(), staleAfterSeconds: 90 });
      if (!first.ok) throw new Error('join failed');
      expect(first.departed).toEqual([]);
      expect((await joinRoom(database.db, { roomId: room.id, name: 'Late', tokenHash: hash(), staleAfterSeconds: 90 })).ok).toBe(false);
      await database.db
        .update(participants)
        .set({ seenAt: sql`now() - interval '91 seconds'` })
        .where(eq(participants.id, first.participant.id));
      const second = await joinRoom(database.db, { roomId: room.id, name: 'Late', tokenHash: hash(), staleAfterSeconds: 90 });
      if (!second.ok) throw new Error('join failed');
      expect(second.departed).toEqual([{ id: first.participant.id, roomId: room.id, role: 'attendee' }]);
      expect((await listCurrentParticipants(database.db, room.id)).map((p) => p.id)).toEqual([presenter.id, second.participant.id]);
    });

    /** A room with its presenter and two attendees, none of them seen for 5 minutes. */
    async function roomOfTwoUnseen() {
      const { room, presenter } = await newRoom(database);
      const a = await joinRoom(database.db, { roomId: room.id, name: 'A', tokenHash: hash() });
      const b = await joinRoom(database.db, { roomId: room.id, name: 'B', tokenHash: hash() });
      if (!a.ok || !b.ok) throw new Error('join failed');
      await database.db
        .update(participants)
        .set({ seenAt: sql`now() - interval '5 minutes'` })
        .where(eq(participants.roomId, room.id));
      return { room, presenter, a, b };
    }

    it('should sweep only those no process vouched for', async () => {
      const { room, presenter, a, b } = await roomOfTwoUnseen();
      await touchParticipants(database.db, [a.participant.id, presenter.id]);
      const swept = await sweepAbsent(database.db, 90);
      expect(swept.filter((p) => p.roomId === room.id).map((p) => p.id)).toEqual([b.participant.id]);
      expect(await sweepAbsent(database.db, 90, room.id)).toEqual([]);
    });

    it('should touch the held and sweep only the others in one heartbeat, however long ago the held were seen, in batches of any size', async () => {
      const { room, presenter, a, b } = await roomOfTwoUnseen();
      // More ids than one statement takes, the held ones in the last batch.
      const strangers = Array.from({ length: TOUCH_BATCH + 10 }, () => randomUUID());
      const swept = await heartbeatSweep(database.db, [...strangers, a.participant.id, presenter.id], 90);
      expect(swept.filter((p) => p.roomId === room.id)).toEqual([{ id: b.participant.id, roomId: room.id, role: 'attendee' }]);
      const rows = await database.db.select().from(participants).where(eq(participants.roomId, room.id));
      const seenAgo = (id: string) => Date.now() - rows.find((r) => r.id === id)!.seenAt.getTime();
      expect(seenAgo(a.participant.id)).toBeLessThan(60_000);
      expect(rows.find((r) => r.id === a.participant.id)!.leftAt).toBeNull();
      expect(rows.find((r) => r.id === b.participant.id)!.leftAt).not.toBeNull();
      // No one held: nothing is touched, and no one recent is swept.
      expect((await heartbeatSweep(database.db, [], 90)).filter((p) => p.roomId === room.id)).toEqual([]);
    });

    it('should ignore a late disconnect of a replaced socket', async () => {
      const { room } = await newRoom(database);
      const joined = await joinRoom(database.db, { roomId: room.id, name: 'Cy', tokenHash: hash() });
      if (!joined.ok) throw new Error('join failed');
      await attachSocket(database.db, joined.participant.id, 'old-socket-' + unique());
      const fresh = 'new-socket-' + unique();
      await attachSocket(database.db, joined.participant.id, fresh);
      expect(await markLeft(database.db, joined.participant.id, 'old-socket-gone')).toBe(false);
      expect(await markLeft(database.db, joined.participant.id, fresh)).toBe(true);
    });
  });
});
