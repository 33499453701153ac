import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

/** Serves the app on a free port of 127.0.0.1 and returns its base URL. */
async function listen(t: TestApp): Promise<{ base: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({ base: `http://127.0.0.1:${info.port}`, server });
    });
  });
}

const close = (server: ServerType) => new Promise<void>((done) => server.close(() => done()));

describe('the API over a real HTTP port', () => {
  it('should run a whole session: create, join, ask, vote, answer, chat, end', async () => {
    const t = await createTestApp({ database });
    const { base, server } = await listen(t);
    try {
      const post = (path: string, body: unknown, token?: string, method = 'POST') =>
        fetch(`${base}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      const created = await post('/api/rooms', { title: 'Over the wire', presenterName: 'Ada', password: 'wire-pass' });
      expect(created.status).toBe(201);
      const { slug, presenterToken } = (await created.json()) as { slug: string; presenterToken: string };
      const joined = await post(`/api/rooms/${slug}/join`, { name: 'Grace', password: 'wire-pass' });
      expect(joined.status).toBe(201);
      const { token } = (await joined.json()) as { token: string };
      const asked = await post(`/api/rooms/${slug}/questions`, { question: 'Does it work over HTTP?' }, token);
      const { questionId } = (await asked.json()) as { questionId: string };
      const voted = await fetch(`${base}/api/rooms/${slug}/questions/${questionId}/vote`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
      expect(await voted.json()).toEqual({ votes: 1 });
      expect((await post(`/api/rooms/${slug}/questions/${questionId}/answer`, { answer: 'Yes.' }, presenterToken)).status).toBe(200);
      expect((await post(`/api/rooms/${slug}/messages`, { message: 'thanks' }, token)).status).toBe(201);
      const ended = await fetch(`${base}/api/rooms/${slug}`, { method: 'DELETE', headers: { authorization: `Bearer ${presenterToken}` } });
      expect(ended.status).toBe(200);
      expect(((await ended.json()) as { sessionStats: { totalQuestions: number } }).sessionStats.totalQuestions).toBe(1);
    } finally {
      await close(server);
    }
  });

  it('should answer 413 to an oversized body streamed without Content-Length, and 400 to malformed JSON', async () => {
    const t = await createTestApp({ database });
    const { base, server } = await listen(t);
    try {
      const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 6; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const big = await fetch(`${base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      expect(big.status).toBe(413);
      const malformed = await fetch(`${base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":' });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    } finally {
      await close(server);
    }
  });

  it('should rate-limit by the peer address, from getConnInfo or from the Node request itself', async () => {
    for (const clientIp of [(c: Parameters<typeof getConnInfo>[0]) => getConnInfo(c).remote.address, undefined]) {
      const t = await createTestApp({ database, env: { RATE_LIMITS: 'on', RATE_LIMIT_API: '2' }, deps: clientIp ? { clientIp } : {} });
      const { base, server } = await listen(t);
      try {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/api/rooms/nothing-here`)).status);
        expect(statuses).toEqual([404, 404, 429]);
        // Without TRUST_PROXY a forged X-Forwarded-For does not buy a new allowance.
        const forged = await fetch(`${base}/api/rooms/nothing-here`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
        expect(forged.status).toBe(429);
        expect(forged.headers.get('retry-after')).toBeTruthy();
      } finally {
        await close(server);
      }
    }
  });
});
