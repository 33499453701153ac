// Polls and their votes: one row per voter, counted from the rows, so concurrent votes are never lost.
// Every write takes the live room in its own statement (live-room.ts): none lands after the room's end.
import { and, asc, eq, sql } from 'drizzle-orm';
import { anyOf, type Database } from './client.ts';
import { whileLive } from './live-room.ts';
import { participants, polls, pollVotes, type PollStatus } from './schema.ts';

export type Poll = typeof polls.$inferSelect;

export interface PollResults {
  /** Votes per option, in the options' order. */
  counts: number[];
  /** People who voted (with several choices each, counts may add up to more). */
  voters: number;
}

export interface NewPoll {
  roomId: string;
  question: string;
  options: string[];
  allowsMultiple: boolean;
  resultsVisible: boolean;
}

/** Inserts a draft unless the room already holds `maxPerRoom` polls or has ended; undefined then. */
export async function addPoll(db: Database, input: NewPoll, maxPerRoom: number): Promise<Poll | undefined> {
  const rows = (await db.execute(sql`
    insert into ${polls} (room_id, question, options, allows_multiple, results_visible)
    select ${input.roomId}, ${input.question}, ${JSON.stringify(input.options)}::jsonb, ${input.allowsMultiple}, ${input.resultsVisible}
    where (select count(*) from ${polls} where room_id = ${input.roomId}) < ${maxPerRoom} and ${whileLive(input.roomId)}
    returning id`)) as unknown as { id: string }[];
  const id = rows[0]?.id;
  return id === undefined ? undefined : findPoll(db, input.roomId, id);
}

export async function findPoll(db: Database, roomId: string, pollId: string): Promise<Poll | undefined> {
  const [row] = await db.select().from(polls).where(and(eq(polls.id, pollId), eq(polls.roomId, roomId))).limit(1);
  return row;
}

export async function listPolls(db: Database, roomId: string): Promise<Poll[]> {
  return db.select().from(polls).where(eq(polls.roomId, roomId)).orderBy(asc(polls.seq));
}

/**
 * Moves a poll from one status to the next (draft → open, open → closed); undefined when it was not in
 * `from` (already launched, closed, or not this room's) or the room has ended. Closing waits for votes in flight (they hold the
 * poll row in share mode), so the results read after it are final.
 */
export async function setPollStatus(
  db: Database,
  roomId: string,
  pollId: string,
  from: PollStatus,
  to: PollStatus,
  resultsShared = false,
): Promise<Poll | undefined> {
  const [row] = await db
    .update(polls)
    .set({
      status: to,
      ...(to === 'open' ? { openedAt: sql`now()` } : {}),
      ...(to === 'closed' ? { closedAt: sql`now()`, resultsShared } : {}),
    })
    .where(and(eq(polls.id, pollId), eq(polls.roomId, roomId), eq(polls.status, from), whileLive(roomId)))
    .returning();
  return row;
}

/**
 * Stores (or replaces) one participant's choices on an open poll in one statement. The poll row is read
 * `for share`, so a close waits for this vote to commit, and a vote that comes after the close finds the poll
 * closed and stores nothing. Returns false when the poll is not open or the room has ended.
 */
export async function castPollVote(db: Database, input: { roomId: string; pollId: string; participantId: string; choices: number[] }): Promise<boolean> {
  const rows = (await db.execute(sql`
    insert into ${pollVotes} (poll_id, participant_id, choices)
    select id, ${input.participantId}, ${`{${input.choices.join(',')}}`}::integer[] from ${polls}
    where id = ${input.pollId} and room_id = ${input.roomId} and status = 'open' and ${whileLive(input.roomId)}
    for share
    on conflict (poll_id, participant_id) do update set choices = excluded.choices, updated_at = now()
    returning poll_id`)) as unknown as unknown[];
  return rows.length > 0;
}

/** Counts per option and the number of voters, read in one statement so the two always agree. */
export async function pollResults(db: Database, poll: Pick<Poll, 'id' | 'options'>): Promise<PollResults> {
  const [row] = (await db.execute(sql`
    with v as (select choices from ${pollVotes} where poll_id = ${poll.id})
    select (select count(*) from v)::int as voters,
      coalesce((select json_object_agg(choice, n) from (select choice, count(*)::int as n from v, unnest(v.choices) as choice group by choice) t), '{}') as per_option`)) as unknown as {
    voters: number;
    per_option: Record<string, number>;
  }[];
  const counts = poll.options.map((_, i) => Number(row?.per_option[String(i)] ?? 0));
  return { counts, voters: Number(row?.voters ?? 0) };
}

/** The participant's current choices on each of these polls. */
export async function myPollChoices(db: Database, pollIds: string[], participantId: string): Promise<Map<string, number[]>> {
  if (pollIds.length === 0) return new Map();
  const rows = await db
    .select({ pollId: pollVotes.pollId, choices: pollVotes.choices })
    .from(pollVotes)
    .where(and(eq(pollVotes.participantId, participantId), anyOf(pollVotes.pollId, pollIds)));
  return new Map(rows.map((r) => [r.pollId, r.choices]));
}
