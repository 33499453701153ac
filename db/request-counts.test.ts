// Request counts: batched upserts add up, the in-memory counter flushes on demand and keeps what fails to write.
import { asc, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRequestCounts, createRequestCounter } from './request-counts.ts';
import { requestCounts } from './schema.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

describe('request counts', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.destroy();
  });

  const stored = () =>
    database.db
      .select()
      .from(requestCounts)
      .orderBy(asc(requestCounts.day), asc(requestCounts.route), asc(requestCounts.status));

  it('should add to existing rows instead of replacing them', async () => {
    await database.db.delete(requestCounts);
    await addRequestCounts(database.db, [{ day: '2026-05-01', method: 'GET', route: '/api/health', status: 200, count: 3 }]);
    await addRequestCounts(database.db, [
      { day: '2026-05-01', method: 'GET', route: '/api/health', status: 200, count: 4 },
      { day: '2026-05-01', method: 'GET', route: '/api/health', status: 503, count: 1 },
    ]);
    expect(await stored()).toEqual([
      { day: '2026-05-01', method: 'GET', route: '/api/health', status: 200, count: 7 },
      { day: '2026-05-01', method: 'GET', route: '/api/health', status: 503, count: 1 },
    ]);
  });

  it('should do nothing for an empty batch', async () => {
    await database.db.delete(requestCounts);
    await addRequestCounts(database.db, []);
    expect(await stored()).toEqual([]);
  });

  it('should buffer requests by UTC day and write them in one flush', async () => {
    await database.db.delete(requestCounts);
    let now = new Date('2026-05-01T23:59:59.999Z');
    const counter = createRequestCounter(database.db, { now: () => now, flushIntervalMs: 3_600_000 });
    counter.add('POST', '/api/rooms', 201);
    counter.add('POST', '/api/rooms', 201);
    counter.add('POST', '/api/rooms', 400);
    now = new Date('2026-05-02T00:00:00.000Z');
    counter.add('POST', '/api/rooms', 201);
    expect(counter.pending()).toBe(3);
    expect(await stored()).toEqual([]);
    await counter.close();
    expect(counter.pending()).toBe(0);
    expect(await stored()).toEqual([
      { day: '2026-05-01', method: 'POST', route: '/api/rooms', status: 201, count: 2 },
      { day: '2026-05-01', method: 'POST', route: '/api/rooms', status: 400, count: 1 },
      { day: '2026-05-02', method: 'POST', route: '/api/rooms', status: 201, count: 1 },
    ]);
  });

  it('should flush by itself on its interval', async () => {
    await database.db.delete(requestCounts);
    const counter = createRequestCounter(database.db, { now: () => new Date('2026-05-03T12:00:00Z'), flushIntervalMs: 20 });
    counter.add('GET', '/api/health', 200);
    await expect.poll(stored, { timeout: 5000 }).toEqual([{ day: '2026-05-03', method: 'GET', route: '/api/health', status: 200, count: 1 }]);
    await counter.close();
  });

  it('should keep the counts when a flush fails and write them all once the table is back', async () => {
    await database.db.delete(requestCounts);
    const errors: unknown[] = [];
    const counter = createRequestCounter(database.db, {
      now: () => new Date('2026-05-04T08:00:00Z'),
      flushIntervalMs: 3_600_000,
      onError: (err) => errors.push(err),
    });
    await database.db.execute(sql`alter table request_counts rename to request_counts_away`);
    try {
      counter.add('GET', '/api/health', 200);
      counter.add('GET', '/api/health', 200);
      await counter.flush();
      expect(errors).toHaveLength(1);
      expect(counter.pending()).toBe(1);
      counter.add('GET', '/api/health', 200);
    } finally {
      await database.db.execute(sql`alter table request_counts_away rename to request_counts`);
    }
    await counter.close();
    expect(errors).toHaveLength(1);
    expect(await stored()).toEqual([{ day: '2026-05-04', method: 'GET', route: '/api/health', status: 200, count: 3 }]);
  });
});
