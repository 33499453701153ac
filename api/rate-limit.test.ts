import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, fingerprint, type TestDatabase } from '../db/testing.ts';
import { MIN_PASSWORD_LENGTH, PASSWORD_FREE_GUESSES, passwordDelaySeconds } from '../core/limits.ts';
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

  it('should ignore X-Forwarded-For unless TRUST_PROXY names the peer', async () => {
    for (const trust of [{}, { TRUST_PROXY: '10.0.0.0/8,loopback' }] as Record<string, string>[]) {
      const t = await limited({ RATE_LIMIT_API: '2', ...trust }, () => '192.0.2.40');
      await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.1') });
      await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.2') });
      expect((await t.call('GET', '/api/rooms/whatever1', { headers: from('198.51.100.3') })).status).toBe(429);
    }
  });

  it('should key on the client a trusted proxy names, reading X-Forwarded-For from the right', async () => {
    const t = await limited({ RATE_LIMIT_API: '2', TRUST_PROXY: '192.0.2.50,10.0.0.0/8' }, () => '192.0.2.50');
    // nginx appends the address it saw; what the client wrote itself comes before and is not believed.
    const via = (client: string, forged = '203.0.113.77') => ({ 'x-forwarded-for': `${forged}, ${client}, 10.0.0.1` });
    await t.call('GET', '/api/rooms/whatever1', { headers: via('198.51.100.1') });
    await t.call('GET', '/api/rooms/whatever1', { headers: via('198.51.100.1', '203.0.113.78') });
    expect((await t.call('GET', '/api/rooms/whatever1', { headers: via('198.51.100.1', '203.0.113.79') })).status).toBe(429);
    expect((await t.call('GET', '/api/rooms/whatever1', { headers: via('198.51.100.2') })).status).toBe(404);
  });

  it('should count an IPv6 /64 as one client, however its addresses rotate', async () => {
    let ip = '2001:db8:1:2::1';
    const t = await limited({ RATE_LIMIT_API: '3' }, () => ip);
    for (const address of ['2001:db8:1:2:a:b:c:d', '2001:db8:1:2:ffff:1:2:3', '2001:0db8:0001:0002::1']) {
      ip = address;
      expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(404);
    }
    ip = '2001:db8:1:2:dead:beef:0:1';
    expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(429);
    // The next /64 is someone else.
    ip = '2001:db8:1:3::1';
    expect((await t.call('GET', '/api/rooms/whatever1')).status).toBe(404);
  });

  it('should count requests with a valid token per participant, so one address can hold many participants', async () => {
    const t = await limited({ RATE_LIMIT_API: '4', RATE_LIMIT_API_PARTICIPANT: '2' }, () => '192.0.2.70');
    const room = await t.createRoom();
    const [ada, bob] = [await t.join(room.slug, 'Ada'), await t.join(room.slug, 'Bob')];
    // Three anonymous requests so far (create, two joins): the address has one left.
    for (const who of [ada, bob]) {
      for (let i = 0; i < 2; i++) expect((await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: who.token })).status).toBe(200);
      await expectRateLimited(await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: who.token }), 2);
    }
    // A token that is not ours is anonymous: it spends the address's allowance.
    expect((await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: 'x'.repeat(43) })).status).toBe(401);
    await expectRateLimited(await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: 'y'.repeat(43) }), 4);
  });

  it('should count wrong room passwords per room across addresses, and make each guess past the free ones wait longer', async () => {
    let n = 0;
    const t = await limited({}, () => `198.51.100.${(n++ % 200) + 1}`);
    const room = await t.createRoom({ password: 'correct horse' });
    const other = await t.createRoom({ password: 'correct horse' });
    const guess = (slug: string, password: string) => t.call('POST', `/api/rooms/${slug}/join`, { body: { name: 'Eve', password } });
    for (let i = 0; i < PASSWORD_FREE_GUESSES; i++) expect((await guess(room.slug, `guess ${i}`)).status).toBe(401);
    const before = await fingerprint(database);
    // The first guess past the free ones is answered, and from then on the room's password waits, right or wrong.
    expect((await guess(room.slug, 'one more')).status).toBe(401);
    const refused = await guess(room.slug, 'correct horse');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBe(passwordDelaySeconds(PASSWORD_FREE_GUESSES + 1));
    expect(await fingerprint(database)).toBe(before);
    // Other rooms are not affected.
    expect((await guess(other.slug, 'correct horse')).status).toBe(201);
    // Once the wait is over, the next wrong guess makes the next wait twice as long.
    await vi.waitFor(async () => expect((await guess(room.slug, 'still wrong')).status).toBe(401), { timeout: 5000, interval: 250 });
    const longer = await guess(room.slug, 'correct horse');
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBe(passwordDelaySeconds(PASSWORD_FREE_GUESSES + 2));
    expect(passwordDelaySeconds(PASSWORD_FREE_GUESSES + 2)).toBe(2 * passwordDelaySeconds(PASSWORD_FREE_GUESSES + 1));
  });

  it('should refuse room passwords shorter than eight characters', async () => {
    const t = await limited({});
    const short = await t.call('POST', '/api/rooms', { body: { title: 'T', presenterName: 'P', password: '7 chars' } });
    expect(short.status).toBe(400);
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect((await t.call('POST', '/api/rooms', { body: { title: 'T', presenterName: 'P', password: '8 chars!' } })).status).toBe(201);
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
