import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../db/client.ts';
import { createTestDatabase } from '../db/testing.ts';
import { createTestApp } from './testing.ts';

describe('GET /api/health', () => {
  it('should answer 200 ok with the database latency, pool, sockets, uptime and version', async () => {
    const t = await createTestApp();
    try {
      const res = await t.call('GET', '/api/health');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; db: { ok: boolean; latencyMs: number; pool: { max: number } }; sockets: { connected: number }; uptimeSeconds: number; version: string };
      expect(body.status).toBe('ok');
      expect(body.db.ok).toBe(true);
      expect(body.db.latencyMs).toBeGreaterThanOrEqual(0);
      expect(body.db.pool.max).toBeGreaterThanOrEqual(1);
      expect(body.sockets).toEqual({ connected: 0 });
      expect(body).toMatchObject({ janus: [] });
      expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(body.version).toBe('0.0.0-test');
    } finally {
      await t.close();
    }
  });

  it('should show each Janus server, and say degraded (still 200) when none of them answers', async () => {
    const servers = [
      { name: 'janus-1', healthy: true, rooms: 2, publishers: 2, subscribers: 31, latencyMs: 0.8 },
      { name: 'janus-2', healthy: false, rooms: 0, publishers: 0, subscribers: 0, latencyMs: null },
    ];
    const t = await createTestApp({ deps: { mediaServers: () => servers } });
    try {
      const res = await t.call('GET', '/api/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', janus: servers });
      servers[0]!.healthy = false;
      const down = await t.call('GET', '/api/health');
      expect(down.status).toBe(200);
      expect(await down.json()).toMatchObject({ status: 'degraded', db: { ok: true }, janus: servers });
    } finally {
      await t.close();
    }
  });

  it('should answer 503 degraded when the database does not answer', async () => {
    const database = await createTestDatabase();
    const t = await createTestApp({ database });
    await database.destroy();
    const res = await t.call('GET', '/api/health');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; db: { ok: boolean; latencyMs: number | null } };
    expect(body.status).toBe('degraded');
    expect(body.db).toMatchObject({ ok: false, latencyMs: null });
  });

  it('should answer 503 degraded after its one-second wait when the database accepts connections but never replies', async () => {
    // A listener that takes the TCP connection and then says nothing, as a hung database server would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    const database = await createDatabase({ url: `postgres://podium@127.0.0.1:${port}/podium`, poolMax: 1 });
    const t = await createTestApp({ database: { ...database, url: `postgres://podium@127.0.0.1:${port}/podium`, destroy: async () => {} } });
    try {
      const res = await t.call('GET', '/api/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', db: { ok: false, latencyMs: null } });
    } finally {
      const closed = new Promise<void>((done) => silent.close(() => done()));
      for (const socket of sockets) socket.destroy();
      await database.close().catch(() => {});
      await closed;
    }
  });
});
