// One factory for the database: PostgreSQL through postgres.js, external (DATABASE_URL) or embedded alike.
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { projectPath } from '../paths.ts';
import { preparedAndCounted } from './driver-seam.ts';
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
  const client = postgresClient(options.url, { max, onnotice: () => {}, connection: { application_name: 'podium' } });
  const seam = preparedAndCounted(client);
  const db = drizzle(seam.client, { schema }) as unknown as Database;
  return {
    db,
    async ping() {
      await seam.track(client`select 1`);
    },
    pool: () => ({ max, inUse: Math.min(seam.inFlight(), max), waiting: Math.max(0, seam.inFlight() - max) }),
    async migrate() {
      await migrate(db as never, { migrationsFolder: migrationsFolder() });
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function migrationsFolder(): string {
  return projectPath(import.meta.dirname, 'db/migrations');
}

/** The rows of a raw `execute`: postgres.js answers with the rows themselves; other drivers wrap them in `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * `column = any($1::uuid[])` (or `text[]`): one statement text however many values, so one prepared statement per
 * pool connection. Drizzle's `inArray` writes a parameter per value, a new statement for every count, each kept by
 * postgres.js and by the PostgreSQL backend that prepared it.
 */
export function anyOf(column: AnyPgColumn, values: readonly string[], type: 'uuid' | 'text' = 'uuid'): SQL {
  return sql`${column} = any(${`{${values.join(',')}}`}::${sql.raw(type)}[])`;
}
