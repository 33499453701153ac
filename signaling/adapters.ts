// Picks the Socket.io adapter that lets several processes share rooms: PostgreSQL, Redis streams, or memory.
import type { Config } from '../core/config.ts';

/** The adapter factory Socket.io's `adapter` option takes. */
type AdapterFactory = NonNullable<ConstructorParameters<typeof import('socket.io').Server>[1]>['adapter'];

export interface ClusterAdapter {
  kind: 'memory' | 'postgres' | 'redis-streams';
  /** Undefined for memory: Socket.io then uses its own adapter (the session-aware one, with recovery on). */
  adapter: AdapterFactory | undefined;
  /**
   * Whether Socket.io connection state recovery works: the in-memory adapter and the Redis streams adapter
   * keep sessions and missed packets; @socket.io/postgres-adapter 0.5 does not (its publish returns no
   * offset), so behind it a dropped client reconnects as a new socket, rejoins as the same participant
   * and re-reads what it missed over REST.
   */
  recovers: boolean;
  close(): Promise<void>;
}

export type AdapterConfig = Pick<Config, 'DATABASE_URL' | 'REDIS_URL' | 'SOCKET_ADAPTER'>;

/** `alone`: the all-in-one process, which holds every socket itself. `split`: one of the API and signaling processes. */
export type Deployment = 'alone' | 'split';

/**
 * SOCKET_ADAPTER decides when set. Otherwise a process that is alone keeps rooms in memory (a cluster adapter
 * would only turn each broadcast into a round trip through PostgreSQL, and cost it connection state recovery);
 * split processes use Redis streams with REDIS_URL, else PostgreSQL with DATABASE_URL, else memory.
 */
export function adapterKind(config: AdapterConfig, deployment: Deployment): ClusterAdapter['kind'] {
  if (config.SOCKET_ADAPTER) return config.SOCKET_ADAPTER === 'redis' ? 'redis-streams' : config.SOCKET_ADAPTER;
  if (deployment === 'alone') return 'memory';
  if (config.REDIS_URL) return 'redis-streams';
  if (config.DATABASE_URL) return 'postgres';
  return 'memory';
}

export async function createClusterAdapter(
  config: AdapterConfig,
  deployment: Deployment,
  onError: (err: unknown) => void = () => {},
): Promise<ClusterAdapter> {
  const kind = adapterKind(config, deployment);
  if (kind === 'redis-streams' && config.REDIS_URL) {
    const { createClient } = await import('redis');
    const { createAdapter } = await import('@socket.io/redis-streams-adapter');
    const client = createClient({ url: config.REDIS_URL });
    client.on('error', onError);
    await client.connect();
    return {
      kind: 'redis-streams',
      adapter: createAdapter(client),
      recovers: true,
      close: async () => {
        client.destroy();
      },
    };
  }
  if (kind === 'postgres' && config.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const { createAdapter } = await import('@socket.io/postgres-adapter');
    // Its own small pool: one connection stays on LISTEN, the others publish.
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4, application_name: 'podium-signaling' });
    pool.on('error', onError);
    return {
      kind: 'postgres',
      adapter: createAdapter(pool, { errorHandler: onError }),
      recovers: false,
      close: () => pool.end(),
    };
  }
  return { kind: 'memory', adapter: undefined, recovers: true, close: async () => {} };
}
