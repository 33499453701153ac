// Session statistics, computed by SQL from what the database keeps.
import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { chatMessages, participants, questions, rooms, sessionStats } from './schema.ts';

export interface SessionStats {
  maxConcurrentParticipants: number;
  totalParticipants: number;
  totalMessages: number;
  totalQuestions: number;
  sessionDurationMinutes: number;
}

export async function computeSessionStats(db: Database, roomId: string): Promise<SessionStats> {
  const countWhere = async (table: typeof participants | typeof questions | typeof chatMessages, where: SQL | undefined) => {
    const [row] = await db.select({ n: count() }).from(table).where(where);
    return Number(row?.n ?? 0);
  };
  const [room] = await db
    .select({
      peak: rooms.peakParticipants,
      minutes: sql<number>`round(extract(epoch from (coalesce(${rooms.endedAt}, now()) - ${rooms.createdAt})) / 60)::int`,
    })
    .from(rooms)
    .where(eq(rooms.id, roomId));
  if (!room) throw new Error(`room ${roomId} does not exist`);
  return {
    maxConcurrentParticipants: Number(room.peak),
    totalParticipants: await countWhere(participants, eq(participants.roomId, roomId)),
    totalMessages: await countWhere(chatMessages, and(eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'chat'))),
    totalQuestions: await countWhere(questions, eq(questions.roomId, roomId)),
    sessionDurationMinutes: Number(room.minutes),
  };
}

export async function findSessionStats(db: Database, roomId: string): Promise<SessionStats | undefined> {
  const [row] = await db
    .select({
      maxConcurrentParticipants: sessionStats.maxConcurrentParticipants,
      totalParticipants: sessionStats.totalParticipants,
      totalMessages: sessionStats.totalMessages,
      totalQuestions: sessionStats.totalQuestions,
      sessionDurationMinutes: sessionStats.sessionDurationMinutes,
    })
    .from(sessionStats)
    .where(eq(sessionStats.roomId, roomId));
  return row;
}

/** Raises the room's peak to the number of participants present now. */
export async function recordPeak(db: Database, roomId: string): Promise<void> {
  const present = db
    .select({ n: count() })
    .from(participants)
    .where(and(eq(participants.roomId, roomId), sql`${participants.leftAt} is null`));
  await db
    .update(rooms)
    .set({ peakParticipants: sql`greatest(${rooms.peakParticipants}, (${present}))` })
    .where(eq(rooms.id, roomId));
}
