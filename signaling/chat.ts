// Live chat and reactions: stored first, acked with what was stored, then broadcast to the room.
import { toChatMessageBody } from '../core/serialize.ts';
import { addMessage } from '../db/chat.ts';
import type { EventHandlers, HandlerDeps } from './context.ts';
import { requireLiveRoom, requireOwnRoom } from './guards.ts';

export function createChatHandlers({ db, io, metrics }: HandlerDeps): EventHandlers<'chat-message' | 'reaction'> {
  return {
    async 'chat-message'(socket, { roomSlug, message, clientMessageId }, ack) {
      requireOwnRoom(socket, roomSlug);
      const room = await requireLiveRoom(db, socket);
      const stored = await addMessage(db, {
        roomId: room.id,
        sender: { id: socket.data.participantId, name: socket.data.name },
        message,
        ...(clientMessageId === undefined ? {} : { clientMessageId }),
      });
      const body = toChatMessageBody(stored.message);
      ack({ ok: true, message: body });
      // A retry of a message already stored was broadcast the first time.
      if (stored.created) {
        metrics?.chatMessages.inc();
        io.to(room.id).emit('new-chat-message', { message: body });
      }
    },

    async reaction(socket, { emoji }, ack) {
      const room = await requireLiveRoom(db, socket);
      await addMessage(db, {
        roomId: room.id,
        sender: { id: socket.data.participantId, name: socket.data.name },
        message: emoji,
        messageType: 'reaction',
      });
      ack({ ok: true });
      metrics?.reactions.inc();
      io.to(room.id).emit('reaction', { participantId: socket.data.participantId, emoji });
    },
  };
}
