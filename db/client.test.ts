// The PostgreSQL handle: statements prepared once per connection, in and out of transactions (the seam in db/driver-seam.ts).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from './client.ts';
import { findRoomBySlug } from './rooms.ts';
import { testEngines, type TestDatabase } from './testing.ts';

// The embedded PostgreSQL is reached through its Unix socket (the `?host=/dir` form of the URL).
describe.each((await testEngines()).filter((engine) => engine.available))('postgres handle on $name', (engine) => {
  let test: TestDatabase;
  let single: DatabaseHandle;

  beforeAll(async () => {
    test = await engine.create();
    // One connection, so the session that ran the queries is the one asked about its statements.
    single = await createDatabase({ url: test.url, poolMax: 1 });
  });
  afterAll(async () => {
    await single?.close();
    await test?.destroy();
  });

  const statements = async (db: DatabaseHandle['db']) => {
    const result = (await db.execute(sql`select statement from pg_prepared_statements`)) as unknown as Array<{ statement: string }>;
    return result.map((r) => r.statement);
  };

  it('should prepare the statements Drizzle sends, once per connection', async () => {
    await findRoomBySlug(single.db, 'abcdefgh12');
    await findRoomBySlug(single.db, 'abcdefgh34');
    const found = (await statements(single.db)).filter((s) => s.includes('from "rooms"'));
    expect(found).toHaveLength(1);
  });

  it('should prepare them inside transactions too, and still roll back', async () => {
    await expect(
      single.db.transaction(async (tx) => {
        await tx.execute(sql`select ${'inside a transaction'}::text as marker`);
        const inside = await statements(tx as unknown as DatabaseHandle['db']);
        expect(inside.some((s) => s.includes('as marker'))).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(single.pool()).toEqual({ max: 1, inUse: 0, waiting: 0 });
  });
});
