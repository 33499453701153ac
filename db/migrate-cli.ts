// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database under DATA_DIR).
import { createDatabase } from './client.ts';

const handle = await createDatabase({ url: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR });
try {
  await handle.migrate();
  console.log(`migrations applied (${handle.engine})`);
} finally {
  await handle.close();
}
