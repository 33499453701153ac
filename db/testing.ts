// Test databases: a fresh PostgreSQL database per test file (so files run in parallel), or an in-memory PGlite.
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { createDatabase, type DatabaseHandle } from './client.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;

/**
 * Whether the test PostgreSQL answers. Outside CI an unreachable server is reported once and its runs
 * are skipped; in CI (`CI=true`) it is a failure.
 */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch (err) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is required in CI: ${String(err)}`);
      console.warn(`PostgreSQL at ${TEST_DATABASE_URL} is not reachable: skipping PostgreSQL runs`);
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return reachable;
}

export interface TestDatabase extends DatabaseHandle {
  /** The postgres:// URL of this test's own database (undefined for PGlite). */
  url?: string;
  /** Closes the handle and drops the database. */
  destroy(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, empty PostgreSQL database with the migrations applied (pass `migrate: false` to skip them). */
export async function createPostgresTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `podium_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = withDatabaseName(TEST_DATABASE_URL, name);
  const handle = await createDatabase({ url, poolMax: 10 });
  if (options.migrate !== false) await handle.migrate();
  return {
    ...handle,
    url,
    async destroy() {
      await handle.close();
      const admin2 = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await admin2.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin2.end({ timeout: 1 });
      }
    },
  };
}

/** An in-memory PGlite with the migrations applied (pass `migrate: false` to skip them). */
export async function createPgliteTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const handle = await createDatabase({ dataDir: 'memory://' });
  if (options.migrate !== false) await handle.migrate();
  return { ...handle, destroy: () => handle.close() };
}

/**
 * The database for tests that are not about the engine: real PostgreSQL when it answers, otherwise
 * (outside CI only) PGlite, so the suite still runs on a laptop with nothing installed.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  return (await postgresReachable()) ? createPostgresTestDatabase() : createPgliteTestDatabase();
}

export interface Engine {
  name: 'postgres' | 'pglite';
  /** False when this engine cannot run here (PostgreSQL unreachable outside CI). */
  available: boolean;
  create(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

/** Both engines, for suites that must hold on each: `describe.each(await testEngines())`. */
export async function testEngines(): Promise<Engine[]> {
  return [
    { name: 'postgres', available: await postgresReachable(), create: createPostgresTestDatabase },
    { name: 'pglite', available: true, create: createPgliteTestDatabase },
  ];
}

const fingerprintedTables = ['rooms', 'participants', 'chat_messages', 'questions', 'question_votes', 'session_stats'] as const;

/**
 * One digest of every row of Podium's tables: equal before and after a request means the request
 * changed nothing. For tests that throw bad input at the API.
 */
export async function fingerprint(database: Pick<DatabaseHandle, 'db'>): Promise<string> {
  const digests: string[] = [];
  for (const table of fingerprintedTables) {
    const result = await database.db.execute(
      sql.raw(`select count(*)::int as n, coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as digest from ${table} t`),
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number; digest: string }[];
    digests.push(`${table}:${rows[0]?.n}:${rows[0]?.digest}`);
  }
  return digests.join(' ');
}
