// Who is in the room: arrival on connect, the join-room snapshot, media state, and leaving after a grace period.
import { toParticipantBody, toRoomBody } from '../core/serialize.ts';
import {
  admissionOf,
  attachSocket,
  findParticipant,
  listCurrentParticipants,
  markLeft,
  setMediaState,
  heartbeatSweep,
  touchParticipants,
} from '../db/participants.ts';
import { findRoomById, setPresenterSocket, setScreenSharing } from '../db/rooms.ts';
import type { EventHandlers, HandlerDeps, SignalingSocket } from './context.ts';
import { actorOf, requireLiveRoom, requireOwnRoom } from './guards.ts';
import { forbidden, SignalingError } from './errors.ts';
import { lobbyChannel, participantChannel, presenterViewChannel, type LobbyStatus } from './protocol.ts';

export interface PresenceOptions {
  /** How long a dropped participant may take to come back before the room hears `participant-left`. */
  graceMs: number;
  /** Unseen this long, a participant is gone even if no process said so (see presenceTimeoutSeconds). */
  staleAfterSeconds: number;
  onError: (err: unknown, context: { participantId: string; step: string }) => void;
  /** A participant said what they send now: a speaker's publication on the SFU follows at once (signaling/media.ts). */
  mediaStateChanged?: (roomId: string, participantId: string) => Promise<void>;
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
  /** A waiting socket whose participant the database now has in the room joins it; otherwise refused (`waiting`). */
  letIn(socket: SignalingSocket): Promise<void>;
  /** Where the socket stands now, letting it in when the database says so. */
  lobbyStatus(socket: SignalingSocket): Promise<LobbyStatus>;
}

export function createPresence({ db, io, counts, core }: HandlerDeps, options: PresenceOptions): Presence {
  // Per socket, one entry: its arrival while it is being recorded, then whether the participant was already
  // present when it connected (a reconnect or a second tab), then `announced` once the room heard of its join.
  const arrivals = new WeakMap<SignalingSocket, Promise<boolean> | boolean | 'announced'>();
  const pendingLeaves = new Set<NodeJS.Timeout>();

  // A socket whose arrival is unknown here counts as present: announcing it twice would be the worse mistake.
  // Once announced, it counts as present too, so a second join-room is not news either.
  const arrival = async (socket: SignalingSocket): Promise<boolean> => {
    const state = arrivals.get(socket);
    return state === undefined || state === 'announced' ? true : state;
  };

  async function arrive(socket: SignalingSocket): Promise<boolean> {
    const { participantId, roomId, role } = socket.data;
    const before = await findParticipant(db, roomId, participantId);
    // A waiting socket is seen (the heartbeat keeps it so) but not attached: the room has not heard of the
    // participant, and the socket of their room page, once admitted, must arrive as news.
    if (socket.data.waiting) {
      if (!before || before.leftAt !== null) socket.disconnect(true);
      else await touchParticipants(db, [participantId]);
      return false;
    }
    if (!(await attachSocket(db, participantId, socket.id))) {
      // Marked gone between the handshake and now: the seat is no longer theirs.
      socket.disconnect(true);
      return true;
    }
    if (role === 'presenter') await setPresenterSocket(db, roomId, socket.id);
    return Boolean(before && before.socketId !== null && before.leftAt === null);
  }

  /** Where the database has the socket's participant now; a socket found in the room joins its channel. */
  async function standing(socket: SignalingSocket): Promise<LobbyStatus> {
    if (!socket.data.waiting) return 'in';
    const { participantId, roomId } = socket.data;
    const [participant, room] = await Promise.all([findParticipant(db, roomId, participantId), findRoomById(db, roomId)]);
    if (!participant || !room?.isActive) throw new SignalingError('room_ended', 'This room has ended');
    const admission = admissionOf(participant, room);
    if (admission === 'denied' || participant.removedAt) throw forbidden('A host did not let you into this room');
    if (admission !== 'in') return 'waiting';
    // Let in on this connection: it holds the participant's place from now on, as any room socket does.
    if (!(await attachSocket(db, participantId, socket.id))) throw new SignalingError('unauthorized', 'Your place in this room is gone; join again');
    socket.data.waiting = false;
    socket.data.name = participant.name;
    await socket.join(roomId);
    await socket.leave(lobbyChannel(roomId));
    return 'in';
  }

  async function settle(participantId: string, roomId: string, socketId: string | null, presenter: boolean): Promise<void> {
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
    core.webhooks.participantCountChanged(roomId);
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
      // A waiting socket hears nothing of the room but its end.
      // The presenter this handshake resolved: a presenter change closes only the sockets that knew another one.
      const channels = [socket.data.waiting ? lobbyChannel(roomId) : roomId, participantChannel(participantId), presenterViewChannel(socket.data.presenterId)];
      Promise.resolve(socket.join(channels)).catch((err: unknown) =>
        options.onError(err, { participantId, step: 'join' }),
      );
      const arrival: Promise<boolean> = arrive(socket).then((present) => {
        // Settled, the answer is kept without its promise; a failed arrival stays rejected for every event.
        if (arrivals.get(socket) === arrival) arrivals.set(socket, present);
        return present;
      });
      arrival.catch((err: unknown) => options.onError(err, { participantId, step: 'arrive' }));
      arrivals.set(socket, arrival);
    },

    arrival,

    disconnected(socket) {
      const { participantId, roomId, role, waiting } = socket.data;
      const timer = setTimeout(() => {
        pendingLeaves.delete(timer);
        settle(participantId, roomId, waiting ? null : socket.id, role === 'presenter')
          // Someone who gave up waiting leaves the hosts' waiting list.
          .then(() => (waiting ? core.lobbyChanged(roomId) : undefined))
          .catch((err: unknown) => options.onError(err, { participantId, step: 'leave' }));
      }, options.graceMs);
      pendingLeaves.add(timer);
    },

    async heartbeat() {
      const held = new Set<string>();
      for (const socket of io.of('/').sockets.values()) held.add(socket.data.participantId);
      // The held are touched before anyone is swept: a held row is never swept, however it aged.
      for (const gone of await heartbeatSweep(db, [...held], options.staleAfterSeconds)) {
        await announceLeft(gone.id, gone.roomId, gone.role === 'presenter');
      }
    },

    close() {
      for (const timer of pendingLeaves) clearTimeout(timer);
      pendingLeaves.clear();
    },

    async letIn(socket) {
      if ((await standing(socket)) === 'waiting') throw new SignalingError('waiting', 'You are waiting to be let into this room');
    },

    lobbyStatus: standing,

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
        if (!wasPresent && self) {
          arrivals.set(socket, 'announced');
          socket.to(room.id).emit('participant-joined', { participant: toParticipantBody(self) });
          core.webhooks.participantCountChanged(room.id);
        }
        // The room is live once its presenter is in it (a scheduled room at "Go live", see core/lobby.ts); said once
        // per room, however often they reconnect.
        if (socket.data.role === 'presenter' && room.liveAt !== null) {
          core.webhooks
            .emit(room.id, 'room.live', { slug: room.slug, title: room.title }, { once: true })
            .catch((err: unknown) => options.onError(err, { participantId: socket.data.participantId, step: 'webhook' }));
        }
      },

      async 'media-state'(socket, { audio, video }, ack) {
        await requireLiveRoom(db, socket);
        // An open microphone is refused unless it may reach the room: on stage, allowed for the room, not locked by a host.
        if (audio && !(await core.mayUseMicrophone(actorOf(socket)))) {
          throw forbidden('Your microphone is off in this room unless a host brings you on stage or allows microphones');
        }
        const participant = await setMediaState(db, socket.data.participantId, { isMuted: !audio, isVideoOn: video });
        ack({ ok: true });
        if (participant) io.to(socket.data.roomId).emit('participant-updated', { participant: toParticipantBody(participant) });
        await options
          .mediaStateChanged?.(socket.data.roomId, socket.data.participantId)
          .catch((err: unknown) => options.onError(err, { participantId: socket.data.participantId, step: 'sfu-stage' }));
      },
    },
  };
}
