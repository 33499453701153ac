// Participants: joining under the room's capacity, presence by socket, media state, and lookup by token.
import { and, asc, count, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { anyOf, type Database } from './client.ts';
import { participants, rooms, type ParticipantRole } from './schema.ts';
import { recordPeak } from './stats.ts';
import type { Participant, Room } from './rooms.ts';

export type JoinResult =
  | { ok: true; participant: Participant; departed: Departed[] }
  | { ok: false; reason: 'room_full' | 'room_ended' };

export interface Departed {
  id: string;
  roomId: string;
  role: ParticipantRole;
}

/**
 * How long a participant may go unseen before they count as gone. Always longer than the reconnect grace,
 * so someone inside the grace is never swept: the grace's own leave announces them.
 */
export function presenceTimeoutSeconds(reconnectGraceMs: number): number {
  return Math.max(90, Math.ceil(reconnectGraceMs / 1000) + 60);
}

/**
 * Adds an attendee unless the room is full or ended. The room row is locked for the check, so two
 * joins racing for the last seat cannot both get it. In a room with the lobby on, or not live yet, the
 * attendee waits outside (`admission: 'waiting'`); the lock orders this against "Go live", which admits
 * the waiting under the same lock, so nobody is left waiting in a room that went live without a lobby.
 * Waiting attendees hold a seat. With `staleAfterSeconds`, participants unseen that
 * long are marked gone first (and returned as `departed`), so nobody who vanished holds a seat.
 */
export async function joinRoom(
  db: Database,
  input: { roomId: string; name: string; tokenHash: string; staleAfterSeconds?: number },
): Promise<JoinResult> {
  return db.transaction(async (tx) => {
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, input.roomId)).for('update');
    if (!room || !room.isActive) return { ok: false, reason: 'room_ended' } as const;
    const departed = input.staleAfterSeconds === undefined ? [] : await sweepAbsent(tx, input.staleAfterSeconds, room.id);
    const [present] = await tx
      .select({ n: count() })
      .from(participants)
      .where(and(eq(participants.roomId, room.id), isNull(participants.leftAt)));
    if ((present?.n ?? 0) >= room.maxParticipants) return { ok: false, reason: 'room_full' } as const;
    const [participant] = await tx
      .insert(participants)
      .values({
        roomId: room.id,
        name: input.name,
        tokenHash: input.tokenHash,
        role: 'attendee',
        // An attendee arrives with the microphone off; their page says when it goes on (media-state).
        isMuted: true,
        admission: room.lobby || room.liveAt === null ? 'waiting' : 'admitted',
      })
      .returning();
    await recordPeak(tx, room.id);
    return { ok: true, participant: participant!, departed } as const;
  });
}

/**
 * Whether a participant's token may act in the room: while they are present (a dropped socket keeps them present
 * for the reconnect grace) and let in. An attendee marked gone must join again, through the room's password and
 * capacity checks; the presenter's seat is theirs until the room ends (it ends by itself once they stay away, see
 * room-ender.ts). An attendee is let in once admitted and the room is live; a co-host admitted before "Go live"
 * is in the green room with the presenter. A waiting token only waits (see `admissionOf`).
 */
export function tokenActs(participant: ParticipantAdmission, room: Pick<Room, 'liveAt'>): boolean {
  return admissionOf(participant, room) === 'in';
}

type ParticipantAdmission = Pick<Participant, 'role' | 'leftAt' | 'admission' | 'isCoHost'>;

/** Where a token stands: in the room, waiting outside it (lobby or not live yet), denied by a host, or gone. */
export function admissionOf(participant: ParticipantAdmission, room: Pick<Room, 'liveAt'>): 'in' | 'waiting' | 'denied' | 'left' {
  if (participant.role === 'presenter') return 'in';
  if (participant.admission === 'denied') return 'denied';
  if (participant.leftAt !== null) return 'left';
  if (participant.admission === 'waiting') return 'waiting';
  return room.liveAt !== null || participant.isCoHost ? 'in' : 'waiting';
}

/** Resolves a token hash to its participant and room, whatever the room's state. */
export async function findByTokenHash(
  db: Database,
  tokenHash: string,
): Promise<{ participant: Participant; room: Room } | undefined> {
  const [row] = await db
    .select({ participant: participants, room: rooms })
    .from(participants)
    .innerJoin(rooms, eq(rooms.id, participants.roomId))
    .where(eq(participants.tokenHash, tokenHash))
    .limit(1);
  return row;
}

export async function findParticipant(db: Database, roomId: string, id: string): Promise<Participant | undefined> {
  const [row] = await db
    .select()
    .from(participants)
    .where(and(eq(participants.id, id), eq(participants.roomId, roomId)))
    .limit(1);
  return row;
}

/** The room's presenter, whether or not they are connected now. */
export async function findPresenter(db: Database, roomId: string): Promise<Participant | undefined> {
  const [row] = await db
    .select()
    .from(participants)
    .where(and(eq(participants.roomId, roomId), eq(participants.role, 'presenter')))
    .limit(1);
  return row;
}

/** Everyone present in the room now (not yet left), oldest first; those waiting outside are not in it. */
export async function listCurrentParticipants(db: Database, roomId: string): Promise<Participant[]> {
  return db
    .select()
    .from(participants)
    .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt), eq(participants.admission, 'admitted')))
    .orderBy(asc(participants.joinedAt), asc(participants.id));
}

/** How many hold a seat now (the count a join is checked against), without reading who they are. */
export async function countCurrentParticipants(db: Database, roomId: string): Promise<number> {
  const [present] = await db
    .select({ n: count() })
    .from(participants)
    .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt)));
  return present?.n ?? 0;
}

/**
 * A socket connected for this participant. Only a presenter comes back after having been marked gone; an
 * attendee gone meanwhile gets undefined (their seat may be someone else's now).
 */
export async function attachSocket(db: Database, participantId: string, socketId: string): Promise<Participant | undefined> {
  // A socket id is unique; clear it from any stale row first so the constraint cannot trip on reuse.
  return db.transaction(async (tx) => {
    await tx
      .update(participants)
      .set({ socketId: null })
      .where(and(eq(participants.socketId, socketId), ne(participants.id, participantId)));
    const [row] = await tx
      .update(participants)
      .set({ socketId, leftAt: null, seenAt: sql`now()` })
      .where(and(eq(participants.id, participantId), or(isNull(participants.leftAt), eq(participants.role, 'presenter'))))
      .returning();
    if (row) await recordPeak(tx, row.roomId);
    return row;
  });
}

/**
 * The participant's socket is gone for good: they left. Only applies if `socketId` is still theirs,
 * so a late disconnect of an old socket cannot mark a reconnected participant as gone.
 */
export async function markLeft(db: Database, participantId: string, socketId: string | null): Promise<boolean> {
  const rows = await db
    .update(participants)
    .set({ socketId: null, leftAt: sql`now()` })
    .where(
      and(
        eq(participants.id, participantId),
        // null: a participant who only waited outside, whose sockets are never attached (see presence.ts).
        socketId === null ? and(isNull(participants.socketId), isNull(participants.leftAt)) : eq(participants.socketId, socketId),
      ),
    )
    .returning({ id: participants.id });
  return rows.length > 0;
}

export async function setMediaState(
  db: Database,
  participantId: string,
  state: { isMuted?: boolean; isVideoOn?: boolean },
): Promise<Participant | undefined> {
  const [row] = await db.update(participants).set(state).where(eq(participants.id, participantId)).returning();
  return row;
}

/**
 * Mutes every present attendee let into the room (co-hosts and speakers too) so that only a host can lift it;
 * returns each with whether their microphone was on, or undefined when the room is not live. The room row is
 * share-locked first, as every write to a live room is (live-room.ts).
 */
export async function muteAllAttendees(db: Database, roomId: string): Promise<{ id: string; microphoneWasOn: boolean }[] | undefined> {
  return db.transaction(async (tx) => {
    const [live] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.isActive, true))).for('share');
    if (!live) return undefined;
    const present = await tx
      .select({ id: participants.id, isMuted: participants.isMuted })
      .from(participants)
      .where(
        and(
          eq(participants.roomId, roomId),
          eq(participants.role, 'attendee'),
          eq(participants.admission, 'admitted'),
          isNull(participants.leftAt),
        ),
      )
      .for('update');
    if (present.length === 0) return [];
    await tx
      .update(participants)
      .set({ isMuted: true, muteLocked: true })
      .where(anyOf(participants.id, present.map((p) => p.id)));
    return present.map((p) => ({ id: p.id, microphoneWasOn: !p.isMuted }));
  });
}

/**
 * Ids per statement when a process vouches for its participants. The ids travel as one array parameter, so the
 * statement's text (and the plan each connection prepares for it) is the same however many there are; and each
 * statement's working memory in its PostgreSQL backend stays bounded, which matters because a backend keeps the
 * peak of what it allocated: unbatched, every backend of the pool that ran a heartbeat grew with the number of
 * sockets the process held.
 */
export const TOUCH_BATCH = 256;

/** A signaling process vouches for the participants whose sockets it holds: their `seen_at` is now. */
export async function touchParticipants(db: Database, ids: readonly string[]): Promise<void> {
  for (let from = 0; from < ids.length; from += TOUCH_BATCH) {
    await db
      .update(participants)
      .set({ seenAt: sql`now()` })
      .where(and(anyOf(participants.id, ids.slice(from, from + TOUCH_BATCH)), isNull(participants.leftAt)));
  }
}

/**
 * A signaling process's heartbeat: it vouches for the participants whose sockets it holds, then marks as left
 * everyone present but unseen for `staleSeconds`; returns those. The sweep runs after the touches have committed, so
 * a held row, however long ago it was seen, is never swept.
 */
export async function heartbeatSweep(db: Database, held: readonly string[], staleSeconds: number): Promise<Departed[]> {
  await touchParticipants(db, held);
  return sweepAbsent(db, staleSeconds);
}

/** Marks as left everyone present but unseen for `staleSeconds`, in one room or in all; returns them. */
export async function sweepAbsent(db: Database, staleSeconds: number, roomId?: string): Promise<Departed[]> {
  return db
    .update(participants)
    .set({ leftAt: sql`now()`, socketId: null })
    .where(
      and(
        isNull(participants.leftAt),
        lt(participants.seenAt, sql`now() - (${Math.ceil(staleSeconds)}::int * interval '1 second')`),
        roomId === undefined ? undefined : eq(participants.roomId, roomId),
      ),
    )
    .returning({ id: participants.id, roomId: participants.roomId, role: participants.role });
}
