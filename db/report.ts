// What a session report reads: attendance from presence rows, counts of what was said, questions and polls.
// Names are never read: the report holds none.
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { whileLive } from './live-room.ts';
import { chatMessages, questions, receivedQuality, rooms, type MediaModeName } from './schema.ts';
import { questionContentColumns } from './questions.ts';

export interface ReportRoomRow {
  id: string;
  title: string;
  createdAt: Date;
  endedAt: Date | null;
  isActive: boolean;
  usedSfu: boolean;
}

export async function reportRoom(db: Database, roomId: string): Promise<ReportRoomRow | undefined> {
  const [row] = await db
    .select({ id: rooms.id, title: rooms.title, createdAt: rooms.createdAt, endedAt: rooms.endedAt, isActive: rooms.isActive, usedSfu: rooms.usedSfu })
    .from(rooms)
    .where(eq(rooms.id, roomId));
  return row;
}

/**
 * Attendees present at each of `points` instants from the room's start to its end (or now), and the exact
 * peak and total from every arrival and departure. A leave and a join at the same instant count the leave first.
 */
export async function attendance(db: Database, roomId: string, points: number): Promise<{ timeline: { at: string; present: number }[]; peak: number; total: number }> {
  const timeline = (await db.execute(sql`
    with r as (select created_at as s, coalesce(ended_at, now()) as e from rooms where id = ${roomId}),
    t as (select s + (e - s) * i / ${points - 1}::int as at from r, generate_series(0, ${points - 1}::int) as i)
    select t.at, (select count(*)::int from participants p
      where p.room_id = ${roomId} and p.role = 'attendee' and p.joined_at <= t.at and (p.left_at is null or p.left_at > t.at)) as present
    from t order by t.at`)) as unknown as { at: Date | string; present: number }[];
  const [peak] = (await db.execute(sql`
    select coalesce(max(running), 0)::int as peak, (select count(*)::int from participants where room_id = ${roomId} and role = 'attendee') as total
    from (select sum(delta) over (order by at, delta rows unbounded preceding) as running from (
      select joined_at as at, 1 as delta from participants where room_id = ${roomId} and role = 'attendee'
      union all
      select left_at, -1 from participants where room_id = ${roomId} and role = 'attendee' and left_at is not null) e) r`)) as unknown as {
    peak: number;
    total: number;
  }[];
  return {
    timeline: timeline.map((p) => ({ at: new Date(p.at).toISOString(), present: Number(p.present) })),
    peak: Number(peak?.peak ?? 0),
    total: Number(peak?.total ?? 0),
  };
}

export async function messageCounts(db: Database, roomId: string): Promise<{ chat: number; reactions: Record<string, number> }> {
  const [chat] = await db
    .select({ n: count() })
    .from(chatMessages)
    .where(and(eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'chat')));
  const rows = await db
    .select({ emoji: chatMessages.message, n: count() })
    .from(chatMessages)
    .where(and(eq(chatMessages.roomId, roomId), eq(chatMessages.messageType, 'reaction')))
    .groupBy(chatMessages.message)
    .orderBy(asc(chatMessages.message));
  return { chat: Number(chat?.n ?? 0), reactions: Object.fromEntries(rows.map((r) => [r.emoji, Number(r.n)])) };
}

/** Every question with its votes and answer, asked order; without who asked. */
export async function reportQuestions(db: Database, roomId: string) {
  return db
    .select(questionContentColumns)
    .from(questions)
    .where(eq(questions.roomId, roomId))
    .orderBy(asc(questions.createdAt), asc(questions.seq));
}

/** Records that the room's media went through the SFU. */
export async function markSfuUsed(db: Database, roomId: string): Promise<void> {
  await db.update(rooms).set({ usedSfu: true }).where(eq(rooms.id, roomId));
}

export interface QualitySample {
  decodeFps: number;
  lossPct: number;
  rttMs: number;
}

/**
 * Adds one attendee's sample to the room's sums for `mode`, in one statement that takes the live room: false
 * (nothing written) once the room has ended or when there is no such room.
 */
export async function addQualitySample(db: Database, roomId: string, mode: MediaModeName, sample: QualitySample): Promise<boolean> {
  const rows = (await db.execute(sql`
    insert into ${receivedQuality} (room_id, mode, samples, decode_fps_sum, loss_pct_sum, rtt_ms_sum)
    select ${roomId}, ${mode}, 1, ${sample.decodeFps}, ${sample.lossPct}, ${sample.rttMs} where ${whileLive(roomId)}
    on conflict (room_id, mode) do update set
      samples = ${receivedQuality.samples} + 1,
      decode_fps_sum = ${receivedQuality.decodeFpsSum} + excluded.decode_fps_sum,
      loss_pct_sum = ${receivedQuality.lossPctSum} + excluded.loss_pct_sum,
      rtt_ms_sum = ${receivedQuality.rttMsSum} + excluded.rtt_ms_sum
    returning 1 as ok`)) as unknown as unknown[];
  return rows.length > 0;
}

/** The room's sums per media mode (no row for a mode no attendee reported in). */
export async function qualitySums(db: Database, roomId: string) {
  return db
    .select({ mode: receivedQuality.mode, samples: receivedQuality.samples, decodeFpsSum: receivedQuality.decodeFpsSum, lossPctSum: receivedQuality.lossPctSum, rttMsSum: receivedQuality.rttMsSum })
    .from(receivedQuality)
    .where(eq(receivedQuality.roomId, roomId));
}

/**
 * Deletes every room that ended more than `days` ago, with all it holds (participants, messages, questions,
 * polls, stats, webhook deliveries: their foreign keys cascade). Returns how many rooms went.
 */
export async function deleteExpiredRooms(db: Database, days: number): Promise<number> {
  const deleted = await db
    .delete(rooms)
    .where(and(eq(rooms.isActive, false), sql`${rooms.endedAt} < now() - make_interval(secs => ${days * 86_400})`))
    .returning({ id: rooms.id });
  return deleted.length;
}
