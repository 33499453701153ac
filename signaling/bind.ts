// Binds a client event to its handler: rate limit, validation, one safe ack, and no error ever escaping.
import type { ZodError } from 'zod';
import { RoomError } from '../core/errors.ts';
import { databaseUnavailable } from '../db/unavailable.ts';
import { MAX_QUEUED_EVENTS_PER_SOCKET } from '../core/limits.ts';
import type { Metrics } from '../core/metrics.ts';
import type { AckOf, EventHandler, EventHandlers, SignalingSocket } from './context.ts';
import { ackError, SignalingError } from './errors.ts';
import { clientEventSchemas, waitingEvents, type AckResult, type ClientEvent } from './protocol.ts';
import type { SocketRateLimits } from './rate-limit.ts';

export interface BindDeps {
  limits: SocketRateLimits;
  /** Resolves once the socket's arrival is recorded, so every event sees the participant present. */
  arrived: (socket: SignalingSocket) => Promise<unknown>;
  /** For a waiting socket: resolves once the database says it is in the room, else refuses (`waiting`). */
  letIn: (socket: SignalingSocket) => Promise<void>;
  /** Told about failures that are ours, not the client's; the client only ever sees `internal_error`. */
  onError: (err: unknown, context: { event: ClientEvent; participantId: string }) => void;
  backlog: EventBacklog;
}

/** How far behind the process may fall before it refuses work instead of queueing it. */
export interface BacklogOptions {
  /** Events one socket may have waiting; more are refused as `busy` at once, before the rate limit or any other work. */
  maxPerSocket?: number;
  /** A room action that waited longer than this (event loop or database behind) is refused as `busy`, not done late. */
  maxWaitMs?: number;
  metrics?: Pick<Metrics, 'socketEventQueue' | 'socketEventWait' | 'busyRefusals'>;
}

/** The events waiting across this process's sockets. */
export interface EventBacklog {
  readonly maxPerSocket: number;
  readonly maxWaitMs: number;
  queued: number;
  metrics: BacklogOptions['metrics'];
}

export function createEventBacklog(options: BacklogOptions = {}): EventBacklog {
  return { maxPerSocket: options.maxPerSocket ?? MAX_QUEUED_EVENTS_PER_SOCKET, maxWaitMs: options.maxWaitMs ?? 2000, queued: 0, metrics: options.metrics };
}

/** Room actions that can be retried: refused when late rather than piled onto a server that is behind. */
const deferrable: ReadonlySet<ClientEvent> = new Set(['chat-message', 'reaction', 'ask-question', 'vote-question', 'vote-poll']);

/**
 * Per socket, the handling of its latest event and how many wait for it. Each event waits for the one
 * before, so what a socket sends is handled, and relayed, in the order it was sent: an offer's ICE
 * candidates never overtake it, even though each step (rate limit, lookups) is asynchronous. A socket
 * has an entry only while it has events in hand (most sockets sit idle most of the time). `handle` never rejects.
 */
const queues = new WeakMap<SignalingSocket, { tail: Promise<void>; waiting: number }>();

/**
 * Binds every client event of a socket with one call. One listener serves every socket (Socket.io calls an
 * `onAny` listener with the socket as `this`), so a connection costs no closure and no listener table of its
 * own; an event without a handler is ignored, as it would be with none bound.
 */
export function createEventBinding(handlers: EventHandlers<ClientEvent>, deps: BindDeps): (socket: SignalingSocket) => void {
  const { backlog } = deps;
  const handlerOf = new Map<unknown, EventHandler<ClientEvent>>(Object.entries(handlers) as [ClientEvent, EventHandler<ClientEvent>][]);
  // Payloads arrive from the network as anything at all; the zod schema decides what they are.
  function onEvent(this: SignalingSocket, name: unknown, payload: unknown, ack: unknown): void {
    const handler = handlerOf.get(name);
    if (!handler) return;
    const event = name as ClientEvent;
    const socket = this;
    let queue = queues.get(socket);
    if (!queue) {
      queue = { tail: Promise.resolve(), waiting: 0 };
      queues.set(socket, queue);
    }
    if (queue.waiting >= backlog.maxPerSocket) {
      backlog.metrics?.busyRefusals.inc({ reason: 'socket_backlog' });
      const [, reply] = replyOf(payload, ack);
      return reply(ackError('busy', 'Too many events waiting on this connection; try again shortly', 1000));
    }
    const arrived = Date.now();
    const current = queue;
    current.waiting++;
    backlog.metrics?.socketEventQueue.set(++backlog.queued);
    current.tail = current.tail
      .then(() => {
        current.waiting--;
        backlog.metrics?.socketEventQueue.set(--backlog.queued);
        const waited = Date.now() - arrived;
        backlog.metrics?.socketEventWait.observe(waited / 1000);
        if (waited > backlog.maxWaitMs && deferrable.has(event)) {
          backlog.metrics?.busyRefusals.inc({ reason: 'late' });
          const [, reply] = replyOf(payload, ack);
          return reply(ackError('busy', 'The server is behind; try again shortly', Math.min(5000, waited)));
        }
        return handle(socket, event, handler, deps, payload, ack);
      })
      .then(() => {
        // Nothing came in behind this event: the socket is idle again and needs no entry.
        if (current.waiting === 0 && queues.get(socket) === current) queues.delete(socket);
      });
  }
  return (socket) => {
    socket.onAny(onEvent);
  };
}

/** Events whose payload is optional may be sent with only an ack: `emitWithAck('end-room')`. */
function replyOf(payload: unknown, ack: unknown): [unknown, (result: AckResult<object>) => void] {
  if (typeof payload === 'function' && ack === undefined) return [undefined, once(payload)];
  return [payload, once(ack)];
}

async function handle<E extends ClientEvent>(
  socket: SignalingSocket,
  event: E,
  handler: EventHandler<E>,
  deps: BindDeps,
  payload: unknown,
  ack: unknown,
): Promise<void> {
  const [body, reply] = replyOf(payload, ack);
  try {
    const allowed = await deps.limits.consume(socket.data, event, body);
    if (allowed !== true) return reply(ackError('rate_limited', 'Too many events; slow down and try again shortly', allowed.retryAfterMs));
    const parsed = clientEventSchemas[event].safeParse(body);
    if (!parsed.success) return reply(ackError('validation_error', describe(parsed.error)));
    await deps.arrived(socket);
    // A token waiting outside the room acts for nothing in it; admission is read afresh, so it counts at once.
    if (socket.data.waiting && !waitingEvents.has(event)) await deps.letIn(socket);
    await handler(socket, parsed.data as Parameters<EventHandler<E>>[1], reply as AckOf<E>);
  } catch (err) {
    if (err instanceof SignalingError) return reply(ackError(err.code, err.message));
    if (err instanceof RoomError) return reply(ackError(err.code, err.message, err.retryAfterMs));
    deps.onError(err, { event, participantId: socket.data.participantId });
    if (databaseUnavailable(err)) return reply(ackError('unavailable', DATABASE_UNAVAILABLE, DATABASE_RETRY_MS));
    reply(ackError('internal_error', 'Something went wrong on our side'));
  }
}

const DATABASE_UNAVAILABLE = 'The room is briefly unavailable (its database is not answering); nothing was saved, try again shortly';
const DATABASE_RETRY_MS = 2_000;

/** An ack that may be missing, not a function, or called twice: only the first call reaches the client. */
function once(ack: unknown): (result: AckResult<object>) => void {
  let sent = false;
  return (result) => {
    if (sent || typeof ack !== 'function') return;
    sent = true;
    try {
      ack(result);
    } catch {
      // The ack only writes a packet to the socket; a socket already gone has nobody left to tell.
    }
  };
}

function describe(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The payload is not valid';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : `payload: ${issue.message}`;
}
