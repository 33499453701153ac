// Seats over the socket: an attendee leaves on purpose, the presenter changes the room's limit live.
// The room core decides who may do each, as it does for the REST routes.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf } from './guards.ts';

export function createSeatHandlers({ core }: HandlerDeps): EventHandlers<'leave-room' | 'set-capacity'> {
  return {
    async 'leave-room'(socket, _payload, ack) {
      // The answer leaves before the participant's sockets close, this one included.
      await core.leave(actorOf(socket), () => ack({ ok: true }));
    },
    async 'set-capacity'(socket, input, ack) {
      ack({ ok: true, ...(await core.setCapacity(actorOf(socket), input)) });
    },
  };
}
