// The lobby and going live: who waits outside a room, letting them in or turning them away, and "Go live".
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { whileLive } from './live-room.ts';
import type { Participant, Room } from './rooms.ts';
import { participants, rooms } from './schema.ts';

/** Attendees of the room waiting outside it now (not gone, not removed), first come first. */
const waiting = (roomId: string) =>
  and(
    eq(participants.roomId, roomId),
    eq(participants.role, 'attendee'),
    eq(participants.admission, 'waiting'),
    isNull(participants.leftAt),
    isNull(participants.removedAt),
  );

export async function listWaiting(db: Database, roomId: string): Promise<Participant[]> {
  return db
    .select()
    .from(participants)
    .where(waiting(roomId))
    .orderBy(asc(participants.joinedAt), asc(participants.id));
}

/**
 * Lets waiting attendees in: those named, or all with `'all'`; with `coHost`, as co-hosts. Written under the live
 * room's share lock, as chat and questions are, so nobody is admitted into a room whose end has committed.
 */
export async function admitWaiting(
  db: Database,
  roomId: string,
  ids: string[] | 'all',
  options: { coHost?: boolean } = {},
): Promise<Participant[]> {
  if (ids !== 'all' && ids.length === 0) return [];
  return db
    .update(participants)
    .set({ admission: 'admitted', ...(options.coHost ? { isCoHost: true } : {}) })
    .where(and(waiting(roomId), ids === 'all' ? undefined : inArray(participants.id, ids), whileLive(roomId)))
    .returning();
}

/** Turns a waiting attendee away: they are gone, and their token stops working. */
export async function denyWaiting(db: Database, roomId: string, id: string): Promise<Participant | undefined> {
  const [row] = await db
    .update(participants)
    .set({ admission: 'denied', leftAt: sql`now()`, socketId: null })
    .where(and(waiting(roomId), eq(participants.id, id), whileLive(roomId)))
    .returning();
  return row;
}

export type GoLive = { ok: true; room: Room; admitted: Participant[] } | { ok: false; reason: 'room_ended' | 'already_live' };

/**
 * Takes a scheduled room live. Without the lobby, everyone waiting for the start comes in with it, in the same
 * transaction and under the room row's lock that joins take (see joinRoom), so no join falls between the two.
 */
export async function goLive(db: Database, roomId: string): Promise<GoLive> {
  return db.transaction(async (tx) => {
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).for('update');
    if (!room || !room.isActive) return { ok: false, reason: 'room_ended' } as const;
    if (room.liveAt !== null) return { ok: false, reason: 'already_live' } as const;
    const [live] = await tx.update(rooms).set({ liveAt: sql`now()` }).where(eq(rooms.id, roomId)).returning();
    const admitted = room.lobby ? [] : await tx.update(participants).set({ admission: 'admitted' }).where(waiting(roomId)).returning();
    return { ok: true, room: live!, admitted } as const;
  });
}
