// The Socket.io server: token handshake, one binding per client event, presence, and the cluster adapter.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Config } from '../core/config.ts';
import type { Metrics, RoomActivityMetrics } from '../core/metrics.ts';
import { MAX_SOCKET_MESSAGE_BYTES } from '../core/limits.ts';
import { createLimiters, type LimitStore } from '../core/rate-limiter.ts';
import { createRoomCore, type RoomCore } from '../core/room.ts';
import { hashToken } from '../core/tokens.ts';
import type { Database } from '../db/client.ts';
import { findByTokenHash, findPresenter, presenceTimeoutSeconds } from '../db/participants.ts';
import type { ClusterAdapter } from './adapters.ts';
import { bindEvent, createEventBacklog } from './bind.ts';
import { createSocketBroadcaster, endRoomLocally } from './broadcaster.ts';
import { addressPolicy } from './candidates.ts';
import { createMedia } from './media.ts';
import { createChatHandlers } from './chat.ts';
import type { EventHandlers, HandlerDeps, SignalingServer, SignalingSocket } from './context.ts';
import { createPresence } from './presence.ts';
import { createPresenterHandlers } from './presenter.ts';
import { clientEventSchemas, type ClientEvent, type WebrtcReport } from './protocol.ts';
import { createQuestionHandlers } from './questions.ts';
import { createSocketRateLimits, type SocketRateLimitConfig } from './rate-limit.ts';
import { createConnectionCaps, type ConnectionCapsConfig } from './connection-caps.ts';
import { createRelayHandlers } from './rtc-relay.ts';
import type { Sfu } from './sfu.ts';

export type SignalingConfig = SocketRateLimitConfig &
  ConnectionCapsConfig &
  Pick<Config, 'RECONNECT_GRACE_MS' | 'CORS_ORIGIN' | 'MEDIA_MODE' | 'STAR_MAX_ATTENDEES'>;

export interface SignalingDeps {
  db: Database;
  config: SignalingConfig;
  /** How processes share rooms; memory (one process) when absent. Closed with the server. */
  cluster?: ClusterAdapter;
  /** The room core shared with the API in the same process; one is made when absent (then closed with the server). */
  core?: RoomCore;
  /** Counters for room actions (for a core made here) and for the socket event backlog. */
  metrics?: RoomActivityMetrics & Pick<Metrics, 'socketEventQueue' | 'socketEventWait'>;
  /** Connection outcomes reported by browsers, for metrics. */
  onWebrtcReport?: (report: WebrtcReport) => void;
  /** How often this process vouches for its sockets and sweeps participants nobody vouches for. */
  heartbeatMs?: number;
  /** Janus, through signaling/sfu.ts; without it every room is a star. */
  sfu?: Sfu;
  /** Where rate-limit counts live (core/rate-limiter.ts); this process's memory when absent. */
  limitStore?: LimitStore;
  /** Failures on our side; clients only see `internal_error`. Defaults to one JSON line on stderr. */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

/** A Socket.io session survives a drop this long, as long as the adapter can keep it (see adapters.ts). */
export const MAX_DISCONNECTION_MS = 30_000;

const HEARTBEAT_MS = 30_000;

const MAX_TOKEN_LENGTH = 200;

function logError(err: unknown, context: Record<string, unknown>): void {
  console.error(JSON.stringify({ level: 'error', msg: 'signaling error', ...context, err: String(err) }));
}

export function createSignaling(httpServer: HttpServer | undefined, deps: SignalingDeps): SignalingServer {
  const report = deps.onError ?? logError;
  // Handlers call this from their own catch blocks; a logger that throws must not turn into an unhandled rejection.
  const onError = (err: unknown, context: Record<string, unknown>) => {
    try {
      report(err, context);
    } catch {
      logError(err, context);
    }
  };
  const cluster = deps.cluster;
  const limiters = createLimiters(deps.limitStore ?? { kind: 'memory' });
  const io: SignalingServer = new Server(httpServer, {
    serveClient: false,
    // Engine.io accepts 1 MB messages by default; nothing in the protocol needs more than an offer's SDP.
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    ...(cluster?.adapter ? { adapter: cluster.adapter } : {}),
    connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS, skipMiddlewares: false },
    ...(deps.config.CORS_ORIGIN ? { cors: { origin: deps.config.CORS_ORIGIN.split(',').map((o) => o.trim()) } } : {}),
  });

  const caps = createConnectionCaps(deps.config, limiters);
  io.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return next(new Error('unauthorized'));
    try {
      // Counted before the token is looked up, so a flood of handshakes costs no database work past the cap.
      const refusal = await caps.admitAddress(socket);
      if (refusal) return next(refusal);
      const found = await findByTokenHash(deps.db, await hashToken(token));
      if (!found || !found.room.isActive) return next(new Error('unauthorized'));
      const { participant, room } = found;
      const presenterId = participant.role === 'presenter' ? participant.id : (await findPresenter(deps.db, room.id))?.id;
      if (!presenterId) return next(new Error('unauthorized'));
      socket.data = {
        participantId: participant.id,
        roomId: room.id,
        roomSlug: room.slug,
        role: participant.role,
        name: participant.name,
        presenterId,
        addressPolicy: addressPolicy(room, participant.role),
      };
      const full = caps.holdSeat(socket);
      if (full) return next(full);
      next();
    } catch (err) {
      onError(err, { step: 'handshake' });
      next(new Error('unavailable'));
    }
  });

  const clustered = cluster !== undefined && cluster.kind !== 'memory';
  const broadcaster = createSocketBroadcaster(io, { clustered });
  const core =
    deps.core ??
    createRoomCore({
      db: deps.db,
      broadcaster,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      onError: (err, context) => onError(err, { step: 'broadcast', ...context }),
    });
  const handlerDeps: HandlerDeps = { db: deps.db, io, broadcaster, core };
  const presence = createPresence(handlerDeps, {
    graceMs: deps.config.RECONNECT_GRACE_MS,
    staleAfterSeconds: presenceTimeoutSeconds(deps.config.RECONNECT_GRACE_MS),
    onError,
  });
  const heartbeat = setInterval(() => {
    presence.heartbeat().catch((err: unknown) => onError(err, { step: 'heartbeat' }));
  }, deps.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const media = createMedia(handlerDeps, {
    sfu: deps.sfu,
    mode: deps.config.MEDIA_MODE,
    starMaxAttendees: deps.config.STAR_MAX_ATTENDEES,
    onError,
  });
  const handlers: EventHandlers<ClientEvent> = {
    ...presence.handlers,
    ...createRelayHandlers(handlerDeps, deps.onWebrtcReport ? { onWebrtcReport: deps.onWebrtcReport } : {}),
    ...createChatHandlers(handlerDeps),
    ...createQuestionHandlers(handlerDeps),
    ...createPresenterHandlers(handlerDeps),
    ...media.handlers,
  };
  const bindDeps = {
    backlog: createEventBacklog(deps.metrics ? { metrics: deps.metrics } : {}),
    limits: createSocketRateLimits(deps.config, limiters),
    arrived: (socket: SignalingSocket) => presence.arrival(socket),
    onError: (err: unknown, context: object) => onError(err, { ...context }),
  };
  const events = Object.keys(clientEventSchemas) as ClientEvent[];

  io.on('connection', (socket) => {
    // `handlers[event]` is the handler of that very event, but TypeScript cannot correlate the two through a loop variable.
    for (const event of events) bindEvent(socket, event, handlers[event] as never, bindDeps);
    presence.connected(socket);
    media.connected(socket);
    socket.on('disconnect', (reason) => {
      media.disconnected(socket);
      // Shutting down is not leaving: the participant reconnects to another process.
      if (reason !== 'server shutting down') presence.disconnected(socket);
    });
  });

  // Another process (or the API's emitter) ended a room: this process tells and closes its own sockets.
  io.on('room-ended', (roomId, sessionStats) => {
    core.roomEnded(roomId);
    endRoomLocally(io, roomId, sessionStats);
  });

  const close = io.close.bind(io);
  // Socket.io has no close hook; pending leaves and the adapter's connections must go with the server.
  io.close = async (fn) => {
    clearInterval(heartbeat);
    presence.close();
    await close(fn);
    if (!deps.core) await core.close();
    await cluster?.close();
  };
  return io;
}
