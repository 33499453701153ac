// The Socket.io server: token handshake, one binding per client event, presence, and the cluster adapter.
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Config } from '../core/config.ts';
import type { Metrics, RoomActivityMetrics } from '../core/metrics.ts';
import { fallbackLogger } from '../core/logger.ts';
import { MAX_SOCKET_MESSAGE_BYTES, MAX_TOKEN_LENGTH } from '../core/limits.ts';
import { createLimiters, type LimitStore } from '../core/rate-limiter.ts';
import { createRoomCore, type RoomCore } from '../core/room.ts';
import { createRoomEnder } from '../core/room-ender.ts';
import { hashToken } from '../core/tokens.ts';
import { createWebhooks } from '../core/webhooks.ts';
import type { Database } from '../db/client.ts';
import { admissionOf, findByTokenHash, findPresenter, presenceTimeoutSeconds } from '../db/participants.ts';
import type { ClusterAdapter } from './adapters.ts';
import { createEventBacklog, createEventBinding } from './bind.ts';
import { createSocketBroadcaster, endRoomLocally } from './broadcaster.ts';
import { createSocketCounts } from './socket-counts.ts';
import { addressPolicy } from './candidates.ts';
import { createMedia } from './media.ts';
import { createChatHandlers } from './chat.ts';
import type { EventHandlers, HandlerDeps, SignalingServer, SignalingSocket } from './context.ts';
import { createLobbyHandlers } from './lobby.ts';
import { createModerationHandlers } from './moderation.ts';
import { createPresence } from './presence.ts';
import { createPollHandlers } from './polls.ts';
import { createPresenterHandlers } from './presenter.ts';
import type { ClientEvent, WebrtcReport } from './protocol.ts';
import { createQuestionHandlers } from './questions.ts';
import { createSeatHandlers } from './seats.ts';
import { createSocketRateLimits, type SocketRateLimitConfig } from './rate-limit.ts';
import { createConnectionCaps, type ConnectionCapsConfig } from './connection-caps.ts';
import { createRelayHandlers } from './rtc-relay.ts';
import type { Sfu } from './sfu.ts';

export type SignalingConfig = SocketRateLimitConfig &
  ConnectionCapsConfig &
  Pick<
    Config,
    'RECONNECT_GRACE_MS' | 'CORS_ORIGIN' | 'MEDIA_MODE' | 'STAR_MAX_ATTENDEES' | 'ROOM_IDLE_END_MINUTES' | 'ROOM_MAX_HOURS' | 'ROOM_END_CHECK_SECONDS'
  > &
  Partial<Pick<Config, 'WEBHOOK_URLS'>>;

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
  /** Failures on our side; clients only see `internal_error`. Defaults to the fallback logger of core/logger.ts (standard error). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

/** A Socket.io session survives a drop this long, as long as the adapter can keep it (see adapters.ts). */
export const MAX_DISCONNECTION_MS = 30_000;

const HEARTBEAT_MS = 30_000;

/**
 * Engine.IO (from 6.6.12) keeps every WebSocket upgrade's HTTP request for as long as the connection lives: the
 * stand-in response it gives its middlewares holds the request, and a `close` listener on the TCP socket holds that
 * response. Nothing uses the stand-in once the upgrade is through, so it lets go of the request then: 1.5 to 2 KiB
 * per connection (the request's headers, raw headers, URL and stream state).
 */
export function releaseUpgradeRequests(io: SignalingServer): void {
  const standIns = new WeakMap<IncomingMessage, { req: unknown }>();
  io.engine.use((req: IncomingMessage, res: unknown, next: (err?: Error) => void) => {
    if (!(res instanceof ServerResponse) && res && typeof res === 'object' && 'req' in res) standIns.set(req, res as { req: unknown });
    next();
  });
  // The upgrade's response headers are its last use of the stand-in: the WebSocket is handed over in the same turn.
  io.engine.on('headers', (_headers: unknown, req: IncomingMessage) => {
    const standIn = standIns.get(req);
    if (!standIn) return;
    standIns.delete(req);
    setImmediate(() => {
      standIn.req = null;
    });
  });
}

function logError(err: unknown, context: Record<string, unknown>): void {
  fallbackLogger().error({ ...context, err }, 'signaling error');
}

/** The Socket.io server, and the one way to stop it with everything it started (heartbeat, presence, core, adapter). */
export interface Signaling {
  io: SignalingServer;
  close(): Promise<void>;
}

export function createSignaling(httpServer: HttpServer | undefined, deps: SignalingDeps): Signaling {
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

  releaseUpgradeRequests(io);
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
      // The page tells a removed participant why instead of retrying.
      if (found.participant.removedAt) return next(new Error('removed'));
      // A waiting token connects to hear its admission, and acts for nothing else (see `waiting` in bind.ts).
      const admission = admissionOf(found.participant, found.room);
      if (admission === 'denied') return next(new Error('denied'));
      if (admission === 'left') return next(new Error('unauthorized'));
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
        waiting: admission === 'waiting',
      };
      // The bearer token has done its work; it is not kept for the life of the connection.
      socket.handshake.auth = {};
      const full = caps.holdSeat(socket);
      if (full) return next(full);
      next();
    } catch (err) {
      onError(err, { step: 'handshake' });
      next(new Error('unavailable'));
    }
  });

  const clustered = cluster !== undefined && cluster.kind !== 'memory';
  const counts = createSocketCounts(io, { clustered });
  const broadcaster = createSocketBroadcaster(io, { clustered, counts });
  const core =
    deps.core ??
    createRoomCore({
      db: deps.db,
      broadcaster,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      webhooks: createWebhooks(deps.db, { urls: deps.config.WEBHOOK_URLS, onError: (err, context) => onError(err, { step: 'webhook', ...context }) }),
      onError: (err, context) => onError(err, { step: 'broadcast', ...context }),
    });
  const handlerDeps: HandlerDeps = { db: deps.db, io, broadcaster, core, counts };
  const presence = createPresence(handlerDeps, {
    graceMs: deps.config.RECONNECT_GRACE_MS,
    staleAfterSeconds: presenceTimeoutSeconds(deps.config.RECONNECT_GRACE_MS),
    onError,
    // Made below: media needs nothing of presence, presence only this hook of media.
    mediaStateChanged: (roomId, participantId) => media.stageChanged(roomId, participantId),
  });
  const heartbeat = setInterval(() => {
    presence.heartbeat().catch((err: unknown) => onError(err, { step: 'heartbeat' }));
  }, deps.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  // Every signaling process looks for rooms due to end; the database lets one of them end each.
  const ender = createRoomEnder(deps.db, core, {
    idleMinutes: deps.config.ROOM_IDLE_END_MINUTES,
    maxHours: deps.config.ROOM_MAX_HOURS,
    intervalMs: deps.config.ROOM_END_CHECK_SECONDS * 1000,
    onError: (err) => onError(err, { step: 'room-ender' }),
  });
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
    ...createPollHandlers(handlerDeps),
    ...createModerationHandlers(handlerDeps, media),
    ...createLobbyHandlers(handlerDeps, presence),
    ...createSeatHandlers(handlerDeps),
    ...media.handlers,
  };
  const bindDeps = {
    backlog: createEventBacklog(deps.metrics ? { metrics: deps.metrics } : {}),
    limits: createSocketRateLimits(deps.config, limiters),
    arrived: (socket: SignalingSocket) => presence.arrival(socket),
    letIn: (socket: SignalingSocket) => presence.letIn(socket),
    onError: (err: unknown, context: object) => onError(err, { ...context }),
  };
  const bind = createEventBinding(handlers, bindDeps);
  // One disconnect listener for every socket (Node calls it with the socket as `this`): no closure per connection.
  function disconnected(this: SignalingSocket, reason: string): void {
    caps.releaseSeat(this);
    media.disconnected(this);
    // Shutting down is not leaving: the participant reconnects to another process.
    if (reason !== 'server shutting down') presence.disconnected(this);
  }

  io.on('connection', (socket) => {
    // Socket.io keeps each connection's first HTTP request (its headers, raw headers and URL) for as long as the
    // connection lives; nothing reads it once the middleware above has. Dropping it is Socket.io's own advice for
    // memory ("Memory usage" in its documentation). Not earlier: the handshake is made from it when the socket is
    // made, after the engine's connection event. The handshake still points at the request's headers and query
    // object, so those go too: the middleware read what it needed (the token, X-Forwarded-For) and nothing reads
    // them again. About half a kilobyte per connection, more from a browser.
    (socket.conn as unknown as { request: unknown }).request = null;
    socket.handshake.headers = {};
    socket.handshake.query = {};
    bind(socket);
    presence.connected(socket);
    media.connected(socket);
    socket.on('disconnect', disconnected);
  });

  // Another process (or the API's emitter) ended a room: this process tells and closes its own sockets.
  io.on('room-ended', (roomId, sessionStats) => {
    core.roomEnded(roomId);
    endRoomLocally(io, roomId, sessionStats);
  });

  // Pending leaves, the sockets' Janus hang-ups and the adapter's connections go with the server.
  async function close(): Promise<void> {
    clearInterval(heartbeat);
    media.close();
    ender.stop();
    presence.close();
    await io.close();
    // The sockets' leaves speak to Janus: they finish before whoever made this server stops Janus.
    await media.settled();
    if (!deps.core) await core.close();
    await cluster?.close();
  }
  return { io, close };
}
