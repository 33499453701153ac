// Who is in the room: arrival on connect, the join-room snapshot, media state, and leaving after a grace period.
import { toParticipantBody, toRoomBody } from '../core/serialize.ts';
import {
  attachSocket,
  findParticipant,
  listCurrentParticipants,
  markLeft,
  setMediaState,
  sweepAbsent,
  touchParticipants,
} from '../db/participants.ts';
import { setPresenterSocket, setScreenSharing } from '../db/rooms.ts';
import type { EventHandlers, HandlerDeps, SignalingSocket } from './context.ts';
import { requireLiveRoom, requireOwnRoom } from './guards.ts';
import { participantChannel } from './protocol.ts';

export interface PresenceOptions {
  /** How long a dropped participant may take to come back before the room hears `participant-left`. */
  graceMs: number;
  /** Unseen this long, a participant is gone even if no process said so (see presenceTimeoutSeconds). */
  staleAfterSeconds: number;
  onError: (err: unknown, context: { participantId: string; step: string }) => void;
}

export interface Presence {
  /** A socket passed the handshake: join its Socket.io rooms and record it in the database. */
  connected(socket: SignalingSocket): void;
  /** Resolves once `connected` has recorded the socket; true when the participant was present already. */
  arrival(socket: SignalingSocket): Promise<boolean>;
  /** A socket is gone; unless the participant comes back within the grace, they leave. */
  disconnected(socket: SignalingSocket): void;
  handlers: EventHandlers<'join-room' | 'media-state'>;
  /**
   * Vouches for the participants whose sockets this process holds, then announces as gone everyone no
   * process has vouched for lately: those of a crashed process, and joins that never connected.
   */
  heartbeat(): Promise<void>;
  /** Cancels pending leaves (on shutdown; the room ending already closed every presence). */
  close(): void;
}

export function createPresence({ db, io, counts }: HandlerDeps, options: PresenceOptions): Presence {
  // Per socket: whether the participant was already present when it connected (a reconnect or a second tab).
  const arrivals = new WeakMap<SignalingSocket, Promise<boolean>>();
  // Per socket: whether this socket's join-room has been announced to the room already.
  const announced = new WeakSet<SignalingSocket>();
  const pendingLeaves = new Set<NodeJS.Timeout>();

  // A socket whose arrival is unknown here counts as present: announcing it twice would be the worse mistake.
  const arrival = (socket: SignalingSocket) => arrivals.get(socket) ?? Promise.resolve(true);

  async function arrive(socket: SignalingSocket): Promise<boolean> {
    const { participantId, roomId, role } = socket.data;
    const before = await findParticipant(db, roomId, participantId);
    if (!(await attachSocket(db, participantId, socket.id))) {
      // Marked gone between the handshake and now: the seat is no longer theirs.
      socket.disconnect(true);
      return true;
    }
    if (role === 'presenter') await setPresenterSocket(db, roomId, socket.id);
    return Boolean(before && before.socketId !== null && before.leftAt === null);
  }

  async function settle(participantId: string, roomId: string, socketId: string, presenter: boolean): Promise<void> {
    // Any socket of the participant on any process (a recovered one keeps its id, a new one joined the channel).
    const stillHere = await counts
      .ofParticipant(participantId)
      .then((n) => n > 0)
      // A process that does not answer in time cannot vouch for a socket; markLeft below still checks the database.
      .catch(() => false);
    if (stillHere) return;
    // markLeft only applies if the database still holds this socket, so a reconnect elsewhere wins.
    if (!(await markLeft(db, participantId, socketId))) return;
    await announceLeft(participantId, roomId, presenter);
  }

  async function announceLeft(participantId: string, roomId: string, presenter: boolean): Promise<void> {
    io.to(roomId).emit('participant-left', { participantId });
    if (presenter) {
      await setPresenterSocket(db, roomId, null);
      const room = await setScreenSharing(db, roomId, false);
      if (room) io.to(roomId).emit('presenter-screen-sharing', { isSharing: false });
    }
  }

  return {
    connected(socket) {
      const { participantId, roomId } = socket.data;
      // A recovered socket already has its rooms back; joining again is harmless and covers the other case.
      Promise.resolve(socket.join([roomId, participantChannel(participantId)])).catch((err: unknown) =>
        options.onError(err, { participantId, step: 'join' }),
      );
      const arrival = arrive(socket);
      arrival.catch((err: unknown) => options.onError(err, { participantId, step: 'arrive' }));
      arrivals.set(socket, arrival);
    },

    arrival,

    disconnected(socket) {
      const { participantId, roomId, role } = socket.data;
      const timer = setTimeout(() => {
        pendingLeaves.delete(timer);
        settle(participantId, roomId, socket.id, role === 'presenter').catch((err: unknown) =>
          options.onError(err, { participantId, step: 'leave' }),
        );
      }, options.graceMs);
      pendingLeaves.add(timer);
    },

    async heartbeat() {
      const held = new Set<string>();
      for (const socket of io.of('/').sockets.values()) held.add(socket.data.participantId);
      await touchParticipants(db, [...held]);
      for (const gone of await sweepAbsent(db, options.staleAfterSeconds)) {
        await announceLeft(gone.id, gone.roomId, gone.role === 'presenter');
      }
    },

    close() {
      for (const timer of pendingLeaves) clearTimeout(timer);
      pendingLeaves.clear();
    },

    handlers: {
      async 'join-room'(socket, { slug }, ack) {
        requireOwnRoom(socket, slug);
        const wasPresent = await arrival(socket);
        const room = await requireLiveRoom(db, socket);
        const present = await listCurrentParticipants(db, room.id);
        const self = present.find((p) => p.id === socket.data.participantId);
        ack({
          ok: true,
          self: { participantId: socket.data.participantId, role: socket.data.role, name: socket.data.name },
          room: toRoomBody(room),
          participants: present.map(toParticipantBody),
          presenterId: socket.data.presenterId,
          isScreenSharing: room.isScreenSharing,
        });
        // A reconnect within the grace, a reload or a second tab is not news to the room.
        if (!wasPresent && self && !announced.has(socket)) {
          announced.add(socket);
          socket.to(room.id).emit('participant-joined', { participant: toParticipantBody(self) });
        }
      },

      async 'media-state'(socket, { audio, video }, ack) {
        await requireLiveRoom(db, socket);
        const participant = await setMediaState(db, socket.data.participantId, { isMuted: !audio, isVideoOn: video });
        ack({ ok: true });
        if (participant) io.to(socket.data.roomId).emit('participant-updated', { participant: toParticipantBody(participant) });
      },
    },
  };
}
