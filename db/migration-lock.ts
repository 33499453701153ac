// Serialises migrations across processes: the API and every signaling process may start at once on one database.
import { postgresClient } from './client.ts';

/** Any fixed number will do; it only has to be the same in every Podium process. */
const MIGRATION_LOCK_KEY = 730_425_111;

/**
 * Runs `migrate` while holding a PostgreSQL advisory lock, on a connection of its own. Without it, processes
 * starting together each try to create the same tables and all but one fail; with it they take turns, and
 * the later ones find nothing left to apply.
 */
export async function withMigrationLock<T>(url: string, migrate: () => Promise<T>): Promise<T> {
  const sql = postgresClient(url, { max: 1, onnotice: () => {}, connection: { application_name: 'podium-migrate' } });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      return await migrate();
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
