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

/** Writers, and as many others whom the presenter removes during the race. */
async function roomWithAudience(): Promise<{ presenter: Actor; attendees: Actor[]; removable: Actor[] }> {
  const { room, presenter } = await createRoom(database.db, {
    slug: newSlug(),
    title: 'Race',
    presenterName: 'P',
    passwordHash: null,
    maxParticipants: 2 * WRITES_OF_EACH_KIND + 1,
    settings: {},
    presenterTokenHash: await hashToken(newToken()),
  });
  const everyone: Actor[] = [];
  for (let i = 0; i < 2 * WRITES_OF_EACH_KIND; i++) {
    const joined = await joinRoom(database.db, { roomId: room.id, name: `A${i}`, tokenHash: await hashToken(newToken()) });
    if (!joined.ok) throw new Error(joined.reason);
    everyone.push({ participantId: joined.participant.id, roomId: room.id, role: 'attendee', name: `A${i}` });
  }
  return {
    presenter: { participantId: presenter.id, roomId: room.id, role: 'presenter', name: 'P' },
    attendees: everyone.slice(0, WRITES_OF_EACH_KIND),
    removable: everyone.slice(WRITES_OF_EACH_KIND),
  };
}

const KINDS = ['chat', 'question', 'vote', 'answer', 'pollVote', 'mute', 'coHost', 'remove', 'dismiss', 'deleteMessage'] as const;
type Kind = (typeof KINDS)[number];

describe('an end racing writes of every kind', () => {
  it.each([1, 2, 3])('should leave no row after the end and count every accepted write (round %i)', async () => {
    const { presenter, attendees, removable } = await roomWithAudience();
    const roomId = presenter.roomId;
    // Questions to vote on, answer and dismiss, a poll and messages to delete, all before the race (they also
    // tell the writer the room is live).
    const votedOn = await writer.ask(presenter, { question: 'Vote on me' });
    const toAnswer = await Promise.all(attendees.map((a, i) => writer.ask(a, { question: `Question ${i}` })));
    const toDismiss = await Promise.all(attendees.map((a, i) => writer.ask(a, { question: `Dismiss me ${i}` })));
    const toDelete = await Promise.all(attendees.map((a, i) => writer.sendChat(a, { message: `delete me ${i}` })));
    const draft = await writer.polls.create(presenter, { question: 'Which?', options: ['this', 'that'], allowsMultiple: false, resultsVisible: true });
    const poll = await writer.polls.launch(presenter, { pollId: draft.id });

    const writes: { kind: Kind; done: Promise<unknown> }[] = [];
    // Each write is read once the end is through; until then a refusal would be an unhandled rejection.
    const track = (kind: Kind, done: Promise<unknown>) => {
      done.catch(() => {});
      writes.push({ kind, done });
    };
    const launch = (i: number) => {
      const a = attendees[i]!;
      track('chat', writer.sendChat(a, { message: `message ${i}` }));
      track('question', writer.ask(a, { question: `late question ${i}` }));
      track('vote', writer.vote(a, { questionId: votedOn.id, up: true }));
      track('answer', writer.answer(presenter, { questionId: toAnswer[i]!.id, answer: `answer ${i}` }));
      track('pollVote', writer.polls.vote(a, { pollId: poll.id, choices: [i % 2] }));
      track('mute', writer.muteParticipant(presenter, { participantId: a.participantId, muted: true }));
      track('coHost', writer.setCoHost(presenter, { participantId: a.participantId, coHost: true }));
      track('remove', writer.removeParticipant(presenter, { participantId: removable[i]!.participantId, ban: false }));
      track('dismiss', writer.dismissQuestion(presenter, { questionId: toDismiss[i]!.id }));
      track('deleteMessage', writer.deleteChatMessage(presenter, { messageId: toDelete[i]!.message.id }));
    };
    for (let i = 0; i < WRITES_OF_EACH_KIND / 2; i++) launch(i);
    const ended = ender.endRoom(presenter);
    for (let i = WRITES_OF_EACH_KIND / 2; i < WRITES_OF_EACH_KIND; i++) launch(i);

    const stats = await ended;
    const outcomes = await Promise.allSettled(writes.map((w) => w.done));
    const accepted = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
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
        (select count(*)::int from poll_votes where poll_id = ${poll.id} and updated_at > r.ended_at) as late_poll_votes,
        (select count(*)::int from poll_votes where poll_id = ${poll.id}) as poll_votes,
        (select count(*)::int from participants where room_id = ${roomId} and removed_at > r.ended_at) as late_removals,
        (select count(*)::int from participants where room_id = ${roomId} and removed_at is not null) as removed,
        (select count(*)::int from participants where room_id = ${roomId} and mute_locked) as mute_locked,
        (select count(*)::int from participants where room_id = ${roomId} and is_co_host) as co_hosts,
        (select count(*)::int from questions where room_id = ${roomId} and status = 'dismissed') as dismissed,
        (select count(*)::int from chat_messages where room_id = ${roomId} and message_type = 'chat') as messages_left,
        (select votes from questions where id = ${votedOn.id}) as votes,
        (select count(*)::int from question_votes where question_id = ${votedOn.id}) as vote_rows
      from rooms r where r.id = ${roomId}`)) as unknown as Array<Record<string, number | Date>>;
    expect(times).toMatchObject({ late_messages: 0, late_questions: 0, late_answers: 0, late_votes: 0, late_poll_votes: 0, late_removals: 0 });
    // The stats count the messages as the end saw them: a message deleted (or sent) after it would break the equality.
    expect(stats.totalMessages).toBe(WRITES_OF_EACH_KIND + accepted.chat - accepted.deleteMessage);
    expect(times).toMatchObject({ messages_left: stats.totalMessages });
    expect(stats.totalQuestions).toBe(1 + 2 * WRITES_OF_EACH_KIND + accepted.question);
    expect(times).toMatchObject({ answered: accepted.answer, votes: accepted.vote, vote_rows: accepted.vote });
    expect(times).toMatchObject({
      poll_votes: accepted.pollVote,
      removed: accepted.remove,
      mute_locked: accepted.mute,
      co_hosts: accepted.coHost,
      dismissed: accepted.dismiss,
    });
  });
});
