// The end of a room is atomic: writes racing it either commit before it (and are counted) or are refused.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBroadcaster } from '../api/testing.ts';
import { joinRoom } from '../db/participants.ts';
import { createRoom } from '../db/rooms.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { RoomError } from './errors.ts';
import { createRoomCore, type Actor, type RoomCore } from './room.ts';
import { hashToken, newSlug, newToken } from './tokens.ts';

const WRITES_OF_EACH_KIND = 50;

let database: TestDatabase;
// Two cores on one database, as two processes would have: one writes, the other ends the room.
let writer: RoomCore;
let ender: RoomCore;

beforeAll(async () => {
  database = await createTestDatabase();
  writer = createRoomCore({ db: database.db, broadcaster: recordingBroadcaster() });
  ender = createRoomCore({ db: database.db, broadcaster: recordingBroadcaster() });
});
afterAll(async () => {
  await writer.close();
  await ender.close();
  await database.destroy();
});

async function roomWithAudience(): Promise<{ presenter: Actor; attendees: Actor[] }> {
  const { room, presenter } = await createRoom(database.db, {
    slug: newSlug(),
    title: 'Race',
    presenterName: 'P',
    passwordHash: null,
    maxParticipants: WRITES_OF_EACH_KIND + 1,
    settings: {},
    presenterTokenHash: await hashToken(newToken()),
  });
  const attendees: Actor[] = [];
  for (let i = 0; i < WRITES_OF_EACH_KIND; i++) {
    const joined = await joinRoom(database.db, { roomId: room.id, name: `A${i}`, tokenHash: await hashToken(newToken()) });
    if (!joined.ok) throw new Error(joined.reason);
    attendees.push({ participantId: joined.participant.id, roomId: room.id, role: 'attendee', name: `A${i}` });
  }
  return { presenter: { participantId: presenter.id, roomId: room.id, role: 'presenter', name: 'P' }, attendees };
}

type Kind = 'chat' | 'question' | 'vote' | 'answer';

describe('an end racing writes of every kind', () => {
  it.each([1, 2, 3])('should leave no row after the end and count every accepted write (round %i)', async () => {
    const { presenter, attendees } = await roomWithAudience();
    const roomId = presenter.roomId;
    // Questions to vote on and to answer, asked before the race (they also tell the writer the room is live).
    const votedOn = await writer.ask(presenter, { question: 'Vote on me' });
    const toAnswer = await Promise.all(attendees.map((a, i) => writer.ask(a, { question: `Question ${i}` })));

    const writes: { kind: Kind; done: Promise<unknown> }[] = [];
    const launch = (i: number) => {
      const a = attendees[i]!;
      writes.push({ kind: 'chat', done: writer.sendChat(a, { message: `message ${i}` }) });
      writes.push({ kind: 'question', done: writer.ask(a, { question: `late question ${i}` }) });
      writes.push({ kind: 'vote', done: writer.vote(a, { questionId: votedOn.id, up: true }) });
      writes.push({ kind: 'answer', done: writer.answer(presenter, { questionId: toAnswer[i]!.id, answer: `answer ${i}` }) });
    };
    for (let i = 0; i < WRITES_OF_EACH_KIND / 2; i++) launch(i);
    const ended = ender.endRoom(presenter);
    for (let i = WRITES_OF_EACH_KIND / 2; i < WRITES_OF_EACH_KIND; i++) launch(i);

    const stats = await ended;
    const outcomes = await Promise.allSettled(writes.map((w) => w.done));
    const accepted: Record<Kind, number> = { chat: 0, question: 0, vote: 0, answer: 0 };
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') accepted[writes[i]!.kind]++;
      // Anything refused was refused because the room ended, and nothing else.
      else expect(outcome.reason instanceof RoomError && outcome.reason.code).toBe('room_ended');
    });

    const [times] = (await database.db.execute(sql`
      select
        (select ended_at from rooms where id = ${roomId}) as ended_at,
        (select count(*)::int from chat_messages where room_id = ${roomId} and created_at > r.ended_at) as late_messages,
        (select count(*)::int from questions where room_id = ${roomId} and created_at > r.ended_at) as late_questions,
        (select count(*)::int from questions where room_id = ${roomId} and answered_at > r.ended_at) as late_answers,
        (select count(*)::int from question_votes v join questions q on q.id = v.question_id
           where q.room_id = ${roomId} and v.created_at > r.ended_at) as late_votes,
        (select count(*)::int from questions where room_id = ${roomId} and is_answered) as answered,
        (select votes from questions where id = ${votedOn.id}) as votes,
        (select count(*)::int from question_votes where question_id = ${votedOn.id}) as vote_rows
      from rooms r where r.id = ${roomId}`)) as unknown as Array<Record<string, number | Date>>;
    expect(times).toMatchObject({ late_messages: 0, late_questions: 0, late_answers: 0, late_votes: 0 });
    expect(stats.totalMessages).toBe(accepted.chat);
    expect(stats.totalQuestions).toBe(1 + WRITES_OF_EACH_KIND + accepted.question);
    expect(times).toMatchObject({ answered: accepted.answer, votes: accepted.vote, vote_rows: accepted.vote });
  });
});
