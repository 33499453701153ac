// Process plumbing shared by every entry: config from the environment, the database, and a clean shutdown.
import { ConfigError, loadConfig, type Config } from './core/config.ts';
import { limitStoreKind, type LimitStore } from './core/rate-limiter.ts';
import { createDatabase, type DatabaseHandle } from './db/client.ts';
import { withMigrationLock } from './db/migration-lock.ts';
import type { ManagedProcessEvent } from './managed/process.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './managed/postgres.ts';

/** Reads the environment; on a bad value prints one line naming the variable and exits 1. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`podium: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

export interface OpenDatabase extends DatabaseHandle {
  /** Where the data lives, for the start-up line: the URL without its password, or the embedded database's directory. */
  where: string;
}

/**
 * Opens the database and applies pending migrations (unless MIGRATE_ON_START=false). With no DATABASE_URL it
 * first starts the embedded PostgreSQL under DATA_DIR, which then stops with the handle. A database that cannot
 * be started, reached or migrated stops the process with one line saying where and why, not a stack trace.
 */
export async function openDatabase(config: Config): Promise<OpenDatabase> {
  let where = config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `the embedded database in ${config.DATA_DIR}`;
  let embedded: EmbeddedPostgres | undefined;
  let database: DatabaseHandle | undefined;
  try {
    if (!config.DATABASE_URL) {
      embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, onLog: (line) => console.error(`postgres: ${line}`), onEvent: logServerEvent });
      where = `embedded PostgreSQL ${embedded.version} in ${config.DATA_DIR}`;
    }
    const url = config.DATABASE_URL ?? embedded!.url;
    database = await createDatabase({ url, poolMax: config.DATABASE_POOL_MAX });
    // Several processes on one PostgreSQL (the production split) take turns.
    if (config.MIGRATE_ON_START) await withMigrationLock(url, () => database!.migrate());
    const pool = database;
    return {
      ...pool,
      where,
      async close() {
        await pool.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    console.error(`podium: cannot open ${where}: ${describeError(err)}`);
    await database?.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    process.exit(1);
  }
}

function logServerEvent(event: ManagedProcessEvent): void {
  if (event.type === 'exited' && !event.expected) {
    console.error(`podium: the embedded database exited (code ${String(event.code)}, signal ${String(event.signal)})`);
  } else if (event.type === 'restarting') {
    console.error(`podium: restarting the embedded database in ${event.inMs} ms (restart ${event.restarts})`);
  } else if (event.type === 'failed') {
    console.error(`podium: ${event.message}`);
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code} ` : '';
    return `${code}${err.message}`.trim();
  }
  return String(err);
}

export interface OpenLimitStore {
  store: LimitStore;
  close(): Promise<void>;
}

/**
 * The store every rate limit of this process counts in (see limitStoreKind): memory, the database already
 * open, or a Redis connection of its own. A Redis that cannot be reached stops the start with one line.
 */
export async function openLimitStore(
  config: Config,
  deployment: 'alone' | 'split',
  database: Pick<DatabaseHandle, 'db'>,
  onError: (err: unknown) => void,
): Promise<OpenLimitStore> {
  const kind = limitStoreKind(config, deployment);
  if (kind === 'postgres') return { store: { kind, db: database.db }, close: async () => {} };
  if (kind === 'memory' || !config.REDIS_URL) return { store: { kind: 'memory' }, close: async () => {} };
  const { createClient } = await import('redis');
  const client = createClient({ url: config.REDIS_URL });
  client.on('error', onError);
  try {
    await client.connect();
  } catch (err) {
    console.error(`podium: cannot reach Redis for rate limits (REDIS_URL): ${describeError(err)}`);
    process.exit(1);
  }
  return {
    store: { kind, client },
    close: async () => {
      client.destroy();
    },
  };
}

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits 0; a second signal, or a stop that takes longer
 * than `timeoutMs`, exits 1 at once.
 */
export function onShutdown(stop: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`podium: ${signal} received, shutting down`);
    const timer = setTimeout(() => {
      console.error('podium: shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`podium: error during shutdown: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
