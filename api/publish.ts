// Tells a room's sockets about a committed REST write. The write has happened whatever the sockets hear,
// so a failing broadcast is logged and never turns a success into an error.
import type { Context } from 'hono';
import type { RoomEvents } from '../core/broadcast.ts';
import { countPublished } from '../core/metrics.ts';
import type { SessionStatsBody } from '../core/schemas.ts';

export function publish<E extends keyof RoomEvents>(c: Context, roomId: string, event: E, payload: RoomEvents[E]): void {
  countPublished(c.get('deps').metrics, event, payload);
  try {
    c.get('deps').broadcaster.toRoom(roomId, event, payload);
  } catch (err) {
    logBroadcastFailure(c, event, err);
  }
}

export async function publishRoomEnded(c: Context, roomId: string, sessionStats: SessionStatsBody): Promise<void> {
  try {
    await c.get('deps').broadcaster.endRoom(roomId, sessionStats);
  } catch (err) {
    logBroadcastFailure(c, 'room-ended', err);
  }
}

function logBroadcastFailure(c: Context, event: string, err: unknown): void {
  console.error(JSON.stringify({ level: 'error', msg: 'broadcast failed', event, requestId: c.get('requestId'), err: String(err) }));
}
