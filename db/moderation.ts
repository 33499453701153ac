// Moderation state: hands, the stage, co-hosts, host-enforced mute, removal and bans, room options, moderated Q&A.
// Every write here takes the live room in its own statement (live-room.ts): none lands after the room's end.
import { and, asc, count, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { whileLive } from './live-room.ts';
import { findQuestion, type Question } from './questions.ts';
import type { Participant, Room } from './rooms.ts';
import { chatMessages, participants, questions, rooms, type QuestionStatus, type StageState } from './schema.ts';

/** Someone in the room now: not gone, not removed. */
const present = (roomId: string, id: string) =>
  and(eq(participants.roomId, roomId), eq(participants.id, id), isNull(participants.leftAt), isNull(participants.removedAt));

/** An attendee let in: one still waiting in the lobby gets no hand, stage, co-host role or mute until admitted. */
const admittedAttendee = and(eq(participants.role, 'attendee'), eq(participants.admission, 'admitted'));

async function updatePresent(
  db: Database,
  roomId: string,
  id: string,
  set: Partial<typeof participants.$inferInsert> | Record<string, SQL | unknown>,
  ...conditions: (SQL | undefined)[]
): Promise<Participant | undefined> {
  const [row] = await db
    .update(participants)
    .set(set)
    .where(and(present(roomId, id), whileLive(roomId), ...conditions))
    .returning();
  return row;
}

/** The presenter and the co-hosts present now: who hears the moderation queue. */
export async function listHostIds(db: Database, roomId: string): Promise<string[]> {
  const rows = await db
    .select({ id: participants.id })
    .from(participants)
    .where(
      and(
        eq(participants.roomId, roomId),
        isNull(participants.removedAt),
        or(eq(participants.role, 'presenter'), and(eq(participants.isCoHost, true), isNull(participants.leftAt))),
      ),
    );
  return rows.map((r) => r.id);
}

/** Raises or lowers an attendee's hand in the audience; a raised hand keeps its place in the queue. */
export function setHand(db: Database, roomId: string, id: string, raised: boolean): Promise<Participant | undefined> {
  return updatePresent(
    db,
    roomId,
    id,
    { handRaisedAt: raised ? sql`coalesce(${participants.handRaisedAt}, now())` : null },
    admittedAttendee,
    raised ? eq(participants.stage, 'audience') : undefined,
  );
}

/** Hands up in the room, oldest first. */
export async function listRaisedHands(db: Database, roomId: string): Promise<Participant[]> {
  return db
    .select()
    .from(participants)
    .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt), isNull(participants.removedAt), isNotNull(participants.handRaisedAt)))
    .orderBy(asc(participants.handRaisedAt), asc(participants.id));
}

export function setCoHost(db: Database, roomId: string, id: string, coHost: boolean): Promise<Participant | undefined> {
  return updatePresent(db, roomId, id, { isCoHost: coHost }, admittedAttendee);
}

/**
 * Moves the presenter role from the room's presenter (`from`) to a co-host present now (`to`), in one statement
 * that takes the live room: the co-host becomes the presenter (off the stage, hand down, no mute lock), the old
 * presenter a co-host in the audience, and the room's presenter name follows. With `fromAway`, only while the
 * presenter is away (marked gone after the reconnect grace). Returns both rows, or undefined when any of it
 * does not hold.
 */
export async function movePresenter(
  db: Database,
  input: { roomId: string; from: string; to: string; fromAway: boolean },
): Promise<{ presenter: Participant; previous: Participant } | undefined> {
  const { roomId, from, to } = input;
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(participants)
      .where(and(eq(participants.roomId, roomId), eq(participants.id, from), eq(participants.role, 'presenter'), whileLive(roomId)))
      .for('update');
    const [target] = await tx
      .select()
      .from(participants)
      .where(and(present(roomId, to), eq(participants.isCoHost, true), admittedAttendee))
      .for('update');
    if (!current || !target || (input.fromAway && current.leftAt === null)) return undefined;
    const [presenter] = await tx
      .update(participants)
      .set({ role: 'presenter', isCoHost: false, stage: 'audience', handRaisedAt: null, muteLocked: false, admission: 'admitted' })
      .where(eq(participants.id, to))
      .returning();
    const [previous] = await tx
      .update(participants)
      .set({ role: 'attendee', isCoHost: true, stage: 'audience', handRaisedAt: null, muteLocked: false, admission: 'admitted' })
      .where(eq(participants.id, from))
      .returning();
    await tx.update(rooms).set({ presenterName: target.name ?? current.name ?? 'Presenter', presenterSocketId: null }).where(eq(rooms.id, roomId));
    return presenter && previous ? { presenter, previous } : undefined;
  });
}

export type StageMove = { ok: true; participant: Participant } | { ok: false; reason: 'not_found' | 'stage_full' | 'conflict' | 'room_ended' };

/**
 * Moves an attendee on the stage from one of `from` to `to`. Moving onto the stage (invited or speaker) counts
 * against `cap` with the room row locked, so two invitations racing for the last place cannot both get it.
 */
export async function moveOnStage(
  db: Database,
  input: { roomId: string; id: string; from: StageState[]; to: StageState; cap: number },
): Promise<StageMove> {
  return db.transaction(async (tx) => {
    const [live] = await tx
      .select({ id: rooms.id })
      .from(rooms)
      .where(and(eq(rooms.id, input.roomId), eq(rooms.isActive, true)))
      .for('update');
    if (!live) return { ok: false, reason: 'room_ended' } as const;
    const [target] = await tx.select().from(participants).where(and(present(input.roomId, input.id), admittedAttendee));
    if (!target) return { ok: false, reason: 'not_found' } as const;
    if (!input.from.includes(target.stage)) return { ok: false, reason: 'conflict' } as const;
    if (target.stage === 'audience' && input.to !== 'audience') {
      const [onStage] = await tx
        .select({ n: count() })
        .from(participants)
        .where(
          and(
            eq(participants.roomId, input.roomId),
            isNull(participants.leftAt),
            isNull(participants.removedAt),
            inArray(participants.stage, ['invited', 'speaker']),
          ),
        );
      if ((onStage?.n ?? 0) >= input.cap) return { ok: false, reason: 'stage_full' } as const;
    }
    // Taking the stage lowers the hand and lifts a host's lock (the host invited them to speak); leaving it
    // mutes and turns the camera off, since an audience microphone reaches nobody.
    const set =
      input.to === 'speaker'
        ? { stage: input.to, handRaisedAt: null, muteLocked: false }
        : input.to === 'audience'
          ? { stage: input.to, isMuted: true, isVideoOn: false }
          : { stage: input.to };
    const [row] = await tx.update(participants).set(set).where(eq(participants.id, input.id)).returning();
    return { ok: true, participant: row! } as const;
  });
}

/** A host mutes a participant (locked: they cannot unmute) or lifts the lock (they may unmute themselves). */
export function setMuteLock(db: Database, roomId: string, id: string, locked: boolean): Promise<Participant | undefined> {
  return updatePresent(db, roomId, id, locked ? { muteLocked: true, isMuted: true } : { muteLocked: false }, admittedAttendee);
}

export function stopVideo(db: Database, roomId: string, id: string): Promise<Participant | undefined> {
  return updatePresent(db, roomId, id, { isVideoOn: false }, admittedAttendee);
}

/**
 * Removes an attendee (a co-host may not remove another co-host): the token stops working, presence ends, the
 * moderation state is cleared. With `ban`, the browser and address the attendee joined from cannot join again.
 */
export function removeParticipant(
  db: Database,
  input: { roomId: string; id: string; ban: boolean; mayRemoveCoHosts: boolean },
): Promise<Participant | undefined> {
  return updatePresent(
    db,
    input.roomId,
    input.id,
    {
      removedAt: sql`now()`,
      leftAt: sql`coalesce(${participants.leftAt}, now())`,
      socketId: null,
      isBanned: input.ban,
      handRaisedAt: null,
      stage: 'audience',
      isCoHost: false,
    },
    eq(participants.role, 'attendee'),
    input.mayRemoveCoHosts ? undefined : eq(participants.isCoHost, false),
  );
}

/** Whether a banned participant of the room joined from this address or browser. */
export async function isBanned(db: Database, roomId: string, hashes: { address?: string; browserKey?: string }): Promise<boolean> {
  const matches = [
    hashes.address === undefined ? undefined : eq(participants.joinAddressHash, hashes.address),
    hashes.browserKey === undefined ? undefined : eq(participants.browserKeyHash, hashes.browserKey),
  ].filter((c): c is SQL => c !== undefined);
  if (matches.length === 0) return false;
  const [row] = await db
    .select({ id: participants.id })
    .from(participants)
    .where(and(eq(participants.roomId, roomId), eq(participants.isBanned, true), or(...matches)))
    .limit(1);
  return row !== undefined;
}

/** Records where a join came from, so that a later ban can cover it. */
export async function recordJoinOrigin(db: Database, id: string, hashes: { address?: string; browserKey?: string }): Promise<void> {
  if (hashes.address === undefined && hashes.browserKey === undefined) return;
  await db
    .update(participants)
    .set({ joinAddressHash: hashes.address ?? null, browserKeyHash: hashes.browserKey ?? null })
    .where(eq(participants.id, id));
}

export interface RoomOptions {
  isLocked?: boolean;
  questionsNeedApproval?: boolean;
  attendeeChat?: boolean;
  attendeeMicrophones?: boolean;
  lobby?: boolean;
}

/** Writes the room row itself, so it waits for an end in flight and then finds the room ended. */
export async function setRoomOptions(db: Database, roomId: string, options: RoomOptions): Promise<Room | undefined> {
  const [row] = await db
    .update(rooms)
    .set(options)
    .where(and(eq(rooms.id, roomId), eq(rooms.isActive, true)))
    .returning();
  return row;
}

/** Moves a question of the room from one of `from` to `to`; undefined when there is no such question in such a state. */
export async function setQuestionStatus(
  db: Database,
  roomId: string,
  questionId: string,
  from: QuestionStatus[],
  to: QuestionStatus,
): Promise<Question | undefined> {
  const rows = await db
    .update(questions)
    .set({ status: to })
    .where(and(eq(questions.id, questionId), eq(questions.roomId, roomId), inArray(questions.status, from), whileLive(roomId)))
    .returning({ id: questions.id });
  return rows.length ? findQuestion(db, roomId, questionId) : undefined;
}

/** Marks one visible question of the room as being answered now, or none; false when the question is not there. */
export async function setHighlightedQuestion(db: Database, roomId: string, questionId: string | null): Promise<boolean> {
  const rows = await db
    .update(rooms)
    .set({ highlightedQuestionId: questionId })
    .where(
      and(
        eq(rooms.id, roomId),
        eq(rooms.isActive, true),
        questionId === null
          ? undefined
          : sql`exists (select 1 from questions q where q.id = ${questionId} and q.room_id = ${roomId} and q.status = 'visible')`,
      ),
    )
    .returning({ id: rooms.id });
  return rows.length > 0;
}

/** Deletes a chat message of the room for everyone; false when the room has no such message. */
export async function deleteChatMessage(db: Database, roomId: string, messageId: string): Promise<boolean> {
  const rows = await db
    .delete(chatMessages)
    .where(and(eq(chatMessages.id, messageId), eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'chat'), whileLive(roomId)))
    .returning({ id: chatMessages.id });
  return rows.length > 0;
}
