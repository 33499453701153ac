// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded PostgreSQL under DATA_DIR).
import { configOrExit, openDatabase } from '../boot.ts';

const config = configOrExit();
// Migrating is the whole point here, whatever MIGRATE_ON_START says; the lock lets it run beside live processes.
const database = await openDatabase({ ...config, MIGRATE_ON_START: true });
await database.close();
console.log(`podium: migrations applied (${database.where})`);
