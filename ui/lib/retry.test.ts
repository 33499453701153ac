import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, fetchWithRetry, isIdempotent, parseRetryAfter, type RetryEvent } from './retry.ts';

/** A real HTTP server whose routes fail on purpose; each route counts the requests it saw. */
const seen = new Map<string, number>();
let server: Server;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse) {
  const path = req.url ?? '/';
  const count = (seen.get(path) ?? 0) + 1;
  seen.set(path, count);
  const reply = (status: number, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify({ count }));
  };
  if (path.startsWith('/flaky')) return count <= 2 ? reply(503) : reply(200);
  if (path.startsWith('/gateway')) return count === 1 ? reply(502) : count === 2 ? reply(504) : reply(200);
  if (path.startsWith('/limited')) return count === 1 ? reply(429, { 'Retry-After': '2' }) : reply(200);
  if (path.startsWith('/long-wait')) return reply(429, { 'Retry-After': '120' });
  if (path.startsWith('/bad')) return reply(400);
  if (path.startsWith('/always-503')) return reply(503);
  // The socket is dropped before any answer: what a browser sees as a network error.
  if (path.startsWith('/drop')) return count === 1 ? req.socket.destroy() : reply(200);
  reply(404);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** Retries waited for without a clock: each delay is recorded and the wait is skipped. */
function recorder() {
  const events: RetryEvent[] = [];
  const delays: number[] = [];
  let settled = 0;
  return {
    events,
    delays,
    settled: () => settled,
    options: {
      random: () => 0.5,
      sleep: async (ms: number) => void delays.push(ms),
      onRetry: (event: RetryEvent) => void events.push(event),
      onSettled: () => void (settled += 1),
    },
  };
}

describe('fetchWithRetry against a server that fails on purpose', () => {
  it('should answer 200 after two 503s, with growing jittered delays', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/flaky/a`, { method: 'GET' }, r.options);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ count: 3 });
    expect(r.events.map((e) => e.status)).toEqual([503, 503]);
    // Half of the ceiling each time (random() is 0.5): 300 ms, then 600 ms.
    expect(r.delays).toEqual([150, 300]);
    expect(r.settled()).toBe(1);
  });

  it('should retry 502 and 504 the same way', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/gateway/a`, {}, r.options);
    expect(response.status).toBe(200);
    expect(r.events.map((e) => e.status)).toEqual([502, 504]);
  });

  it('should wait as long as a 429 Retry-After says, then succeed', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/limited/a`, { method: 'PUT' }, r.options);
    expect(response.status).toBe(200);
    expect(r.delays).toEqual([2000]);
  });

  it('should hand back a 429 whose Retry-After is longer than the policy waits', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/long-wait/a`, {}, r.options);
    expect(response.status).toBe(429);
    expect(seen.get('/long-wait/a')).toBe(1);
    expect(r.delays).toEqual([]);
  });

  it('should not retry a 400', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/bad/a`, { method: 'DELETE' }, r.options);
    expect(response.status).toBe(400);
    expect(seen.get('/bad/a')).toBe(1);
    expect(r.events).toEqual([]);
    expect(r.settled()).toBe(0);
  });

  it('should retry a network error and succeed on the next attempt', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/drop/a`, {}, r.options);
    expect(response.status).toBe(200);
    expect(r.events).toEqual([{ retry: 1, delayMs: 150, status: 0 }]);
  });

  it('should throw the network error when no attempt reaches the server', async () => {
    const closed = createServer();
    await new Promise<void>((ready) => closed.listen(0, '127.0.0.1', ready));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const r = recorder();
    await expect(fetchWithRetry(`http://127.0.0.1:${port}/`, {}, r.options)).rejects.toThrow(TypeError);
    expect(r.events).toHaveLength(DEFAULT_RETRY_POLICY.attempts - 1);
  });

  it('should give up after the last attempt and return the last 503', async () => {
    const r = recorder();
    const response = await fetchWithRetry(`${base}/always-503/a`, {}, { ...r.options, policy: { ...DEFAULT_RETRY_POLICY, attempts: 3 } });
    expect(response.status).toBe(503);
    expect(seen.get('/always-503/a')).toBe(3);
  });

  it('should send a POST without an Idempotency-Key once, and one with a key again', async () => {
    const once = recorder();
    const plain = await fetchWithRetry(`${base}/flaky/post`, { method: 'POST', body: '{}' }, once.options);
    expect(plain.status).toBe(503);
    expect(seen.get('/flaky/post')).toBe(1);
    const keyed = recorder();
    const response = await fetchWithRetry(`${base}/flaky/post-keyed`, { method: 'POST', body: '{}', headers: { 'Idempotency-Key': 'k1' } }, keyed.options);
    expect(response.status).toBe(200);
    expect(seen.get('/flaky/post-keyed')).toBe(3);
  });
});

describe('the retry policy', () => {
  it('should count GET, PUT and DELETE as idempotent, and POST only with a key', () => {
    expect(isIdempotent('get')).toBe(true);
    expect(isIdempotent('PUT')).toBe(true);
    expect(isIdempotent('DELETE')).toBe(true);
    expect(isIdempotent('POST')).toBe(false);
    expect(isIdempotent('POST', { 'idempotency-key': 'x' })).toBe(true);
    expect(isIdempotent('PATCH', { 'Idempotency-Key': '' })).toBe(false);
  });

  it('should read Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it('should double the ceiling each retry up to the maximum, jittered below it', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});
