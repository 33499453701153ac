// Metrics on the real app and a real database: HTTP series by route pattern, gauges from their sources, the token.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countActiveRooms } from '../db/analytics.ts';
import { createMetrics, type Metrics } from '../core/metrics.ts';
import { secretsMatch, UNMATCHED_ROUTE } from './http-metrics.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';
import { createTestApp, type TestApp } from './testing.ts';

const METRICS_TOKEN = 'scrape-me-please-0123456789';

async function scrape(t: TestApp, token: string | undefined = METRICS_TOKEN) {
  const res = await t.call('GET', '/metrics', { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('metrics on the API', () => {
  let t: TestApp;
  let metrics: Metrics;

  beforeAll(async () => {
    metrics = createMetrics();
    t = await createTestApp({ env: { METRICS_TOKEN }, deps: { metrics } });
    metrics.setSources({ pool: () => t.database.pool(), activeRooms: () => countActiveRooms(t.database.db) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse a scrape without the token, or with a wrong one, when METRICS_TOKEN is set', async () => {
    const missing = await t.call('GET', '/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await missing.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') } });
    expect((await t.call('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await t.call('GET', '/metrics', { headers: { authorization: METRICS_TOKEN } })).status).toBe(401);
  });

  it('should count requests by method, route pattern and status, never by raw path', async () => {
    const before = await scrape(t);
    const room = await t.createRoom();
    await t.createRoom();
    expect((await t.call('GET', `/api/rooms/${room.slug}`)).status).toBe(200);
    expect((await t.call('GET', '/api/rooms/no-such-room-here')).status).toBe(404);
    expect((await t.call('POST', '/api/rooms', { body: { title: '' } })).status).toBe(400);
    expect((await t.call('GET', '/api/../../etc/passwd-probe')).status).toBe(404);
    expect((await t.call('GET', '/wp-login.php')).status).toBe(404);
    const after = await scrape(t);

    const moved = (labels: Record<string, string>) =>
      sampleValue(after, 'podium_http_requests_total', labels) - sampleValue(before, 'podium_http_requests_total', labels);
    expect(moved({ method: 'POST', route: '/api/rooms', status: '201' })).toBe(2);
    expect(moved({ method: 'POST', route: '/api/rooms', status: '400' })).toBe(1);
    expect(moved({ method: 'GET', route: '/api/rooms/:slug', status: '200' })).toBe(1);
    expect(moved({ method: 'GET', route: '/api/rooms/:slug', status: '404' })).toBe(1);
    expect(moved({ method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(2);
    // The histogram counts the same requests.
    const timed = { method: 'POST', route: '/api/rooms', status: '201' };
    expect(sampleValue(after, 'podium_http_request_duration_seconds_count', timed) - sampleValue(before, 'podium_http_request_duration_seconds_count', timed)).toBe(2);
    expect(sampleValue(after, 'podium_http_request_duration_seconds_bucket', { ...timed, le: '+Inf' })).toBe(
      sampleValue(after, 'podium_http_request_duration_seconds_count', timed),
    );
    expect(after.some((s) => s.labels.route?.includes(room.slug))).toBe(false);
  });

  it('should label a request by the route that answered even when a catch-all is registered after it', async () => {
    const shell = createMetrics();
    const withShell = await createTestApp({ database: t.database, deps: { metrics: shell } });
    // What the all-in-one server adds after createApp: the UI shell for every other GET.
    withShell.app.get('*', (c) => c.html('<!doctype html>'));
    expect((await withShell.call('GET', '/api/health')).status).toBe(200);
    expect((await withShell.call('GET', '/r/abcdefgh12')).status).toBe(200);
    const samples = parsePrometheusText(await shell.registry.metrics());
    expect(sampleValue(samples, 'podium_http_requests_total', { method: 'GET', route: '/api/health', status: '200' })).toBe(1);
    expect(sampleValue(samples, 'podium_http_requests_total', { method: 'GET', route: '/*', status: '200' })).toBe(1);
  });

  it('should count a method nobody routes as OTHER, not as whatever the client sent', async () => {
    const res = await t.app.request('/api/rooms', { method: 'PROPFIND' });
    expect(res.status).toBe(404);
    const after = await scrape(t);
    expect(after.some((s) => s.labels.method === 'PROPFIND')).toBe(false);
    expect(sampleValue(after, 'podium_http_requests_total', { method: 'OTHER', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
  });

  it('should read the pool and the active rooms from the database when scraped', async () => {
    const samples = await scrape(t);
    expect(sampleValue(samples, 'podium_active_rooms')).toBe(await countActiveRooms(t.database.db));
    expect(sampleValue(samples, 'podium_active_rooms')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'podium_db_pool_max')).toBe(t.database.pool().max);
    expect(sampleValue(samples, 'podium_db_pool_in_use')).toBe(0);
    expect(sampleValue(samples, 'podium_db_pool_waiting')).toBe(0);
  });

  it('should count chat messages and questions written over REST', async () => {
    const before = await scrape(t);
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    const send = (body: object) => t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body });
    expect((await send({ message: 'hello', clientMessageId: 'rest-1' })).status).toBe(201);
    // The repeat returns the stored message and sends nothing.
    expect((await send({ message: 'hello', clientMessageId: 'rest-1' })).status).toBe(201);
    expect((await send({ message: '' })).status).toBe(400);
    expect((await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'Recording?' } })).status).toBe(201);
    const after = await scrape(t);
    const moved = (name: string) => sampleValue(after, name) - sampleValue(before, name);
    expect(moved('podium_chat_messages_total')).toBe(1);
    expect(moved('podium_questions_total')).toBe(1);
    expect(moved('podium_reactions_total')).toBe(0);
  });

  it('should leave /metrics open when METRICS_TOKEN is not set', async () => {
    const open = await createTestApp({ database: t.database, deps: { metrics: createMetrics() } });
    const res = await open.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('# TYPE podium_http_requests_total counter');
  });

  it('should serve /metrics only when the app has metrics', async () => {
    const plain = await createTestApp({ database: t.database });
    expect((await plain.call('GET', '/metrics')).status).toBe(404);
  });
});

describe('secretsMatch', () => {
  it('should match only the same secret, whatever the lengths', async () => {
    expect(await secretsMatch(METRICS_TOKEN, METRICS_TOKEN)).toBe(true);
    expect(await secretsMatch(`${METRICS_TOKEN} `, METRICS_TOKEN)).toBe(false);
    expect(await secretsMatch('', METRICS_TOKEN)).toBe(false);
    expect(await secretsMatch(METRICS_TOKEN.toUpperCase(), METRICS_TOKEN)).toBe(false);
  });
});

describe('createMetrics', () => {
  it('should keep each registry to itself, so many can live in one process', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.chatMessages.inc();
    a.chatMessages.inc();
    b.chatMessages.inc();
    expect(sampleValue(parsePrometheusText(await a.registry.metrics()), 'podium_chat_messages_total')).toBe(2);
    expect(sampleValue(parsePrometheusText(await b.registry.metrics()), 'podium_chat_messages_total')).toBe(1);
  });

  it('should count WebRTC outcomes and time connected peers only', async () => {
    const metrics = createMetrics();
    const zero = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(zero, 'podium_webrtc_peer_connections_total', { outcome: 'connected' })).toBe(0);
    expect(sampleValue(zero, 'podium_webrtc_peer_connections_total', { outcome: 'failed' })).toBe(0);
    metrics.recordWebrtcReport({ outcome: 'connected', timeToConnectMs: 800 });
    metrics.recordWebrtcReport({ outcome: 'connected', timeToConnectMs: 4200 });
    metrics.recordWebrtcReport({ outcome: 'connected' });
    metrics.recordWebrtcReport({ outcome: 'failed', timeToConnectMs: 30_000 });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(samples, 'podium_webrtc_peer_connections_total', { outcome: 'connected' })).toBe(3);
    expect(sampleValue(samples, 'podium_webrtc_peer_connections_total', { outcome: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'podium_webrtc_time_to_connect_seconds_count')).toBe(2);
    expect(sampleValue(samples, 'podium_webrtc_time_to_connect_seconds_sum')).toBe(5);
    expect(sampleValue(samples, 'podium_webrtc_time_to_connect_seconds_bucket', { le: '1' })).toBe(1);
    expect(sampleValue(samples, 'podium_webrtc_time_to_connect_seconds_bucket', { le: '5' })).toBe(2);
  });

  it('should read gauges from sources set after creation, and keep the last value when a source fails', async () => {
    const metrics = createMetrics({ connectedSockets: () => 3 });
    let lag = 0.012;
    let activeRooms: () => Promise<number> = async () => 7;
    metrics.setSources({ eventLoopLag: () => lag, activeRooms: () => activeRooms() });
    const first = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(first, 'podium_connected_sockets')).toBe(3);
    expect(sampleValue(first, 'podium_event_loop_lag_seconds')).toBe(0.012);
    expect(sampleValue(first, 'podium_active_rooms')).toBe(7);

    lag = 0.5;
    activeRooms = async () => {
      throw new Error('the database is down');
    };
    const second = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(second, 'podium_event_loop_lag_seconds')).toBe(0.5);
    expect(sampleValue(second, 'podium_active_rooms')).toBe(7);
  });

  it('should not wait for a source that never answers', async () => {
    const metrics = createMetrics({ activeRooms: () => new Promise<number>(() => {}), connectedSockets: () => 2 });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(samples, 'podium_connected_sockets')).toBe(2);
    expect(sampleValue(samples, 'podium_active_rooms')).toBe(0);
  });
});

describe('the metrics documentation', () => {
  it('should list every metric the registry exposes, and nothing else', () => {
    const doc = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(podium_[a-z_]+)` \|/gm)].map((m) => m[1]);
    const exposed = createMetrics().registry.getMetricsAsArray().map((m) => m.name);
    expect([...documented].sort()).toEqual([...exposed].sort());
  });
});
