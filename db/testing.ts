// Test databases: a fresh database per test file (so files run in parallel), on the external test PostgreSQL
// or on the embedded one that vitest's global setup starts for the run (db/testing-setup.ts).
import { sql } from 'drizzle-orm';
import { createDatabase, postgresClient, type DatabaseHandle } from './client.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set by db/testing-setup.ts: the superuser URL of the embedded PostgreSQL that serves this test run. */
export const EMBEDDED_URL_VARIABLE = 'PODIUM_TEST_EMBEDDED_URL';

/** `TEST_DATABASE=embedded` runs every test database on the embedded PostgreSQL; the default is the external one. */
const onEmbedded = process.env.TEST_DATABASE === 'embedded';

let reachable: Promise<boolean> | undefined;

/**
 * Whether the external test PostgreSQL answers. Outside CI an unreachable server is reported once and the
 * embedded one takes its place; in CI (`CI=true`) it is a failure.
 */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = postgresClient(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await client`select 1`;
      return true;
    } catch (err) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is required in CI: ${String(err)}`);
      console.warn(`PostgreSQL at ${TEST_DATABASE_URL} is not reachable: using the embedded PostgreSQL instead`);
      return false;
    } finally {
      await client.end({ timeout: 1 });
    }
  })();
  return reachable;
}

export interface TestDatabase extends DatabaseHandle {
  /** The postgres:// URL of this test's own database. */
  url: string;
  /** Closes the handle and drops the database. */
  destroy(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, empty database on the server that `adminUrl` reaches, with the migrations applied unless `migrate: false`. */
async function createDatabaseOn(adminUrl: string, options: { migrate?: boolean }): Promise<TestDatabase> {
  const name = `podium_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = withDatabaseName(adminUrl, name);
  const handle = await createDatabase({ url, poolMax: 10 });
  if (options.migrate !== false) await handle.migrate();
  return {
    ...handle,
    url,
    async destroy() {
      await handle.close();
      const again = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await again.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await again.end({ timeout: 1 });
      }
    },
  };
}

/** A database on the external test PostgreSQL (TEST_DATABASE_URL). */
export function createPostgresTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  return createDatabaseOn(TEST_DATABASE_URL, options);
}

/** A database on the embedded PostgreSQL of this test run: the very server and settings `npm start` runs. */
export function createEmbeddedTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env[EMBEDDED_URL_VARIABLE];
  if (!adminUrl) throw new Error(`${EMBEDDED_URL_VARIABLE} is not set: the embedded test database needs vitest's global setup (db/testing-setup.ts)`);
  return createDatabaseOn(adminUrl, options);
}

/**
 * The database for tests that are not about the engine: the external PostgreSQL, or the embedded one with
 * TEST_DATABASE=embedded (and, outside CI, when the external one does not answer).
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  return !onEmbedded && (await postgresReachable()) ? createPostgresTestDatabase(options) : createEmbeddedTestDatabase(options);
}

export interface Engine {
  name: 'external' | 'embedded';
  /** False when this one cannot run here (the external PostgreSQL unreachable outside CI). */
  available: boolean;
  create(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

/** The external and the embedded PostgreSQL, for suites that must hold on each: `describe.each(await testEngines())`. */
export async function testEngines(): Promise<Engine[]> {
  return [
    { name: 'external', available: await postgresReachable(), create: createPostgresTestDatabase },
    { name: 'embedded', available: true, create: createEmbeddedTestDatabase },
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
    const rows = (await database.db.execute(
      sql.raw(`select count(*)::int as n, coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as digest from ${table} t`),
    )) as unknown as { n: number; digest: string }[];
    digests.push(`${table}:${rows[0]?.n}:${rows[0]?.digest}`);
  }
  return digests.join(' ');
}
