// The Node-side operations pieces: the HTTP drain, the event-loop lag sampler, and the signaling hooks.
import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './core/config.ts';
import { parsePrometheusText, sampleValue } from './api/prometheus-text.ts';
import { computeAnalytics } from './db/analytics.ts';
import { createTestDatabase, type TestDatabase } from './db/testing.ts';
import { createOperations, drain, eventLoopLagSampler, loadMallocTrim } from './node-operations.ts';

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

describe('startMallocTrim', () => {
  // In a process of its own, so that what is measured is only what it allocated: 100,000 native buffers of 200
  // bytes (about 30 MiB through malloc), one in 500 kept so that the freed space sits below live blocks, where
  // glibc does not return it by itself; the rest collected. Then the trimmer runs on its own clock.
  const script = `
    import { readFileSync } from 'node:fs';
    import { startMallocTrim } from ${JSON.stringify(pathToFileURL(new URL('./node-operations.ts', import.meta.url).pathname).href)};
    import { createLogger } from ${JSON.stringify(pathToFileURL(new URL('./core/logger.ts', import.meta.url).pathname).href)};
    const anon = () => Number(/^Anonymous:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]) / 1024;
    const seconds = Number(process.argv.at(-1));
    const trimmer = startMallocTrim(seconds, createLogger({ level: 'silent' }));
    const kept = [];
    let all = [];
    for (let i = 0; i < 100000; i++) { const b = Buffer.allocUnsafeSlow(200); all.push(b); if (i % 500 === 0) kept.push(b); }
    all = null;
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 200)); }
    const before = anon();
    await new Promise((r) => setTimeout(r, 2500));
    trimmer.stop();
    console.log(JSON.stringify({ before, after: anon(), kept: kept.length }));
  `;
  const run = async (seconds: number) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script, String(seconds)], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { before: number; after: number };
  };

  it.skipIf(process.platform !== 'linux')('should give what glibc holds free back to the system on its own clock, and nothing when set to 0', async () => {
    expect(await loadMallocTrim()).toBeTypeOf('function');
    const trimmed = await run(1);
    // About 30 MiB was freed below live blocks: most of it goes back.
    expect(trimmed.before - trimmed.after).toBeGreaterThan(15);
    const untouched = await run(0);
    expect(untouched.before - untouched.after).toBeLessThan(5);
  }, 120_000);
});
