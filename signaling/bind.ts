// Binds a client event to its handler: rate limit, validation, one safe ack, and no error ever escaping.
import type { ZodError } from 'zod';
import { RoomError } from '../core/errors.ts';
import type { AckOf, EventHandler, SignalingSocket } from './context.ts';
import { ackError, SignalingError } from './errors.ts';
import { clientEventSchemas, type AckResult, type ClientEvent } from './protocol.ts';
import type { SocketRateLimits } from './rate-limit.ts';

export interface BindDeps {
  limits: SocketRateLimits;
  /** Resolves once the socket's arrival is recorded, so every event sees the participant present. */
  arrived: (socket: SignalingSocket) => Promise<unknown>;
  /** Told about failures that are ours, not the client's; the client only ever sees `internal_error`. */
  onError: (err: unknown, context: { event: ClientEvent; participantId: string }) => void;
}

/**
 * Per socket, the handling of its latest event. Each event waits for the one before, so what a socket
 * sends is handled, and relayed, in the order it was sent: an offer's ICE candidates never overtake it,
 * even though each step (rate limit, lookups) is asynchronous. `handle` never rejects.
 */
const queues = new WeakMap<SignalingSocket, Promise<void>>();

export function bindEvent<E extends ClientEvent>(socket: SignalingSocket, event: E, handler: EventHandler<E>, deps: BindDeps): void {
  // Payloads arrive from the network as anything at all; the zod schema decides what they are.
  const listener = (payload: unknown, ack: unknown) => {
    const previous = queues.get(socket) ?? Promise.resolve();
    queues.set(
      socket,
      previous.then(() => handle(socket, event, handler, deps, payload, ack)),
    );
  };
  socket.on(event, listener as never);
}

async function handle<E extends ClientEvent>(
  socket: SignalingSocket,
  event: E,
  handler: EventHandler<E>,
  deps: BindDeps,
  payload: unknown,
  ack: unknown,
): Promise<void> {
  // Events whose payload is optional may be sent with only an ack: `emitWithAck('end-room')`.
  if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
  const reply = once(ack);
  try {
    if (!(await deps.limits.consume(socket.data.participantId, event))) {
      return reply(ackError('rate_limited', 'Too many events; slow down and try again shortly'));
    }
    const parsed = clientEventSchemas[event].safeParse(payload);
    if (!parsed.success) return reply(ackError('validation_error', describe(parsed.error)));
    await deps.arrived(socket);
    await handler(socket, parsed.data as Parameters<EventHandler<E>>[1], reply as AckOf<E>);
  } catch (err) {
    if (err instanceof SignalingError) return reply(ackError(err.code, err.message));
    if (err instanceof RoomError) return reply(ackError(err.code, err.message, err.retryAfterMs));
    deps.onError(err, { event, participantId: socket.data.participantId });
    reply(ackError('internal_error', 'Something went wrong on our side'));
  }
}

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
