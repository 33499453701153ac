// Rooms end by themselves: when every presenter has been away too long, and at their maximum length.
import type { Database } from '../db/client.ts';
import { findRoomsToEnd } from '../db/rooms.ts';
import type { RoomCore } from './room.ts';

export interface RoomEnderOptions {
  idleMinutes: number;
  maxHours: number;
  /** How often to look; the deadlines themselves are read from the database. */
  intervalMs: number;
  /** Told about each room this process ended. */
  ended?: (roomId: string) => void;
  onError?: (err: unknown) => void;
}

export interface RoomEnder {
  /** Ends what is due now; resolves with the rooms this call ended (not those another process ended first). */
  check(): Promise<string[]>;
  stop(): void;
}

/**
 * Every process runs one. The deadlines come from the database (`rooms.created_at`, the presenters' `left_at`
 * and `seen_at`), so they hold across restarts; the end itself is the presenter's (`core.expire`), whose
 * conditional update lets one process end a room and the others find it ended.
 */
export function createRoomEnder(db: Database, core: Pick<RoomCore, 'expire'>, options: RoomEnderOptions): RoomEnder {
  let running: Promise<string[]> | undefined;

  async function endDue(): Promise<string[]> {
    const ended: string[] = [];
    for (const roomId of await findRoomsToEnd(db, { idleMinutes: options.idleMinutes, maxHours: options.maxHours })) {
      if (await core.expire(roomId)) {
        ended.push(roomId);
        options.ended?.(roomId);
      }
    }
    return ended;
  }

  const check = () => {
    // One pass at a time in a process; a slow database makes passes longer, not more numerous.
    running ??= endDue().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    check().catch((err: unknown) => options.onError?.(err));
  }, options.intervalMs);
  // Deno and Node both have unref on interval handles, under different types.
  (timer as unknown as { unref?: () => void }).unref?.();

  return { check, stop: () => clearInterval(timer) };
}
