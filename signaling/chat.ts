// Chat and reactions over the socket: the payload is checked by the contract, the room core does the rest.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf, requireOwnRoom } from './guards.ts';

export function createChatHandlers({ core }: HandlerDeps): EventHandlers<'chat-message' | 'reaction'> {
  return {
    async 'chat-message'(socket, { roomSlug, ...input }, ack) {
      requireOwnRoom(socket, roomSlug);
      const { message } = await core.sendChat(actorOf(socket), input);
      ack({ ok: true, message });
    },

    async reaction(socket, input, ack) {
      await core.react(actorOf(socket), input);
      ack({ ok: true });
    },
  };
}
