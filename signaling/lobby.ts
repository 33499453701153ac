// The lobby and going live over the socket: a waiting page asks where it stands; hosts see, admit and deny, and go
// live. The room core decides who may do each, as it does for the REST routes.
import type { EventHandlers, HandlerDeps } from './context.ts';
import { actorOf, requireLiveRoom } from './guards.ts';
import type { Presence } from './presence.ts';
import { toRoomBody } from '../core/serialize.ts';

type LobbyEvent = 'lobby-status' | 'list-lobby' | 'admit-participant' | 'admit-all' | 'deny-participant' | 'go-live';

export function createLobbyHandlers({ core, db }: HandlerDeps, presence: Pick<Presence, 'lobbyStatus'>): EventHandlers<LobbyEvent> {
  return {
    async 'lobby-status'(socket, _payload, ack) {
      const status = await presence.lobbyStatus(socket);
      const room = await requireLiveRoom(db, socket);
      ack({ ok: true, status, room: toRoomBody(room) });
    },
    async 'list-lobby'(socket, _payload, ack) {
      ack({ ok: true, waiting: await core.listLobby(actorOf(socket)) });
    },
    async 'admit-participant'(socket, input, ack) {
      ack({ ok: true, participant: await core.admitParticipant(actorOf(socket), input) });
    },
    async 'admit-all'(socket, _payload, ack) {
      ack({ ok: true, admitted: await core.admitAll(actorOf(socket)) });
    },
    async 'deny-participant'(socket, input, ack) {
      await core.denyParticipant(actorOf(socket), input);
      ack({ ok: true });
    },
    async 'go-live'(socket, _payload, ack) {
      ack({ ok: true, room: await core.goLive(actorOf(socket)) });
    },
  };
}
