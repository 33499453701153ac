import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimits } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { startEntry, type ChildEntry } from '../signaling/testing-processes.ts';

// Two API processes on one database, as in the production split: a client that reaches both is counted once.
let database: TestDatabase;
const running: ChildEntry[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await database.destroy();
});

async function twoApiProcesses(env: Record<string, string>): Promise<[ChildEntry, ChildEntry]> {
  const common = { DATABASE_URL: database.url!, PORT: '0', TRUST_PROXY: 'loopback', RATE_LIMIT_CREATE_ROOM: '3', ...env };
  const first = await startEntry('api/node.ts', { ...common, MIGRATE_ON_START: 'true' });
  running.push(first);
  const second = await startEntry('api/node.ts', { ...common, MIGRATE_ON_START: 'false' });
  running.push(second);
  return [first, second];
}

/** A client of its own for each run (the Redis server is shared), named by the proxy in front: 127.0.0.1 is trusted. */
const someClient = () => `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;

async function createRooms(processes: ChildEntry[], client: string): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${processes[i % 2]!.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ title: 'Shared count', presenterName: 'Ada' }),
    });
    statuses.push(res.status);
  }
  return statuses;
}

describe('rate limits shared by several processes', () => {
  it('should count on PostgreSQL without REDIS_URL, and keep no address in the table', { timeout: 120_000 }, async () => {
    const processes = await twoApiProcesses({ REDIS_URL: '' });
    expect(processes.every((p) => p.output().includes('rate limits in: postgres'))).toBe(true);
    const client = someClient();
    expect(await createRooms(processes, client)).toEqual([201, 201, 201, 429, 429]);
    const rows = await database.db.select({ key: rateLimits.key }).from(rateLimits);
    expect(rows.length).toBeGreaterThan(0);
    const prefix = client.split('::')[0]!;
    expect(rows.every((r) => /^podium-[a-z-]+:[0-9a-f]{64}$/.test(r.key) && !r.key.includes(prefix))).toBe(true);
    // Another client behind the same proxy is not affected.
    expect((await createRooms(processes, someClient())).slice(0, 3)).toEqual([201, 201, 201]);
  });

  it('should count on Redis with REDIS_URL', { timeout: 120_000 }, async () => {
    const processes = await twoApiProcesses({ REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    expect(processes.every((p) => p.output().includes('rate limits in: redis'))).toBe(true);
    expect(await createRooms(processes, someClient())).toEqual([201, 201, 201, 429, 429]);
  });
});
