// One factory for the database: PostgreSQL through postgres.js, external (DATABASE_URL) or embedded alike.
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { projectPath } from '../paths.ts';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface PoolStats {
  max: number;
  /** Queries currently holding a connection. */
  inUse: number;
  /** Queries waiting for a free connection. */
  waiting: number;
}

export interface DatabaseHandle {
  db: Database;
  /** Runs `select 1`; rejects when the database does not answer. */
  ping(): Promise<void>;
  pool(): PoolStats;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL, also in libpq's Unix-socket form `postgres://user@localhost/db?host=/socket/dir`. */
  url: string;
  /** Size of the postgres.js pool. */
  poolMax?: number;
}

/**
 * postgres.js for a URL. libpq (and node-postgres) read a socket directory from `?host=/dir`; postgres.js
 * takes it as an option only, and would send the parameter to the server, which refuses it.
 */
export function postgresClient(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host');
  if (!socketDir?.startsWith('/')) return postgres(url, options);
  parsed.searchParams.delete('host');
  return postgres(parsed.toString(), { ...options, host: socketDir });
}

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const max = options.poolMax ?? 20;
  let inFlight = 0;
  const client = postgresClient(options.url, { max, onnotice: () => {}, connection: { application_name: 'podium' } });
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
    async ping() {
      await track(client`select 1`);
    },
    pool: () => ({ max, inUse: Math.min(inFlight, max), waiting: Math.max(0, inFlight - max) }),
    async migrate() {
      await migrate(db as never, { migrationsFolder: migrationsFolder() });
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function migrationsFolder(): string {
  return projectPath(import.meta.dirname, 'db/migrations');
}
