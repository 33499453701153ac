// Tells a room's sockets what a REST request changed outside the room core (seats freed by a join). The
// change has happened whatever the sockets hear, so a failing broadcast is logged and never turns a success into an error.
import { loggableErrorText } from '../core/error-log.ts';
import type { Context } from 'hono';
import type { RoomEvents } from '../core/broadcast.ts';

export function publish<E extends keyof RoomEvents>(c: Context, roomId: string, event: E, payload: RoomEvents[E]): void {
  try {
    c.get('deps').broadcaster.toRoom(roomId, event, payload);
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'broadcast failed', event, requestId: c.get('requestId'), err: loggableErrorText(err) }));
  }
}
