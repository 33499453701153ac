// How a process without sockets (the API) reaches the signaling processes' rooms: a Socket.io server that holds none.
import { Server } from 'socket.io';
import { silentBroadcaster, type Broadcaster } from '../core/broadcast.ts';
import { createClusterAdapter, type AdapterConfig, type ClusterAdapter } from './adapters.ts';
import { createSocketBroadcaster } from './broadcaster.ts';
import type { SignalingServer } from './context.ts';

export interface RoomEmitter {
  broadcaster: Broadcaster;
  kind: ClusterAdapter['kind'];
  close(): Promise<void>;
}

/**
 * Publishes through the very adapter the signaling processes use, rather than @socket.io/postgres-emitter
 * or @socket.io/redis-emitter: postgres-emitter 0.1.1 leaves `nsp` out of its messages and
 * postgres-adapter 0.5 routes by it, so they are dropped; redis-emitter speaks the pub/sub protocol of
 * the classic Redis adapter, which the Redis streams adapter does not read. An unattached Socket.io server
 * with the adapter publishes exactly what the other processes expect, room endings and socket counts included.
 */
export async function createRoomEmitter(config: AdapterConfig, onError: (err: unknown) => void): Promise<RoomEmitter> {
  const cluster = await createClusterAdapter(config, 'split', onError);
  // Without a shared database there is no other process whose sockets could be reached.
  if (cluster.kind === 'memory') return { broadcaster: silentBroadcaster, kind: cluster.kind, close: cluster.close };
  const io: SignalingServer = new Server({ serveClient: false, adapter: cluster.adapter });
  return {
    broadcaster: createSocketBroadcaster(io, { clustered: true }),
    kind: cluster.kind,
    async close() {
      // Not io.close(): it closes an engine that an unattached server never started.
      await io.of('/').adapter.close();
      await cluster.close();
    },
  };
}
