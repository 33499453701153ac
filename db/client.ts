// One factory for the database: PostgreSQL through postgres.js when a URL is given, embedded PGlite otherwise.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseEngine = 'postgres' | 'pglite';

export interface PoolStats {
  max: number;
  /** Queries currently holding a connection. */
  inUse: number;
  /** Queries waiting for a free connection. */
  waiting: number;
}

export interface DatabaseHandle {
  db: Database;
  engine: DatabaseEngine;
  /** Runs `select 1`; rejects when the database does not answer. */
  ping(): Promise<void>;
  pool(): PoolStats;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  url?: string;
  /** Where PGlite keeps its files; `memory://` keeps them in memory only. */
  dataDir?: string;
  /** Size of the postgres.js pool. */
  poolMax?: number;
}

export async function createDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.url ? connectPostgres(options.url, options.poolMax ?? 20) : openPglite(options.dataDir ?? './data');
}

async function connectPostgres(url: string, max: number): Promise<DatabaseHandle> {
  // Loaded lazily so that an embedded-only install never touches the network driver, and vice versa.
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  let inFlight = 0;
  const client = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'podium' } });
  // postgres.js keeps its pool private, so the handle counts what it has in flight: every query and
  // every transaction holds one connection while it runs, and waits for one when all are taken.
  const track = <T>(work: PromiseLike<T>): Promise<T> => {
    inFlight++;
    return Promise.resolve(work).finally(() => inFlight--);
  };
  // Drizzle sends every query through unsafe() without preparing it, so PostgreSQL parses and plans each
  // statement anew, one more round trip per query. Podium's statements are a small fixed set: preparing
  // them once per connection is what the hand-written baseline of bench/db does, and Drizzle pays for it.
  type Unsafe = typeof client.unsafe;
  const prepared = (run: Unsafe): Unsafe =>
    ((query: string, params: unknown[] = [], options: object = {}) =>
      run(query, params as never, { ...options, prepare: true })) as Unsafe;
  const unsafe = prepared(client.unsafe.bind(client));
  const begin = client.begin.bind(client);
  const counted = Object.assign(client, {
    unsafe: ((...args: Parameters<Unsafe>) => {
      const query = unsafe(...args);
      // drizzle chains .values() on the pending query, so count the query object without awaiting it here.
      inFlight++;
      query.then(
        () => inFlight--,
        () => inFlight--,
      );
      return query;
    }) as Unsafe,
    begin: ((...args: unknown[]) => {
      // The transaction's own connection gets the same treatment as the pool's.
      const withPrepared = args.map((arg) =>
        typeof arg === 'function'
          ? (tx: { unsafe: Unsafe }) => (arg as (t: unknown) => unknown)(Object.assign(tx, { unsafe: prepared(tx.unsafe.bind(tx)) }))
          : arg,
      );
      return track((begin as (...a: unknown[]) => Promise<unknown>)(...withPrepared));
    }) as typeof begin,
  });
  const db = drizzle(counted, { schema }) as unknown as Database;
  return {
    db,
    engine: 'postgres',
    async ping() {
      await track(client`select 1`);
    },
    pool: () => ({ max, inUse: Math.min(inFlight, max), waiting: Math.max(0, inFlight - max) }),
    async migrate() {
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      await migrate(db as never, { migrationsFolder: migrationsFolder() });
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = dataDir === 'memory://' ? new PGlite() : new PGlite(dataDir);
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    engine: 'pglite',
    async ping() {
      await db.execute(sql`select 1`);
    },
    // PGlite is one connection inside this process: it serialises queries itself.
    pool: () => ({ max: 1, inUse: 0, waiting: 0 }),
    async migrate() {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(db as never, { migrationsFolder: migrationsFolder() });
    },
    close: () => client.close(),
  };
}

function migrationsFolder(): string {
  return decodeURIComponent(new URL('./migrations', import.meta.url).pathname);
}
