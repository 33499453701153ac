import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, fingerprint, type TestDatabase } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

const limited = (env: Record<string, string>, clientIp?: () => string) =>
  createTestApp({ database, env: { RATE_LIMITS: 'on', RATE_LIMIT_WINDOW_SECONDS: '600', ...env }, deps: clientIp ? { clientIp } : {} });

const from = (ip: string) => ({ 'x-forwarded-for': `${ip}, 10.0.0.1` });

async function expectRateLimited(res: Response, limit: number) {
  expect(res.status).toBe(429);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(res.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
}

describe('rate limits', () => {
  it('should answer 429 rate_limited with Retry-After and RateLimit-* once a client passes the overall limit', async () => {
    const t = await limited({ RATE_LIMIT_API: '3' }, () => '192.0.2.1');
    for (let i = 0; i < 3; i++) {
      const res = await t.call('GET', '/api/rooms/whatever1');
      expect(res.status).toBe(404);
      expect(res.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    await expectRateLimited(await t.call('GET', '/api/rooms/whatever1'), 3);
  });

  it('should count each client address apart', async () => {
    let ip = '192.0.2.10';
    const t = await limited({ RATE_LIMIT_API: '2' }, () => ip);
    await t.call('GET', '/api/rooms/whatever1');
    await t.call('GET', '/api/rooms/whatever1');
    expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(429);
    ip = '192.0.2.11';
    expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(404);
  });

  it('should limit room creation on its own, and create nothing past the limit', async () => {
    const t = await limited({ RATE_LIMIT_CREATE_ROOM: '2' }, () => '192.0.2.20');
    await t.createRoom();
    const second = await t.createRoom();
    const before = await fingerprint(database);
    await expectRateLimited(await t.call('POST', '/api/rooms', { body: { title: 'T', presenterName: 'P' } }), 2);
    expect(await fingerprint(database)).toBe(before);
    // Reading is not creating: GET /api/rooms/:slug still answers.
    expect((await t.call('GET', `/api/rooms/${second.slug}`)).status).toBe(200);
  });

  it('should limit joins and message sends per their own settings', async () => {
    const t = await limited({ RATE_LIMIT_JOIN: '2', RATE_LIMIT_MESSAGES: '3' }, () => '192.0.2.30');
    const room = await t.createRoom();
    const attendee = await t.join(room.slug, 'One');
    await t.join(room.slug, 'Two');
    await expectRateLimited(await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Three' } }), 2);
    for (let i = 0; i < 3; i++) {
      expect((await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: `m${i}` } })).status).toBe(201);
    }
    await expectRateLimited(await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: 'm3' } }), 3);
    expect((await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: attendee.token })).status).toBe(200);
  });

  it('should ignore X-Forwarded-For unless TRUST_PROXY is on', async () => {
    const t = await limited({ RATE_LIMIT_API: '2' }, () => '192.0.2.40');
    await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.1') });
    await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.2') });
    expect((await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.3') })).status).toBe(429);
  });

  it('should key on the first X-Forwarded-For address when TRUST_PROXY is on', async () => {
    const t = await limited({ RATE_LIMIT_API: '2', TRUST_PROXY: 'true' }, () => '192.0.2.50');
    await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.1') });
    await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.1') });
    expect((await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.1') })).status).toBe(429);
    expect((await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.2') })).status).toBe(404);
  });

  it('should switch every limit off with RATE_LIMITS=off', async () => {
    const t = await createTestApp({ database, env: { RATE_LIMITS: 'off', RATE_LIMIT_API: '1', RATE_LIMIT_CREATE_ROOM: '1' } });
    for (let i = 0; i < 3; i++) await t.createRoom();
    const res = await t.call('GET', '/api/rooms/whatever1');
    expect(res.status).toBe(404);
    expect(res.headers.get('ratelimit-limit')).toBeNull();
  });

  it('should not count health checks', async () => {
    const t = await limited({ RATE_LIMIT_API: '1' }, () => '192.0.2.60');
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/api/health')).status).toBe(200);
    expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(404);
  });
});
