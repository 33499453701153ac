// Session statistics, computed by SQL from what the database keeps.
import { and, count, eq, sql } from 'drizzle-orm';
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
  const [row] = await db
    .select({
      maxConcurrentParticipants: rooms.peakParticipants,
      sessionDurationMinutes: sql<number>`round(extract(epoch from (coalesce(${rooms.endedAt}, now()) - ${rooms.createdAt})) / 60)::int`,
      totalParticipants: sql<number>`(select count(*)::int from ${participants} where ${participants.roomId} = ${rooms.id})`,
      totalMessages: sql<number>`(select count(*)::int from ${chatMessages} where ${chatMessages.roomId} = ${rooms.id} and ${chatMessages.messageType} = 'chat')`,
      totalQuestions: sql<number>`(select count(*)::int from ${questions} where ${questions.roomId} = ${rooms.id})`,
    })
    .from(rooms)
    .where(eq(rooms.id, roomId));
  if (!row) throw new Error(`room ${roomId} does not exist`);
  return {
    maxConcurrentParticipants: Number(row.maxConcurrentParticipants),
    totalParticipants: Number(row.totalParticipants),
    totalMessages: Number(row.totalMessages),
    totalQuestions: Number(row.totalQuestions),
    sessionDurationMinutes: Number(row.sessionDurationMinutes),
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
