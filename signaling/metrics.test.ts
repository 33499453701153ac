// Metrics of a signaling process after a scripted session: every counter moved by exactly what happened.
import type { Server as HttpServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../core/metrics.ts';
import { parsePrometheusText, sampleValue, type Sample } from '../api/prometheus-text.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createTestApp } from '../api/testing.ts';
import { createMetricsApp } from '../node-operations.ts';
import { closeClients, joinAs, startSignaling, type RunningSignaling } from './testing.ts';

const METRICS_TOKEN = 'signaling-metrics-token-0123';

describe('signaling metrics', () => {
  let database: TestDatabase;
  let metrics: Metrics;
  let signaling: RunningSignaling;

  beforeAll(async () => {
    database = await createTestDatabase();
    metrics = createMetrics();
    signaling = await startSignaling(database.db, {}, { metrics, onWebrtcReport: (report) => metrics.recordWebrtcReport(report) });
    // What signaling/main.ts does: GET /metrics on the same port; Socket.io takes only /socket.io/.
    serveMetrics(signaling.http, metrics);
    metrics.setSources({ connectedSockets: () => signaling.io.engine.clientsCount });
  });
  afterAll(async () => {
    closeClients();
    await signaling?.close();
    await database?.destroy();
  });

  async function scrape(token: string | undefined = METRICS_TOKEN): Promise<Sample[]> {
    const res = await fetch(`${signaling.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status).toBe(200);
    return parsePrometheusText(await res.text());
  }

  it('should guard /metrics on the signaling port with METRICS_TOKEN', async () => {
    expect((await fetch(`${signaling.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${signaling.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('should move every counter by exactly what a scripted session did: room, joins, chat, reaction, question, screen share, WebRTC reports', async () => {
    const before = await scrape();
    // The room and the joins go through the REST app sharing this registry, as in the all-in-one process.
    const rest = await createTestApp({ database, deps: { metrics } });
    const created = await rest.createRoom();
    const room = { slug: created.slug };
    const presenter = { id: created.participantId, token: created.presenterToken, name: 'Presenter' };
    const attendee = async (name: string) => {
      const joined = await rest.join(room.slug, name);
      return { id: joined.participantId, token: joined.token, name };
    };
    const ada = await attendee('Ada');
    const grace = await attendee('Grace');
    const host = await joinAs(signaling.url, presenter, room.slug);
    const first = await joinAs(signaling.url, ada, room.slug);
    const second = await joinAs(signaling.url, grace, room.slug);

    const chat = (text: string, clientMessageId?: string) =>
      first.socket.emitWithAck('chat-message', { roomSlug: room.slug, message: text, ...(clientMessageId ? { clientMessageId } : {}) });
    expect((await chat('hello')).ok).toBe(true);
    expect((await chat('once', 'retry-1')).ok).toBe(true);
    // A retry returns the stored message; nothing new was sent.
    expect((await chat('once', 'retry-1')).ok).toBe(true);
    expect((await chat('')).ok).toBe(false);
    expect((await second.socket.emitWithAck('reaction', { emoji: '👏' })).ok).toBe(true);
    expect((await second.socket.emitWithAck('reaction', { emoji: '🦄' as '👏' })).ok).toBe(false);
    expect((await second.socket.emitWithAck('ask-question', { question: 'Slides afterwards?' })).ok).toBe(true);
    // Screen share is the presenter's: an attendee's attempt counts nothing.
    expect((await first.socket.emitWithAck('screen-share-start', { roomSlug: room.slug })).ok).toBe(false);
    expect((await host.socket.emitWithAck('screen-share-start', { roomSlug: room.slug })).ok).toBe(true);
    expect((await host.socket.emitWithAck('webrtc-report', { peerId: ada.id, outcome: 'connected', timeToConnectMs: 1500 })).ok).toBe(true);
    expect((await host.socket.emitWithAck('webrtc-report', { peerId: grace.id, outcome: 'failed' })).ok).toBe(true);
    expect((await host.socket.emitWithAck('webrtc-report', { peerId: grace.id, outcome: 'sideways' as 'failed' })).ok).toBe(false);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('podium_chat_messages_total')).toBe(2);
    expect(moved('podium_reactions_total')).toBe(1);
    expect(moved('podium_questions_total')).toBe(1);
    expect(moved('podium_screen_shares_total')).toBe(1);
    expect(moved('podium_webrtc_peer_connections_total', { outcome: 'connected' })).toBe(1);
    expect(moved('podium_webrtc_peer_connections_total', { outcome: 'failed' })).toBe(1);
    expect(moved('podium_webrtc_time_to_connect_seconds_count')).toBe(1);
    expect(moved('podium_webrtc_time_to_connect_seconds_sum')).toBe(1.5);
    expect(sampleValue(after, 'podium_connected_sockets')).toBe(3);
    expect(moved('podium_http_requests_total', { method: 'POST', route: '/api/rooms', status: '201' })).toBe(1);
    expect(moved('podium_http_requests_total', { method: 'POST', route: '/api/rooms/:slug/join', status: '201' })).toBe(2);

    second.socket.close();
    await expect.poll(async () => sampleValue(await scrape(), 'podium_connected_sockets')).toBe(2);
  });
});

function serveMetrics(http: HttpServer, metrics: Metrics): void {
  const listener = getRequestListener(createMetricsApp(metrics, METRICS_TOKEN).fetch);
  http.on('request', (req, res) => {
    if (!req.url?.startsWith('/socket.io/')) void listener(req, res);
  });
}
