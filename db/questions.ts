// Questions and votes: one vote per participant, counted without lost updates under concurrency.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from './client.ts';
import { whileLive } from './live-room.ts';
import { participants, questionVotes, questions, type QuestionStatus } from './schema.ts';

export interface Question {
  id: string;
  roomId: string;
  participantId: string | null;
  name: string | null;
  question: string;
  votes: number;
  isAnswered: boolean;
  isPinned: boolean;
  answer: string | null;
  answeredAt: Date | null;
  createdAt: Date;
  votedByMe: boolean;
  status: QuestionStatus;
  isAnonymous: boolean;
}

/** A question and what became of it, without who asked: the session report reads no more than this. */
export const questionContentColumns = {
  question: questions.question,
  votes: questions.votes,
  isAnswered: questions.isAnswered,
  isPinned: questions.isPinned,
  answer: questions.answer,
  answeredAt: questions.answeredAt,
  createdAt: questions.createdAt,
};

const questionColumns = {
  id: questions.id,
  roomId: questions.roomId,
  participantId: questions.participantId,
  name: participants.name,
  ...questionContentColumns,
  votedByMe: sql<boolean>`(${questionVotes.id} is not null)`,
  status: questions.status,
  isAnonymous: questions.isAnonymous,
};

/** Questions with their author's name and, through a join on the viewer's own vote, `votedByMe`. */
function selectQuestions(db: Database, viewerId: string | null) {
  return db
    .select(questionColumns)
    .from(questions)
    .leftJoin(participants, eq(participants.id, questions.participantId))
    .leftJoin(
      questionVotes,
      viewerId
        ? and(eq(questionVotes.questionId, questions.id), eq(questionVotes.participantId, viewerId))
        : sql`false`,
    );
}

/** A question just stored, or (for a repeated `clientQuestionId`) the one stored the first time. */
export interface AddedQuestion {
  question: Question;
  created: boolean;
}

/**
 * Stores a question in a live room; undefined when the room has ended. A `clientQuestionId` the same participant
 * already used stores nothing and answers the first question: a retry after a reconnect or a restart is one question.
 * Two racing asks with the same id meet at the unique constraint: one inserts, the other waits for it and finds it.
 */
export async function addQuestion(
  db: Database,
  input: { roomId: string; participantId: string; question: string; status?: QuestionStatus; isAnonymous?: boolean; clientQuestionId?: string },
): Promise<AddedQuestion | undefined> {
  const result = await db.execute(sql`
    insert into questions (room_id, participant_id, question, status, is_anonymous, client_question_id)
    select ${input.roomId}, ${input.participantId}, ${input.question}, ${input.status ?? 'visible'}, ${input.isAnonymous ?? false}, ${input.clientQuestionId ?? null}
    where ${whileLive(input.roomId)}
    on conflict (participant_id, client_question_id) do nothing
    returning id`);
  const [row] = rowsOf<{ id: string }>(result);
  if (row) {
    const question = await findQuestion(db, input.roomId, row.id, input.participantId);
    return question && { question, created: true };
  }
  if (input.clientQuestionId === undefined) return undefined;
  const [first] = await db
    .select({ id: questions.id })
    .from(questions)
    .where(and(eq(questions.roomId, input.roomId), eq(questions.participantId, input.participantId), eq(questions.clientQuestionId, input.clientQuestionId)))
    .limit(1);
  const question = first && (await findQuestion(db, input.roomId, first.id, input.participantId));
  return question && { question, created: false };
}

/** A question of this room (never another room's), as seen by `viewerId`. */
export async function findQuestion(
  db: Database,
  roomId: string,
  questionId: string,
  viewerId: string | null = null,
): Promise<Question | undefined> {
  const [row] = await selectQuestions(db, viewerId)
    .where(and(eq(questions.id, questionId), eq(questions.roomId, roomId)))
    .limit(1);
  return row;
}

/** Pinned first, then most votes, then oldest. */
export async function listQuestions(db: Database, roomId: string, viewerId: string | null): Promise<Question[]> {
  return selectQuestions(db, viewerId)
    .where(eq(questions.roomId, roomId))
    .orderBy(desc(questions.isPinned), desc(questions.votes), asc(questions.createdAt), asc(questions.seq));
}

/**
 * Casts or withdraws one participant's vote on a question of `roomId` and returns the new count, or undefined
 * when the room has no such question or has ended. Repeating either is a no-op. One statement: the vote row changes first
 * (only for a question of this room), and the count moves by the number of rows that really changed;
 * `votes = votes ± n` re-reads the locked row, so parallel votes never lose an update.
 */
export async function setVote(
  db: Database,
  input: { roomId: string; questionId: string; participantId: string; up: boolean },
): Promise<number | undefined> {
  // Only a question the room can see takes votes: one awaiting approval or dismissed is not found.
  const inRoom = sql`exists (select 1 from questions q where q.id = ${input.questionId} and q.room_id = ${input.roomId} and q.status = 'visible') and ${whileLive(input.roomId)}`;
  const changed = input.up
    ? sql`insert into question_votes (question_id, participant_id)
          select ${input.questionId}, ${input.participantId} where ${inRoom}
          on conflict do nothing returning 1`
    : sql`delete from question_votes
          where question_id = ${input.questionId} and participant_id = ${input.participantId} and ${inRoom}
          returning 1`;
  const result = await db.execute(sql`
    with changed as (${changed})
    update questions
    set votes = ${input.up ? sql`votes + (select count(*) from changed)` : sql`greatest(votes - (select count(*) from changed), 0)`}
    where id = ${input.questionId} and room_id = ${input.roomId} and status = 'visible' and ${whileLive(input.roomId)}
    returning votes`);
  const [row] = rowsOf<{ votes: number }>(result);
  return row === undefined ? undefined : Number(row.votes);
}

export async function answerQuestion(
  db: Database,
  roomId: string,
  questionId: string,
  /** Null marks the question answered without text, keeping an earlier answer's text if it had one. */
  answer: string | null,
): Promise<Question | undefined> {
  const rows = await db
    .update(questions)
    .set({ ...(answer === null ? {} : { answer }), isAnswered: true, answeredAt: sql`now()` })
    .where(and(eq(questions.id, questionId), eq(questions.roomId, roomId), whileLive(roomId)))
    .returning({ id: questions.id });
  return rows.length ? findQuestion(db, roomId, questionId) : undefined;
}

export async function pinQuestion(
  db: Database,
  roomId: string,
  questionId: string,
  pinned: boolean,
): Promise<Question | undefined> {
  const rows = await db
    .update(questions)
    .set({ isPinned: pinned })
    .where(and(eq(questions.id, questionId), eq(questions.roomId, roomId), whileLive(roomId)))
    .returning({ id: questions.id });
  return rows.length ? findQuestion(db, roomId, questionId) : undefined;
}
