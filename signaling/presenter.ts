// The presenter's controls: screen share state, muting every attendee, and ending the room.
import { toParticipantBody } from '../core/serialize.ts';
import { listCurrentParticipants, muteAllAttendees } from '../db/participants.ts';
import { endRoom, setScreenSharing } from '../db/rooms.ts';
import type { EventHandlers, HandlerDeps, SignalingSocket } from './context.ts';
import { SignalingError } from './errors.ts';
import { requireOwnRoom, requirePresenter } from './guards.ts';
import { participantChannel } from './protocol.ts';

type PresenterEvent = 'screen-share-start' | 'screen-share-stop' | 'mute-all-attendees' | 'end-room';

const roomEnded = () => new SignalingError('room_ended', 'This room has ended');

export function createPresenterHandlers({ db, io, broadcaster, metrics }: HandlerDeps): EventHandlers<PresenterEvent> {
  async function share(socket: SignalingSocket, sharing: boolean): Promise<void> {
    if (!(await setScreenSharing(db, socket.data.roomId, sharing))) throw roomEnded();
  }

  return {
    async 'screen-share-start'(socket, { roomSlug }, ack) {
      requirePresenter(socket);
      requireOwnRoom(socket, roomSlug);
      await share(socket, true);
      ack({ ok: true });
      metrics?.screenShares.inc();
      io.to(socket.data.roomId).emit('presenter-screen-sharing', { isSharing: true });
    },

    async 'screen-share-stop'(socket, _payload, ack) {
      requirePresenter(socket);
      await share(socket, false);
      ack({ ok: true });
      io.to(socket.data.roomId).emit('presenter-screen-sharing', { isSharing: false });
    },

    async 'mute-all-attendees'(socket, _payload, ack) {
      requirePresenter(socket);
      const { roomId } = socket.data;
      const muted = new Set(await muteAllAttendees(db, roomId));
      ack({ ok: true, muted: muted.size });
      if (muted.size === 0) return;
      io.to([...muted].map(participantChannel)).emit('muted-by-presenter', {});
      for (const participant of await listCurrentParticipants(db, roomId)) {
        if (muted.has(participant.id)) io.to(roomId).emit('participant-updated', { participant: toParticipantBody(participant) });
      }
    },

    async 'end-room'(socket, _payload, ack) {
      requirePresenter(socket);
      const stats = await endRoom(db, socket.data.roomId);
      if (!stats) throw roomEnded();
      ack({ ok: true, sessionStats: stats });
      await broadcaster.endRoom(socket.data.roomId, stats);
    },
  };
}
