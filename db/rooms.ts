// Rooms: created with their presenter in one transaction, looked up by slug, ended with their stats.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { participants, rooms, sessionStats } from './schema.ts';
import { computeSessionStats, type SessionStats } from './stats.ts';

export type Room = typeof rooms.$inferSelect;
export type Participant = typeof participants.$inferSelect;

export interface NewRoom {
  slug: string;
  title: string;
  presenterName: string;
  passwordHash: string | null;
  maxParticipants: number;
  settings: Record<string, unknown>;
  hideAddresses?: boolean;
  hideLanAddresses?: boolean;
  presenterTokenHash: string;
  lobby?: boolean;
  /** A scheduled room waits for its presenter's "Go live"; one without a start time is live at once. */
  schedule?: { startsAt: Date; timeZone: string };
  description?: string;
}

/** Inserts the room and its presenter together, so a room never exists without one. */
export async function createRoom(db: Database, input: NewRoom): Promise<{ room: Room; presenter: Participant }> {
  return db.transaction(async (tx) => {
    const [room] = await tx
      .insert(rooms)
      .values({
        slug: input.slug,
        title: input.title,
        presenterName: input.presenterName,
        passwordHash: input.passwordHash,
        maxParticipants: input.maxParticipants,
        settings: input.settings,
        hideAddresses: input.hideAddresses ?? false,
        hideLanAddresses: input.hideLanAddresses ?? false,
        peakParticipants: 1,
        lobby: input.lobby ?? false,
        startsAt: input.schedule?.startsAt ?? null,
        timeZone: input.schedule?.timeZone ?? null,
        description: input.description ?? null,
        ...(input.schedule ? { liveAt: null } : {}),
      })
      .returning();
    const [presenter] = await tx
      .insert(participants)
      .values({ roomId: room!.id, name: input.presenterName, tokenHash: input.presenterTokenHash, role: 'presenter' })
      .returning();
    return { room: room!, presenter: presenter! };
  });
}

export async function findRoomBySlug(db: Database, slug: string): Promise<Room | undefined> {
  const [room] = await db.select().from(rooms).where(eq(rooms.slug, slug)).limit(1);
  return room;
}

export async function findRoomById(db: Database, id: string): Promise<Room | undefined> {
  const [room] = await db.select().from(rooms).where(eq(rooms.id, id)).limit(1);
  return room;
}

export async function setPresenterSocket(db: Database, roomId: string, socketId: string | null): Promise<void> {
  await db.update(rooms).set({ presenterSocketId: socketId }).where(eq(rooms.id, roomId));
}

/**
 * Ends an active room: marks it inactive, closes every open presence, writes its stats row and erases
 * the names of everyone who took part.
 * Returns null when the room was already ended (or does not exist), so ending twice is detectable.
 */
export async function endRoom(db: Database, roomId: string): Promise<SessionStats | null> {
  return db.transaction(async (tx) => {
    // Every write to a room share-locks its live row in the same statement (see db/live-room.ts and
    // the chat insert). Taking the row exclusively waits for those in flight; the end's time is read only once
    // it holds the row, so no row written before it has a later time, and none can be written after it.
    const [live] = await tx
      .select({ id: rooms.id })
      .from(rooms)
      .where(and(eq(rooms.id, roomId), eq(rooms.isActive, true)))
      .for('update');
    if (!live) return null;
    await tx
      .update(rooms)
      .set({ isActive: false, endedAt: sql`clock_timestamp()`, presenterSocketId: null })
      .where(eq(rooms.id, roomId));
    await tx
      .update(participants)
      .set({ leftAt: sql`now()`, socketId: null })
      .where(and(eq(participants.roomId, roomId), isNull(participants.leftAt)));
    const stats = await computeSessionStats(tx, roomId);
    await tx.insert(sessionStats).values({ roomId, ...stats });
    // Names are forgotten when the session closes; rows and stats stay for the numbers.
    await tx.update(participants).set({ name: null }).where(eq(participants.roomId, roomId));
    await tx.update(rooms).set({ presenterName: '', isScreenSharing: false }).where(eq(rooms.id, roomId));
    return stats;
  });
}

/**
 * Turns the presenter's screen share on or off in a live room. A start that finds it off counts toward
 * the session's shares; repeating either is a no-op. Returns undefined when the room has ended.
 */
export async function setScreenSharing(db: Database, roomId: string, sharing: boolean): Promise<Room | undefined> {
  const [room] = await db
    .update(rooms)
    .set({
      isScreenSharing: sharing,
      screenShareCount: sharing
        ? sql`${rooms.screenShareCount} + case when ${rooms.isScreenSharing} then 0 else 1 end`
        : rooms.screenShareCount,
    })
    .where(and(eq(rooms.id, roomId), eq(rooms.isActive, true)))
    .returning();
  return room;
}

/**
 * Live rooms that should end by themselves: created (or, when scheduled, due to start) more than `maxHours` ago, or
 * whose presenters have all been away more than `idleMinutes` (gone since `left_at`, or unseen since `seen_at` when
 * no process is left to mark them gone; a scheduled room is left alone until `idleMinutes` past its start). Read
 * from the database alone, so a process started later finds the same rooms.
 */
export async function findRoomsToEnd(db: Database, options: { idleMinutes: number; maxHours: number; limit?: number }): Promise<string[]> {
  const rows = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(
      and(
        eq(rooms.isActive, true),
        // A scheduled room counts from its announced start, not from when it was announced.
        sql`(greatest(${rooms.createdAt}, coalesce(${rooms.startsAt}, ${rooms.createdAt})) < now() - make_interval(hours => ${options.maxHours}::int)
          or ((${rooms.startsAt} is null or ${rooms.startsAt} < now() - make_interval(mins => ${options.idleMinutes}::int))
            and not exists (
              select 1 from ${participants} p
              where p.room_id = ${rooms.id} and p.role = 'presenter'
                and coalesce(p.left_at, p.seen_at) >= now() - make_interval(mins => ${options.idleMinutes}::int))))`,
      ),
    )
    .orderBy(rooms.createdAt)
    .limit(options.limit ?? 100);
  return rows.map((r) => r.id);
}
