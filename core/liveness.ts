// Whether a room still runs, held in memory: looked up once, dropped when the room ends, re-read after a while.
import type { Database } from '../db/client.ts';
import { findRoomById } from '../db/rooms.ts';

export interface RoomLiveness {
  /** True while the room is active; a room once seen ended stays ended. */
  isLive(roomId: string): Promise<boolean>;
  /** The room ended (here or, through the room-ended event, on another process). */
  ended(roomId: string): void;
}

/**
 * A live answer is trusted for `ttlMs` only: the room-ended event reaches every process, and the re-read
 * bounds how long a process that missed it keeps accepting writes. The chat insert itself also joins on
 * active rooms, so a message never lands in an ended room either way.
 */
export function createRoomLiveness(db: Database, options: { ttlMs?: number; maxRooms?: number } = {}): RoomLiveness {
  const ttlMs = options.ttlMs ?? 5000;
  const maxRooms = options.maxRooms ?? 10_000;
  const live = new Map<string, { until: number; lookup?: Promise<boolean> }>();
  const ended = new Set<string>();

  async function read(roomId: string): Promise<boolean> {
    const room = await findRoomById(db, roomId);
    const active = Boolean(room?.isActive);
    if (!active) {
      live.delete(roomId);
      ended.add(roomId);
    }
    return active;
  }

  return {
    async isLive(roomId) {
      if (ended.has(roomId)) return false;
      const entry = live.get(roomId);
      if (entry?.lookup) return entry.lookup;
      if (entry && entry.until > Date.now()) return true;
      if (live.size >= maxRooms) live.clear();
      // Concurrent askers share one lookup.
      const lookup = read(roomId).then(
        (active) => {
          if (active && !ended.has(roomId)) live.set(roomId, { until: Date.now() + ttlMs });
          return active && !ended.has(roomId);
        },
        (err: unknown) => {
          live.delete(roomId);
          throw err;
        },
      );
      live.set(roomId, { until: 0, lookup });
      return lookup;
    },
    ended(roomId) {
      live.delete(roomId);
      if (ended.size >= maxRooms) ended.clear();
      ended.add(roomId);
    },
  };
}
