// Tells a room's sockets what a REST request changed outside the room core (seats freed by a join). The
// change has happened whatever the sockets hear, so a failing broadcast is logged and never turns a success into an error.
import type { Context } from 'hono';
import type { RoomEvents } from '../core/broadcast.ts';
import { fallbackLogger } from '../core/logger.ts';

export function publish<E extends keyof RoomEvents>(c: Context, roomId: string, event: E, payload: RoomEvents[E]): void {
  try {
    c.get('deps').broadcaster.toRoom(roomId, event, payload);
  } catch (err) {
    (c.get('deps').logger ?? fallbackLogger()).error({ event, roomId, requestId: c.get('requestId'), err }, 'broadcast failed');
  }
}
