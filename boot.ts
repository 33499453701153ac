// Process plumbing shared by every entry: config from the environment, the database, and a clean shutdown.
import { ConfigError, loadConfig, type Config } from './core/config.ts';
import { createDatabase, type DatabaseHandle } from './db/client.ts';
import { withMigrationLock } from './db/migration-lock.ts';

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

/**
 * Opens the database and applies pending migrations (unless MIGRATE_ON_START=false). A database that cannot
 * be reached or migrated stops the process with one line saying where and why, not a stack trace.
 */
export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  const where = config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `the embedded database in ${config.DATA_DIR}`;
  let database: DatabaseHandle | undefined;
  try {
    database = await createDatabase({
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolMax: config.DATABASE_POOL_MAX,
    });
    if (config.MIGRATE_ON_START) {
      // Several processes on one PostgreSQL (the production split) take turns; PGlite belongs to one process.
      await (config.DATABASE_URL ? withMigrationLock(config.DATABASE_URL, () => database!.migrate()) : database.migrate());
    }
    return database;
  } catch (err) {
    console.error(`podium: cannot open ${where}: ${describeError(err)}`);
    await database?.close().catch(() => {});
    process.exit(1);
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
