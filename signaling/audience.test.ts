import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { bcryptPasswords } from '../api/bcrypt.ts';
import { loadConfig } from '../core/config.ts';
import { createRoomCore } from '../core/room.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createSocketBroadcaster } from './broadcaster.ts';
import { createSignaling, type Signaling } from './server.ts';
import { connect, type TestClient } from './testing.ts';
import type { Broadcaster } from '../core/broadcast.ts';

// The all-in-one wiring of server.ts (one HTTP server for REST and Socket.io, one room core), with the default
// limits: what an office behind one NAT meets when a webinar starts.
let database: TestDatabase;
let http: HttpServer;
let signaling: Signaling;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', ICE_SERVERS: '[]' });
  expect(config.RATE_LIMITS).toBe('on');
  let sockets: Broadcaster | undefined;
  const broadcaster: Broadcaster = {
    toRoom: (...args) => sockets?.toRoom(...args),
    toParticipants: (...args) => sockets?.toParticipants(...args),
    endRoom: async (...args) => sockets?.endRoom(...args),
    connectedSockets: async () => (await sockets?.connectedSockets()) ?? 0,
    disconnectParticipants: (...args) => sockets?.disconnectParticipants(...args),
  };
  const core = createRoomCore({ db: database.db, broadcaster });
  const app = createApp({ config, database, broadcaster, core, passwords: bcryptPasswords(4), version: '0.0.0-test' });
  await new Promise<void>((resolve) => {
    http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve()) as HttpServer;
  });
  signaling = createSignaling(http, { db: database.db, config, core });
  sockets = createSocketBroadcaster(signaling.io, { clustered: false });
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await signaling.close();
  await database.destroy();
});

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('an audience behind one address', () => {
  it('should let 50 attendees from one address join one room within a minute with the default limits', async () => {
    const created = await call('POST', '/api/rooms', { title: 'All hands', presenterName: 'Ada', password: 'correct horse', maxParticipants: 60 });
    expect(created.status).toBe(201);
    const slug = created.body.slug as string;
    const sockets: TestClient[] = [];
    // What the join page and the room page ask for, all 50 at once: 250 requests and 50 sockets from 127.0.0.1,
    // every one inside the same rate-limit window (15 minutes), which is stricter than "within a minute".
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const statuses: number[] = [];
        const room = await call('GET', `/api/rooms/${slug}`);
        statuses.push(room.status);
        const joined = await call('POST', `/api/rooms/${slug}/join`, { name: `Attendee ${i}`, password: 'correct horse' });
        statuses.push(joined.status);
        const token = joined.body.token as string;
        for (const path of ['ice-servers', 'messages', 'questions']) statuses.push((await call('GET', `/api/rooms/${slug}/${path}`, undefined, token)).status);
        const socket = await connect(base, token);
        sockets.push(socket);
        const ack = await socket.emitWithAck('join-room', { slug });
        return { statuses, joinedRoom: ack.ok };
      }),
    );
    expect(outcomes.map((o) => o.statuses)).toEqual(Array(50).fill([200, 201, 200, 200, 200]));
    expect(outcomes.every((o) => o.joinedRoom)).toBe(true);
    // Who is present is for participants: asked with the presenter's token.
    const present = await call('GET', `/api/rooms/${slug}`, undefined, created.body.presenterToken as string);
    expect(present.body.participants as unknown[]).toHaveLength(51);
    for (const socket of sockets) socket.close();
  });
});
