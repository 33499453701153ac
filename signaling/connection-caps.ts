// Caps on connections: handshakes per client address and window, and sockets held at once per participant.
import { addressKey, clientAddressResolver } from '../core/client-address.ts';
import type { Config } from '../core/config.ts';
import { MAX_SOCKETS_PER_PARTICIPANT } from '../core/limits.ts';
import type { Limiters } from '../core/rate-limiter.ts';
import type { SignalingSocket } from './context.ts';
import type { SocketErrorCode } from './protocol.ts';

export type ConnectionCapsConfig = Pick<Config, 'RATE_LIMITS' | 'RATE_LIMIT_SOCKET_HANDSHAKES' | 'TRUST_PROXY'>;

/** What a refused connection's `connect_error` carries: the message is the code, `data` the usual error body. */
export type ConnectionRefusal = Error & { data: { code: SocketErrorCode; message: string; retryAfterMs?: number } };

export interface ConnectionCaps {
  /** Spends one handshake of the socket's client address; a refusal when the address is over its cap. */
  admitAddress(socket: SignalingSocket): Promise<ConnectionRefusal | undefined>;
  /**
   * Holds one of the participant's socket seats on this process until `releaseSeat`; a refusal when all are
   * held. Called last in the handshake, once `socket.data` is set.
   */
  holdSeat(socket: SignalingSocket): ConnectionRefusal | undefined;
  /** Gives the socket's seat back; for a socket that holds none (or gave it back already), nothing. */
  releaseSeat(socket: SignalingSocket): void;
}

const HANDSHAKE_WINDOW_SECONDS = 60;

export function createConnectionCaps(config: ConnectionCapsConfig, limiters: Limiters): ConnectionCaps {
  const handshakes =
    config.RATE_LIMITS === 'off'
      ? undefined
      : limiters.create({ name: 'socket-handshakes', points: config.RATE_LIMIT_SOCKET_HANDSHAKES, durationSeconds: HANDSHAKE_WINDOW_SECONDS });
  const clientAddress = clientAddressResolver(config.TRUST_PROXY);
  // Sockets per participant held by this process. A participant's sockets normally reach one process (sticky
  // sessions), and each process holds its own seats, so no count has to survive a crash anywhere.
  const seats = new Map<string, number>();
  // The sockets holding a seat: released from the server's one disconnect listener, so a connection costs no
  // closure or listener of its own here.
  const holders = new WeakSet<SignalingSocket>();

  function releaseSeat(socket: SignalingSocket): void {
    if (!holders.delete(socket)) return;
    const { participantId } = socket.data;
    const held = (seats.get(participantId) ?? 1) - 1;
    if (held > 0) seats.set(participantId, held);
    else seats.delete(participantId);
  }

  return {
    async admitAddress(socket) {
      if (!handshakes) return undefined;
      // From the handshake: the connection's first HTTP request is let go once the connection is open (server.ts).
      const forwarded = socket.handshake.headers['x-forwarded-for'];
      const address = clientAddress(socket.conn.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded);
      const answer = await handshakes.consume(`address:${addressKey(address ?? 'unknown')}`);
      if (answer.allowed) return undefined;
      return refusal('rate_limited', 'Too many connections from this address; try again shortly', Math.max(1, Math.ceil(answer.resetMs)));
    },

    holdSeat(socket) {
      const { participantId } = socket.data;
      const held = seats.get(participantId) ?? 0;
      if (held >= MAX_SOCKETS_PER_PARTICIPANT) {
        return refusal('rate_limited', `A participant may hold ${MAX_SOCKETS_PER_PARTICIPANT} connections at once; close another tab first`);
      }
      seats.set(participantId, held + 1);
      holders.add(socket);
      // A client gone between the handshake and the connection never connects, and never disconnects either.
      setImmediate(() => {
        if (!socket.connected) releaseSeat(socket);
      });
      return undefined;
    },

    releaseSeat,
  };
}

function refusal(code: SocketErrorCode, message: string, retryAfterMs?: number): ConnectionRefusal {
  const error = new Error(code) as ConnectionRefusal;
  error.data = { code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  return error;
}
