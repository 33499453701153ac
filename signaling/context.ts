// The types every signaling module shares: the typed server and socket, parsed payloads, acks and handlers.
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import type { Broadcaster } from '../core/broadcast.ts';
import type { RoomCore } from '../core/room.ts';
import type { Database } from '../db/client.ts';
import type { SocketCounts } from './socket-counts.ts';
import type {
  ClientEvent,
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
  clientEventSchemas,
} from './protocol.ts';

export type SignalingServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type SignalingSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export type Payload<E extends ClientEvent> = z.output<(typeof clientEventSchemas)[E]>;
export type AckOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1];

/** Runs after validation and rate limiting; acks once, then broadcasts. Throws SignalingError to refuse. */
export type EventHandler<E extends ClientEvent> = (socket: SignalingSocket, payload: Payload<E>, ack: AckOf<E>) => Promise<void>;

export type EventHandlers<K extends ClientEvent> = { [E in K]: EventHandler<E> };

/** What handler factories receive. */
export interface HandlerDeps {
  db: Database;
  io: SignalingServer;
  broadcaster: Broadcaster;
  /** Every room action goes through it; handlers only translate the socket to its calls. */
  core: RoomCore;
  /** Sockets counted across processes, never fetched. */
  counts: SocketCounts;
}
