// The lobby and going live, part of the room core (room.ts spreads these into it): hosts see who waits outside the
// room and admit or deny them; "Go live" opens a scheduled room. One authorization rule, one write, then the news.
import type { Database } from '../db/client.ts';
import { admitWaiting, denyWaiting, goLive, listWaiting } from '../db/lobby.ts';
import { listHostIds } from '../db/moderation.ts';
import { findRoomById } from '../db/rooms.ts';
import type { LobbyInput } from './actions.ts';
import type { ParticipantEvents, RoomEvents } from './broadcast.ts';
import { participantNotFound, presenterOnly, roomEnded, RoomError } from './errors.ts';
import type { Actor } from './room.ts';
import type { LobbyEntryBody, ParticipantBody, RoomBody } from './schemas.ts';
import { toLobbyEntryBody, toParticipantBody, toRoomBody } from './serialize.ts';

export interface LobbyDeps {
  db: Database;
  toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void;
  toParticipants<E extends keyof ParticipantEvents>(roomId: string, ids: string[], event: E, payload: ParticipantEvents[E]): void;
  disconnect(roomId: string, ids: string[]): void;
  requireHost(actor: Actor): Promise<void>;
  requireLive(actor: Actor): Promise<void>;
  /** The room went live: tell integrations (room.live, said once per room). */
  wentLive(roomId: string, room: RoomBody): void;
}

export interface Lobby {
  /** Who waits outside the room, first come first (host). */
  listLobby(actor: Actor): Promise<LobbyEntryBody[]>;
  /** Lets one waiting attendee in (host; as a co-host, presenter only). Before "Go live", only as a co-host. */
  admitParticipant(actor: Actor, input: LobbyInput<'admitParticipant'>): Promise<ParticipantBody>;
  /** Lets everyone waiting in (host, once the room is live); returns how many came in. */
  admitAll(actor: Actor): Promise<number>;
  /** Turns a waiting attendee away (host): their token stops working. */
  denyParticipant(actor: Actor, input: LobbyInput<'denyParticipant'>): Promise<void>;
  /** Opens a scheduled room (host): everyone waiting for the start comes in, unless the lobby holds them. */
  goLive(actor: Actor): Promise<RoomBody>;
  /** Tells the room's hosts who waits now (after a join or a leave outside the core). */
  lobbyChanged(roomId: string): Promise<void>;
}

export function createLobby(deps: LobbyDeps): Lobby {
  const { db } = deps;

  async function lobbyChanged(roomId: string): Promise<void> {
    const [hosts, waiting] = await Promise.all([listHostIds(db, roomId), listWaiting(db, roomId)]);
    deps.toParticipants(roomId, hosts, 'lobby-updated', { waiting: waiting.map(toLobbyEntryBody) });
  }

  async function hostAction(actor: Actor): Promise<void> {
    await deps.requireHost(actor);
    await deps.requireLive(actor);
  }

  /** A write that changed nothing: the room ended under it, or nobody by that id waits. */
  async function notWaitingOrEnded(roomId: string): Promise<RoomError> {
    if ((await findRoomById(db, roomId))?.isActive) return participantNotFound();
    return roomEnded();
  }

  async function isLive(roomId: string): Promise<boolean> {
    const room = await findRoomById(db, roomId);
    if (!room?.isActive) throw roomEnded();
    return room.liveAt !== null;
  }

  return {
    async listLobby(actor) {
      await hostAction(actor);
      return (await listWaiting(db, actor.roomId)).map(toLobbyEntryBody);
    },

    async admitParticipant(actor, { participantId, coHost }) {
      if (coHost && actor.role !== 'presenter') throw presenterOnly();
      await hostAction(actor);
      if (!coHost && !(await isLive(actor.roomId))) {
        throw new RoomError('conflict', 'The room is not live yet: everyone waiting comes in at "Go live" (co-hosts may come in before)');
      }
      const [row] = await admitWaiting(db, actor.roomId, [participantId], { coHost });
      if (!row) throw await notWaitingOrEnded(actor.roomId);
      deps.toParticipants(actor.roomId, [row.id], 'lobby-admitted', {});
      await lobbyChanged(actor.roomId);
      return toParticipantBody(row);
    },

    async admitAll(actor) {
      await hostAction(actor);
      if (!(await isLive(actor.roomId))) throw new RoomError('conflict', 'The room is not live yet: everyone waiting comes in at "Go live"');
      const rows = await admitWaiting(db, actor.roomId, 'all');
      if (rows.length) deps.toParticipants(actor.roomId, rows.map((r) => r.id), 'lobby-admitted', {});
      await lobbyChanged(actor.roomId);
      return rows.length;
    },

    async denyParticipant(actor, { participantId }) {
      await hostAction(actor);
      const row = await denyWaiting(db, actor.roomId, participantId);
      if (!row) throw await notWaitingOrEnded(actor.roomId);
      // Told first, then closed: the page shows why its connection went.
      deps.toParticipants(actor.roomId, [row.id], 'lobby-denied', {});
      deps.disconnect(actor.roomId, [row.id]);
      await lobbyChanged(actor.roomId);
    },

    async goLive(actor) {
      await hostAction(actor);
      const result = await goLive(db, actor.roomId);
      if (!result.ok) {
        if (result.reason === 'room_ended') throw roomEnded();
        throw new RoomError('conflict', 'The room is live already');
      }
      const room = toRoomBody(result.room);
      const liveAt = room.liveAt!;
      deps.toRoom(actor.roomId, 'room-live', { liveAt });
      if (result.admitted.length) deps.toParticipants(actor.roomId, result.admitted.map((r) => r.id), 'lobby-admitted', {});
      const stillWaiting = await listWaiting(db, actor.roomId);
      if (stillWaiting.length) deps.toParticipants(actor.roomId, stillWaiting.map((r) => r.id), 'room-live', { liveAt });
      deps.wentLive(actor.roomId, room);
      await lobbyChanged(actor.roomId);
      return room;
    },

    lobbyChanged,
  };
}
