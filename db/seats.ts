// Seats of a room: an attendee leaving on purpose, the presenter changing the limit live, and joins refused for want
// of a seat (counted, so the presenter knows to raise the limit).
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { whileLive } from './live-room.ts';
import type { Participant, Room } from './rooms.ts';
import { participants, rooms } from './schema.ts';

/**
 * An attendee leaves: their seat is free at once (a join counts seats by `left_at`), their socket no longer holds
 * it, and what they held on the stage goes with them. Undefined when they were not present (left already, removed)
 * or the room has ended.
 */
export async function leaveRoom(db: Database, roomId: string, id: string): Promise<Participant | undefined> {
  const [row] = await db
    .update(participants)
    .set({ leftAt: sql`now()`, socketId: null, handRaisedAt: null, stage: 'audience', isMuted: true, isVideoOn: false })
    .where(
      and(
        eq(participants.roomId, roomId),
        eq(participants.id, id),
        eq(participants.role, 'attendee'),
        isNull(participants.leftAt),
        isNull(participants.removedAt),
        whileLive(roomId),
      ),
    )
    .returning();
  return row;
}

export type CapacityChange = { ok: true; room: Room } | { ok: false; reason: 'room_ended' } | { ok: false; reason: 'below_present'; present: number };

/**
 * Sets the room's limit, never below the seats held now (present or waiting outside). The room row is locked as a
 * join locks it, so a join racing the change is counted against one limit or the other, never slipped in between.
 */
export async function setCapacity(db: Database, roomId: string, maxParticipants: number): Promise<CapacityChange> {
  return db.transaction(async (tx) => {
    const [room] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.isActive, true))).for('update');
    if (!room) return { ok: false, reason: 'room_ended' } as const;
    const [held] = await tx
      .select({ n: count() })
      .from(participants)
      .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt)));
    const present = held?.n ?? 0;
    if (maxParticipants < present) return { ok: false, reason: 'below_present', present } as const;
    const [updated] = await tx.update(rooms).set({ maxParticipants }).where(eq(rooms.id, roomId)).returning();
    return { ok: true, room: updated! } as const;
  });
}

/** One more join refused because the room was full; returns the room's count so far (undefined once it ended). */
export async function countRefusedJoin(db: Database, roomId: string): Promise<number | undefined> {
  const [row] = await db
    .update(rooms)
    .set({ refusedJoins: sql`${rooms.refusedJoins} + 1` })
    .where(and(eq(rooms.id, roomId), eq(rooms.isActive, true)))
    .returning({ refusedJoins: rooms.refusedJoins });
  return row?.refusedJoins;
}
