// GET /api/admin/analytics on the real app: off without ADMIN_TOKEN, bearer-guarded, ranges validated, figures from SQL.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../db/analytics.ts';
import { createRequestCounter, type RequestCounter } from '../db/request-counts.ts';
import { MAX_RANGE_DAYS } from './admin.ts';
import { createMetrics } from '../core/metrics.ts';
import { createTestApp, type TestApp } from './testing.ts';

const ADMIN_TOKEN = 'admin-secret-0123456789abcdef';
const today = () => new Date().toISOString().slice(0, 10);

describe('GET /api/admin/analytics', () => {
  let t: TestApp;
  let counter: RequestCounter;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TOKEN } });
    counter = createRequestCounter(t.database.db, { flushIntervalMs: 3_600_000 });
  });
  afterAll(async () => {
    await counter.close();
    await t.close();
  });

  it('should answer 404 like an unknown route when ADMIN_TOKEN is not set, whatever the token or query', async () => {
    const off = await createTestApp({ database: t.database });
    for (const path of ['/api/admin/analytics', '/api/admin/analytics?from=nonsense']) {
      const res = await off.call('GET', path, { token: ADMIN_TOKEN });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/admin/analytics' } });
    }
  });

  it('should answer 401 without the bearer token or with a wrong one, before looking at the query', async () => {
    for (const token of [undefined, 'admin-secret-0123456789abcdeF', 'x']) {
      const res = await t.call('GET', '/api/admin/analytics?from=nonsense', { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('should refuse ranges that are malformed, reversed or longer than a year', async () => {
    const cases = [
      '?from=yesterday',
      '?to=2026-13-40',
      '?from=2026-03-05&to=2026-03-01',
      '?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      `?from=2024-01-01&to=${2024 + Math.ceil(MAX_RANGE_DAYS / 365) + 1}-01-01`,
    ];
    for (const query of cases) {
      const res = await t.call('GET', `/api/admin/analytics${query}`, { token: ADMIN_TOKEN });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_error');
    }
  });

  it('should compute the figures for the rooms and requests of the range', async () => {
    const metrics = createMetrics();
    const counted = await createTestApp({ database: t.database, env: { ADMIN_TOKEN }, deps: { metrics, requestCounts: counter } });
    const withPassword = await counted.createRoom({ password: 'open sesame' });
    await counted.join(withPassword.slug, 'Grace', 'open sesame');
    expect((await counted.call('POST', `/api/rooms/${withPassword.slug}/join`, { body: { name: 'Eve', password: 'wrong guess' } })).status).toBe(401);
    const plain = await counted.createRoom();
    const attendee = await counted.join(plain.slug);
    expect((await counted.call('POST', `/api/rooms/${plain.slug}/messages`, { token: attendee.token, body: { message: 'hi' } })).status).toBe(201);
    expect((await counted.call('POST', `/api/rooms/${plain.slug}/questions`, { token: attendee.token, body: { question: 'why?' } })).status).toBe(201);
    expect((await counted.call('DELETE', `/api/rooms/${plain.slug}`, { token: plain.presenterToken, body: {} })).status).toBe(200);
    await counter.flush();

    const res = await t.call('GET', `/api/admin/analytics?from=${today()}&to=${today()}`, { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Analytics;
    const midnight = `${today()}T00:00:00.000Z`;
    expect(body.range.from).toBe(midnight);
    expect(Date.parse(body.range.to) - Date.parse(midnight)).toBe(86_400_000);
    expect(body.roomsCreatedPerDay).toEqual([{ day: today(), rooms: 2 }]);
    expect(body.sessions).toEqual({ ended: 1, averageDurationSeconds: expect.any(Number), medianDurationSeconds: expect.any(Number) });
    expect(body.sessions.averageDurationSeconds).toBe(body.sessions.medianDurationSeconds);
    // Both rooms were live with two people each before one ended.
    expect(body.peakConcurrentUsers.overall).toBe(4);
    expect(body.peakConcurrentUsers.perRoom.map((r) => [r.slug, r.peak]).sort()).toEqual(
      [
        [withPassword.slug, 2],
        [plain.slug, 2],
      ].sort(),
    );
    expect(body.featureUsage).toEqual({ rooms: 2, withChat: 1, withQuestions: 1, withScreenShare: 0, withReactions: 0, withPassword: 1, withPolls: 0 });
    const byEndpoint = Object.fromEntries(
      body.errorRateByEndpoint.map((e) => [`${e.method} ${e.route}`, e]),
    );
    expect(byEndpoint['POST /api/rooms']).toEqual({ method: 'POST', route: '/api/rooms', requests: 2, clientErrors: 0, serverErrors: 0, errorRate: 0 });
    expect(byEndpoint['POST /api/rooms/:slug/join']).toEqual({
      method: 'POST',
      route: '/api/rooms/:slug/join',
      requests: 3,
      clientErrors: 1,
      serverErrors: 0,
      errorRate: 0,
    });
    expect(byEndpoint['DELETE /api/rooms/:slug']).toMatchObject({ requests: 1, clientErrors: 0 });
  });

  it('should answer any query with 200 or a 400 validation error, never a failure of ours', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))), fc.option(fc.string()), async (from, to) => {
        const query = new URLSearchParams({ ...(from === null ? {} : { from }), ...(to === null ? {} : { to }) });
        const res = await t.call('GET', `/api/admin/analytics?${query}`, { token: ADMIN_TOKEN });
        expect([200, 400]).toContain(res.status);
        const body = (await res.json()) as { error?: { code: string } };
        if (res.status === 400) expect(body.error?.code).toBe('validation_error');
      }),
      { numRuns: 60 },
    );
  });

  it('should default to the last 30 days and accept date-times', async () => {
    const res = await t.call('GET', '/api/admin/analytics', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { range: { from: string; to: string }; roomsCreatedPerDay: unknown[] };
    expect(Date.parse(body.range.to) - Date.parse(body.range.from)).toBe(30 * 86_400_000);
    expect(body.roomsCreatedPerDay.length).toBeGreaterThanOrEqual(30);
    const exact = await t.call('GET', '/api/admin/analytics?from=2026-03-01T12:00:00%2B02:00&to=2026-03-01T13:00:00Z', { token: ADMIN_TOKEN });
    expect(exact.status).toBe(200);
    expect(((await exact.json()) as { range: unknown }).range).toEqual({ from: '2026-03-01T10:00:00.000Z', to: '2026-03-01T13:00:00.000Z' });
  });

  it('should be described in the OpenAPI document', async () => {
    const doc = (await (await t.call('GET', '/api/openapi.json')).json()) as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.paths['/api/admin/analytics']).toBeDefined();
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
