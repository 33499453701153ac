import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from './client.ts';
import { withMigrationLock } from './migration-lock.ts';
import { findRoomBySlug } from './rooms.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

describe('withMigrationLock', () => {
  let fresh: TestDatabase;
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    fresh = await createTestDatabase({ migrate: false });
    for (let i = 0; i < 4; i++) handles.push(await createDatabase({ url: fresh.url!, poolMax: 2 }));
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await fresh.destroy();
  });

  it('should let processes starting together on an empty database all migrate it, one after another', async () => {
    const order: string[] = [];
    const results = await Promise.allSettled(
      handles.map((handle, i) =>
        withMigrationLock(fresh.url!, async () => {
          order.push(`start ${i}`);
          await handle.migrate();
          order.push(`end ${i}`);
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    // Turns never overlap: every start is followed by its own end.
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]!.replace('start', 'end'));
    expect(await findRoomBySlug(handles[0]!.db, 'nonexistent')).toBeUndefined();
  });

  it('should release the lock when the migration fails, so the next process can run', async () => {
    await expect(withMigrationLock(fresh.url!, async () => Promise.reject(new Error('broken migration')))).rejects.toThrow('broken migration');
    expect(await withMigrationLock(fresh.url!, async () => 'ran')).toBe('ran');
  });
});
