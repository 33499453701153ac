// The Node-side operations pieces: the HTTP drain, the event-loop lag sampler, and the signaling hooks.
import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './core/config.ts';
import { parsePrometheusText, sampleValue } from './api/prometheus-text.ts';
import { computeAnalytics } from './db/analytics.ts';
import { createTestDatabase, type TestDatabase } from './db/testing.ts';
import { createOperations, drain, eventLoopLagSampler } from './node-operations.ts';

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('drain', () => {
  it('should refuse new connections at once but answer the request in flight before resolving', async () => {
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    let arrived!: () => void;
    const inHandler = new Promise<void>((done) => (arrived = done));
    const server = createServer((_req, res) => {
      arrived();
      void released.then(() => res.end('finished'));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };

    const inFlight = get(port);
    await inHandler;
    let drained = false;
    const draining = drain(server).then(() => (drained = true));
    await expect(get(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(drained).toBe(false);
    release();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await draining;
    expect(drained).toBe(true);
  });
});

describe('eventLoopLagSampler', () => {
  it('should see a blocked event loop, and start over after each read', async () => {
    const lag = eventLoopLagSampler();
    try {
      await new Promise((done) => setTimeout(done, 50));
      const blockedUntil = Date.now() + 200;
      while (Date.now() < blockedUntil) {
        // Busy on purpose: the loop cannot turn while this runs.
      }
      await new Promise((done) => setTimeout(done, 50));
      expect(lag.read()).toBeGreaterThan(0.1);
      expect(lag.read()).toBe(0);
    } finally {
      lag.stop();
    }
  });
});

describe('createOperations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.destroy();
  });

  it('should give signaling processes metrics and hooks but no request counts', async () => {
    const ops = createOperations(loadConfig({ LOG_LEVEL: 'silent' }), database, 'signaling');
    try {
      expect(ops.requestCounts).toBeUndefined();
      ops.signaling.onWebrtcReport({ peerId: crypto.randomUUID(), outcome: 'failed', roomId: crypto.randomUUID(), participantId: crypto.randomUUID(), role: 'presenter' });
      ops.signaling.metrics.chatMessages.inc();
      const samples = parsePrometheusText(await ops.metrics.registry.metrics());
      expect(sampleValue(samples, 'podium_webrtc_peer_connections_total', { outcome: 'failed' })).toBe(1);
      expect(sampleValue(samples, 'podium_chat_messages_total')).toBe(1);
      expect(sampleValue(samples, 'podium_db_pool_max')).toBe(10);
      expect(sampleValue(samples, 'podium_active_rooms')).toBe(0);
    } finally {
      await ops.close();
    }
  });

  it('should count requests where HTTP is answered and write them on close', async () => {
    const ops = createOperations(loadConfig({ LOG_LEVEL: 'silent' }), database, 'api');
    ops.requestCounts!.add('GET', '/api/health', 200);
    await ops.close();
    const now = Date.now();
    const { errorRateByEndpoint } = await computeAnalytics(database.db, { from: new Date(now - 86_400_000), to: new Date(now + 86_400_000) });
    expect(errorRateByEndpoint).toEqual([{ method: 'GET', route: '/api/health', requests: 1, clientErrors: 0, serverErrors: 0, errorRate: 0 }]);
  });
});
