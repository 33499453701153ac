import { sql } from 'drizzle-orm';
// A database that does not answer is told from one that refused a query: only the first is worth a retry.
import { describe, expect, it } from 'vitest';
import { freePort } from '../managed/process.ts';
import { createDatabase } from './client.ts';
import { createTestDatabase } from './testing.ts';
import { databaseUnavailable } from './unavailable.ts';

describe('databaseUnavailable', () => {
  it('should tell a PostgreSQL that does not answer from a query that failed', async () => {
    const nobody = await createDatabase({ url: `postgres://podium@127.0.0.1:${await freePort()}/podium`, poolMax: 1 });
    const refused = await nobody.ping().then(() => null, (err: unknown) => err);
    await nobody.close();
    expect(databaseUnavailable(refused)).toBe(true);

    const t = await createTestDatabase();
    try {
      const failed = await t.db.execute(sql`select * from no_such_table`).then(() => null, (err: unknown) => err);
      expect(failed).not.toBeNull();
      expect(databaseUnavailable(failed)).toBe(false);
      expect(databaseUnavailable(new Error('anything'))).toBe(false);
      expect(databaseUnavailable('not an error')).toBe(false);
    } finally {
      await t.destroy();
    }
  });
});
