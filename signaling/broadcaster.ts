// The Broadcaster port implemented on a Socket.io server: how the room core reaches sockets after each committed write.
import type { Broadcaster, ParticipantEvents, RoomEvents } from '../core/broadcast.ts';
import type { SessionStatsBody } from '../core/schemas.ts';
import type { SignalingServer } from './context.ts';
import { lobbyChannel, participantChannel, presenterViewChannel } from './protocol.ts';
import { createSocketCounts, type SocketCounts } from './socket-counts.ts';

export interface SocketBroadcasterOptions {
  /** Whether other processes share rooms through a cluster adapter; then room endings are announced to them too. */
  clustered: boolean;
  /** The process's socket counter, when it has one already (it answers the other processes' questions). */
  counts?: SocketCounts;
}

/**
 * Works the same in the all-in-one process (the server that holds the sockets) and in the API process
 * (a Socket.io server that holds none and only publishes through the cluster adapter).
 */
export function createSocketBroadcaster(io: SignalingServer, options: SocketBroadcasterOptions): Broadcaster {
  const counts = options.counts ?? createSocketCounts(io, options);
  return {
    toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]) {
      // The typed emit cannot narrow a generic event name to its own payload, though the maps agree.
      (io.to(roomId).emit as (event: E, payload: RoomEvents[E]) => boolean)(event, payload);
    },
    toParticipants<E extends keyof ParticipantEvents>(participantIds: string[], event: E, payload: ParticipantEvents[E]) {
      (io.to(participantIds.map(participantChannel)).emit as (event: E, payload: ParticipantEvents[E]) => boolean)(event, payload);
    },
    disconnectParticipants(participantIds, sparing) {
      if (!participantIds.length) return;
      const sockets = io.in(participantIds.map(participantChannel));
      (sparing ? sockets.except(presenterViewChannel(sparing.presenterId)) : sockets).disconnectSockets(true);
    },
    async endRoom(roomId, sessionStats) {
      endRoomLocally(io, roomId, sessionStats);
      if (options.clustered) io.serverSideEmit('room-ended', roomId, sessionStats);
    },
    async connectedSockets() {
      try {
        return await counts.all();
      } catch {
        // A process of the cluster did not answer in time; what this one holds is still worth reporting.
        return io.of('/').sockets.size;
      }
    },
  };
}

/**
 * Tells this process's sockets of the room that it ended, then disconnects them. Each process does it for
 * its own sockets, so `room-ended` is always written before the connection closes.
 */
export function endRoomLocally(io: SignalingServer, roomId: string, sessionStats: SessionStatsBody): void {
  // Those waiting outside hear the end too: there is nothing left to wait for.
  const everyone = [roomId, lobbyChannel(roomId)];
  io.local.to(everyone).emit('room-ended', { sessionStats });
  io.local.in(everyone).disconnectSockets(true);
}
