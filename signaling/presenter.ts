// The presenter's controls over the socket: screen share, muting every attendee, and ending the room.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf, requireOwnRoom } from './guards.ts';

type PresenterEvent = 'screen-share-start' | 'screen-share-stop' | 'mute-all-attendees' | 'end-room';

export function createPresenterHandlers({ core }: HandlerDeps): EventHandlers<PresenterEvent> {
  return {
    async 'screen-share-start'(socket, { roomSlug }, ack) {
      requireOwnRoom(socket, roomSlug);
      await core.shareScreen(actorOf(socket), true);
      ack({ ok: true });
    },

    async 'screen-share-stop'(socket, _payload, ack) {
      await core.shareScreen(actorOf(socket), false);
      ack({ ok: true });
    },

    async 'mute-all-attendees'(socket, _payload, ack) {
      ack({ ok: true, muted: await core.muteAll(actorOf(socket)) });
    },

    async 'end-room'(socket, _payload, ack) {
      // The answer leaves before the announcement, which closes this very connection.
      await core.endRoom(actorOf(socket), (sessionStats) => ack({ ok: true, sessionStats }));
    },
  };
}
