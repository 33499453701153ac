// Vitest global setup: one embedded PostgreSQL for the whole run, in a temporary DATA_DIR, stopped at the end.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../managed/postgres.ts';
import { EMBEDDED_URL_VARIABLE } from './testing.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'podium-test-embedded-'));
  // As root, PostgreSQL runs as an unprivileged user that must be able to enter the directory.
  await chmod(dataDir, 0o755);
  // Test files run side by side, each with its own database and pool.
  const embedded = await startEmbeddedPostgres({ dataDir, settings: { max_connections: '300' } });
  // Test workers start after this and inherit the environment.
  process.env[EMBEDDED_URL_VARIABLE] = embedded.url;
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
