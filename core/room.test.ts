// The room core under any sequence of actions from any participants: the database and what clients heard agree.
import fc from 'fast-check';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBroadcaster, type Broadcast } from '../api/testing.ts';
import type { RoomEvents } from './broadcast.ts';
import { joinRoom } from '../db/participants.ts';
import { createRoom } from '../db/rooms.ts';
import { chatMessages, questions, questionVotes } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { reactionEmojis } from './actions.ts';
import { RoomError } from './errors.ts';
import { createRoomCore, type Actor, type RoomCore } from './room.ts';
import { hashToken, newSlug, newToken } from './tokens.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

/** Two rooms: a presenter and two attendees in the first, a presenter and one attendee in the second. */
async function twoRooms(): Promise<Actor[]> {
  const actors: Actor[] = [];
  for (const attendees of [2, 1]) {
    const { room, presenter } = await createRoom(database.db, {
      slug: newSlug(),
      title: 'Property',
      presenterName: 'P',
      passwordHash: null,
      maxParticipants: 10,
      settings: {},
      presenterTokenHash: await hashToken(newToken()),
    });
    actors.push({ participantId: presenter.id, roomId: room.id, role: 'presenter', name: 'P' });
    for (let i = 0; i < attendees; i++) {
      const joined = await joinRoom(database.db, { roomId: room.id, name: `A${i}`, tokenHash: await hashToken(newToken()) });
      if (!joined.ok) throw new Error(joined.reason);
      actors.push({ participantId: joined.participant.id, roomId: room.id, role: 'attendee', name: `A${i}` });
    }
  }
  return actors;
}

type Action =
  | { kind: 'chat'; who: number; text: string; clientMessageId?: string }
  | { kind: 'react'; who: number; emoji: (typeof reactionEmojis)[number] }
  | { kind: 'ask'; who: number; text: string }
  | { kind: 'vote'; who: number; question: number; up: boolean }
  | { kind: 'pin'; who: number; question: number; pinned: boolean }
  | { kind: 'answer'; who: number; question: number; text: string }
  | { kind: 'muteAll'; who: number };

const who = fc.integer({ min: 0, max: 4 });
const words = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0 && !s.includes('\u0000'));
const question = fc.integer({ min: 0, max: 5 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('chat' as const), who, text: words, clientMessageId: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }) }),
  fc.record({ kind: fc.constant('react' as const), who, emoji: fc.constantFrom(...reactionEmojis) }),
  fc.record({ kind: fc.constant('ask' as const), who, text: words }),
  fc.record({ kind: fc.constant('vote' as const), who, question, up: fc.boolean() }),
  fc.record({ kind: fc.constant('vote' as const), who, question, up: fc.boolean() }),
  fc.record({ kind: fc.constant('pin' as const), who, question, pinned: fc.boolean() }),
  fc.record({ kind: fc.constant('answer' as const), who, question, text: words }),
  fc.record({ kind: fc.constant('muteAll' as const), who }),
);
/** Actions in rounds; the actions of one round are started together, so they race and share group inserts. */
const rounds = fc.array(fc.array(action, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });

async function perform(core: RoomCore, actors: Actor[], asked: Map<string, string[]>, a: Action): Promise<void> {
  const actor = actors[a.who]!;
  const known = asked.get(actor.roomId) ?? [];
  // Past the questions asked so far, an id that names none: the core must say so.
  const questionId = (i: number) => known[i] ?? '00000000-0000-4000-8000-000000000000';
  try {
    switch (a.kind) {
      case 'chat':
        await core.sendChat(actor, { message: a.text, ...(a.clientMessageId ? { clientMessageId: a.clientMessageId } : {}) });
        break;
      case 'react':
        await core.react(actor, { emoji: a.emoji });
        break;
      case 'ask': {
        const q = await core.ask(actor, { question: a.text });
        asked.set(actor.roomId, [...(asked.get(actor.roomId) ?? []), q.id]);
        break;
      }
      case 'vote':
        await core.vote(actor, { questionId: questionId(a.question), up: a.up });
        break;
      case 'pin':
        await core.pin(actor, { questionId: questionId(a.question), pinned: a.pinned });
        break;
      case 'answer':
        await core.answer(actor, { questionId: questionId(a.question), answer: a.text });
        break;
      case 'muteAll':
        await core.muteAll(actor);
        break;
    }
  } catch (err) {
    // Refusals (an attendee pinning, a question that does not exist) are answers too; anything else is a bug.
    if (!(err instanceof RoomError)) throw err;
    expect(['forbidden', 'question_not_found']).toContain(err.code);
  }
}

type RoomBroadcast<E extends keyof RoomEvents> = { kind: 'toRoom'; roomId: string; event: E; payload: RoomEvents[E] };

function lastOf<E extends keyof RoomEvents>(calls: Broadcast[], roomId: string, event: E): RoomBroadcast<E>[] {
  return calls.filter((c) => c.kind === 'toRoom' && c.roomId === roomId && c.event === event) as RoomBroadcast<E>[];
}

describe('room core', () => {
  it('should leave the database equal to what the room was told, whatever the actions and their races', async () => {
    await fc.assert(
      fc.asyncProperty(rounds, async (plan) => {
        const actors = await twoRooms();
        const broadcasts = recordingBroadcaster();
        const core = createRoomCore({ db: database.db, broadcaster: broadcasts });
        const asked = new Map<string, string[]>();
        try {
          for (const round of plan) await Promise.all(round.map((a) => perform(core, actors, asked, a)));
        } finally {
          await core.close();
        }
        const { db } = database;
        for (const roomId of new Set(actors.map((a) => a.roomId))) {
          // Chat: the room heard exactly the stored messages, in the order they are stored.
          const stored = await db
            .select({ id: chatMessages.id })
            .from(chatMessages)
            .where(and(eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'chat')))
            .orderBy(asc(chatMessages.createdAt), asc(chatMessages.seq));
          expect(lastOf(broadcasts.calls, roomId, 'new-chat-message').map((c) => c.payload.message.id)).toEqual(stored.map((m) => m.id));
          const [reactions] = await db
            .select({ n: sql<number>`count(*)::int` })
            .from(chatMessages)
            .where(and(eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'reaction')));
          expect(lastOf(broadcasts.calls, roomId, 'reaction')).toHaveLength(reactions!.n);

          // Questions: asked ones, their last announced count, pin and answer are what is stored.
          const rows = await db.select().from(questions).where(eq(questions.roomId, roomId)).orderBy(asc(questions.seq));
          expect(lastOf(broadcasts.calls, roomId, 'new-question').map((c) => c.payload.question.id)).toEqual(rows.map((q) => q.id));
          for (const q of rows) {
            const [ballots] = await db.select({ n: sql<number>`count(*)::int` }).from(questionVotes).where(eq(questionVotes.questionId, q.id));
            expect(q.votes).toBe(ballots!.n);
            const voted = lastOf(broadcasts.calls, roomId, 'question-voted').filter((c) => c.payload.questionId === q.id);
            expect(voted.at(-1)?.payload.votes ?? 0).toBe(q.votes);
            const pinned = lastOf(broadcasts.calls, roomId, 'question-pinned').filter((c) => c.payload.questionId === q.id);
            expect(pinned.at(-1)?.payload.isPinned ?? false).toBe(q.isPinned);
            const answered = lastOf(broadcasts.calls, roomId, 'question-answered').filter((c) => c.payload.questionId === q.id);
            expect(answered.at(-1)?.payload.answer ?? null).toBe(q.answer);
            expect(q.isAnswered).toBe(answered.length > 0);
          }
        }
        // Nothing was told to a room other than the actor's.
        const rooms = new Set(actors.map((a) => a.roomId));
        for (const call of broadcasts.calls) if (call.kind === 'toRoom') expect(rooms.has(call.roomId)).toBe(true);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
