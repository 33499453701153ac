// Rooms on the SFU as every signaling process sees them: which Janus VideoRoom holds a room, and its feed.
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { roomMedia, sfuSpeakers } from './schema.ts';

export interface SharedSfuRoom {
  janusUrl: string;
  janusRoom: number;
  janusSecret: string;
  /** The presenter's feed once its media reaches Janus. */
  feed: number | null;
}

const columns = { janusUrl: roomMedia.janusUrl, janusRoom: roomMedia.janusRoom, janusSecret: roomMedia.janusSecret, feed: roomMedia.feed };

function shared(row: { janusUrl: string | null; janusRoom: number | null; janusSecret: string | null; feed: number | null } | undefined): SharedSfuRoom | null {
  if (!row?.janusUrl || row.janusRoom === null || !row.janusSecret) return null;
  return { janusUrl: row.janusUrl, janusRoom: row.janusRoom, janusSecret: row.janusSecret, feed: row.feed };
}

export async function findSfuRoom(db: Database, roomId: string): Promise<SharedSfuRoom | null> {
  const [row] = await db.select(columns).from(roomMedia).where(eq(roomMedia.roomId, roomId));
  return shared(row);
}

/**
 * Runs `work` for one room while no other process does (a transaction-scoped advisory lock on the room id):
 * it sees the room's current Janus placement and may replace it with `place`.
 */
export function withSfuRoomLock<T>(
  db: Database,
  roomId: string,
  work: (current: SharedSfuRoom | null, place: (room: Omit<SharedSfuRoom, 'feed'>) => Promise<void>) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`room-media:${roomId}`}, 0))`);
    const [row] = await tx.select(columns).from(roomMedia).where(eq(roomMedia.roomId, roomId));
    return work(shared(row), async (room) => {
      const values = { ...room, feed: null, updatedAt: new Date() };
      await tx.insert(roomMedia).values({ roomId, ...values }).onConflictDoUpdate({ target: roomMedia.roomId, set: values });
    });
  });
}

/** The feed now live in `janusRoom` (or none): a room placed elsewhere since then is left alone. */
export async function setSfuFeed(db: Database, roomId: string, janusRoom: number, feed: number | null, onlyIfFeed?: number): Promise<void> {
  const where = [eq(roomMedia.roomId, roomId), eq(roomMedia.janusRoom, janusRoom)];
  if (onlyIfFeed !== undefined) where.push(eq(roomMedia.feed, onlyIfFeed));
  await db
    .update(roomMedia)
    .set({ feed, updatedAt: new Date() })
    .where(and(...where));
}

/** The Janus room is gone: its row (and its speakers') goes, unless the room was placed again meanwhile. */
export async function removeSfuRoom(db: Database, roomId: string, janusRoom: number): Promise<void> {
  await db.delete(sfuSpeakers).where(and(eq(sfuSpeakers.roomId, roomId), eq(sfuSpeakers.janusRoom, janusRoom)));
  await db.delete(roomMedia).where(and(eq(roomMedia.roomId, roomId), eq(roomMedia.janusRoom, janusRoom)));
}

/** A speaker's feed live in the room's Janus room, published through whichever process. */
export interface SharedSpeakerFeed {
  participantId: string;
  janusRoom: number;
  feed: number;
}

export async function listSfuSpeakers(db: Database, roomId: string): Promise<SharedSpeakerFeed[]> {
  return db
    .select({ participantId: sfuSpeakers.participantId, janusRoom: sfuSpeakers.janusRoom, feed: sfuSpeakers.feed })
    .from(sfuSpeakers)
    .where(eq(sfuSpeakers.roomId, roomId));
}

/** The speaker's feed is live (a reload's new publication replaces the old one's row). */
export async function setSfuSpeaker(db: Database, roomId: string, speaker: SharedSpeakerFeed): Promise<void> {
  const values = { janusRoom: speaker.janusRoom, feed: speaker.feed, updatedAt: new Date() };
  await db
    .insert(sfuSpeakers)
    .values({ roomId, participantId: speaker.participantId, ...values })
    .onConflictDoUpdate({ target: [sfuSpeakers.roomId, sfuSpeakers.participantId], set: values });
}

/** The speaker's feed is gone: its row goes, unless a newer publication of theirs replaced it meanwhile. */
export async function removeSfuSpeaker(db: Database, roomId: string, participantId: string, feed: number): Promise<void> {
  await db
    .delete(sfuSpeakers)
    .where(and(eq(sfuSpeakers.roomId, roomId), eq(sfuSpeakers.participantId, participantId), eq(sfuSpeakers.feed, feed)));
}

/** What signaling/sfu.ts asks of the database, bound to one connection. */
export interface SfuRoomStore {
  find(roomId: string): Promise<SharedSfuRoom | null>;
  place<T>(roomId: string, work: (current: SharedSfuRoom | null, place: (room: Omit<SharedSfuRoom, 'feed'>) => Promise<void>) => Promise<T>): Promise<T>;
  setFeed(roomId: string, janusRoom: number, feed: number | null, onlyIfFeed?: number): Promise<void>;
  remove(roomId: string, janusRoom: number): Promise<void>;
  speakers(roomId: string): Promise<SharedSpeakerFeed[]>;
  setSpeaker(roomId: string, speaker: SharedSpeakerFeed): Promise<void>;
  removeSpeaker(roomId: string, participantId: string, feed: number): Promise<void>;
}

export function createSfuRoomStore(db: Database): SfuRoomStore {
  return {
    find: (roomId) => findSfuRoom(db, roomId),
    place: (roomId, work) => withSfuRoomLock(db, roomId, work),
    setFeed: (roomId, janusRoom, feed, onlyIfFeed) => setSfuFeed(db, roomId, janusRoom, feed, onlyIfFeed),
    remove: (roomId, janusRoom) => removeSfuRoom(db, roomId, janusRoom),
    speakers: (roomId) => listSfuSpeakers(db, roomId),
    setSpeaker: (roomId, speaker) => setSfuSpeaker(db, roomId, speaker),
    removeSpeaker: (roomId, participantId, feed) => removeSfuSpeaker(db, roomId, participantId, feed),
  };
}
