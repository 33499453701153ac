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

export type AdapterConfig = Pick<Config, 'DATABASE_URL' | 'REDIS_URL'>;

/**
 * REDIS_URL wins when set; otherwise DATABASE_URL selects PostgreSQL; with neither (embedded PGlite, one
 * process by definition) rooms stay in memory.
 */
export async function createClusterAdapter(
  config: AdapterConfig,
  onError: (err: unknown) => void = () => {},
): Promise<ClusterAdapter> {
  if (config.REDIS_URL) {
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
  if (config.DATABASE_URL) {
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
