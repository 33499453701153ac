// Graceful shutdown of real processes on SIGTERM: requests in flight finish, sockets reconnect and keep their
// session, request counts are written, nothing said is lost, exit code 0; and the JSON logs hold no secrets.
import { request as httpRequest } from 'node:http';
import { io as connectClient, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './api/prometheus-text.ts';
import { listMessages } from './db/chat.ts';
import { findRoomBySlug } from './db/rooms.ts';
import { requestCounts } from './db/schema.ts';
import { createTestDatabase, type TestDatabase } from './db/testing.ts';
import {
  createHarness,
  fakeDist,
  fetchVia,
  freePort,
  HOST,
  siteFor,
  startNginx,
  writeMainConf,
  type Harness,
  type RunningNginx,
} from './deploy/nginx-harness.ts';
import type { ClientToServerEvents, ServerToClientEvents } from './signaling/protocol.ts';
import { startEntryProcess, type RunningProcess } from './testing/processes.ts';
import { requires } from './testing/requires.ts';
import { until } from './testing/until.ts';

const METRICS_TOKEN = 'cluster-metrics-token-0123456789';


type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Starts an entry under tsx and resolves once its output matches `ready`. */
async function start(entry: string, env: Record<string, string>, ready: RegExp): Promise<RunningProcess> {
  const running = startEntryProcess(entry, { env: { HOST: '127.0.0.1', RATE_LIMITS: 'off', LOG_LEVEL: 'info', ICE_SERVERS: '[]', MANAGED_TURN: 'off', ...env } });
  try {
    await running.waitFor(ready);
    return running;
  } catch (err) {
    await running.kill();
    throw err;
  }
}

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A client that reconnects by itself, as the browser app does, and joins its room again on every connect. */
function participantSocket(url: string, token: string, slug: string, options: Partial<ManagerOptions & SocketOptions> = {}): { socket: Client; joins: string[] } {
  const joins: string[] = [];
  const socket: Client = connectClient(url, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...options,
  });
  socket.on('connect', () => {
    void socket.emitWithAck('join-room', { slug }).then((ack) => {
      if (ack.ok) joins.push(ack.self.participantId);
    });
  });
  return { socket, joins };
}

/** The same, through nginx: the site's Host header, and TLS not checked (the certificate names podium.example.org). */
function participantSocketAt(url: string, token: string, slug: string) {
  return participantSocket(url, token, slug, { extraHeaders: { host: HOST }, rejectUnauthorized: false });
}

describe('graceful shutdown of the all-in-one process', () => {
  let database: TestDatabase;
  let port: number;
  const running: RunningProcess[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const r of running) await r.kill();
    await database?.destroy();
  });

  const startServer = async () => {
    const r = await start('server.ts', { DATABASE_URL: database.url!, PORT: String(port) }, /listening on http/);
    running.push(r);
    return r;
  };

  it('should finish a request in flight, reconnect sockets to the restarted process, lose nothing and log no secrets', async () => {
    const url = `http://127.0.0.1:${port}`;
    const first = await startServer();
    const secrets = { password: 'shutdown-password-4242', presenter: 'Presenter Ada Quinn', attendee: 'Attendee Linus Pauling', chat: 'secret chat words before' };

    const created = await post<{ slug: string; presenterToken: string }>(`${url}/api/rooms`, { title: 'Shutdown', presenterName: secrets.presenter, password: secrets.password });
    expect(created.status).toBe(201);
    const { slug } = created.body;
    const joined = await post<{ participantId: string; token: string }>(`${url}/api/rooms/${slug}/join`, { name: secrets.attendee, password: secrets.password });
    expect(joined.status).toBe(201);

    const attendee = participantSocket(url, joined.body.token, slug);
    const presenter = participantSocket(url, created.body.presenterToken, slug);
    sockets.push(attendee.socket, presenter.socket);
    await until(() => attendee.joins.length === 1 && presenter.joins.length === 1, 'both sockets to join');
    const sent = await attendee.socket.emitWithAck('chat-message', { roomSlug: slug, message: secrets.chat, clientMessageId: 'before-1' });
    expect(sent.ok).toBe(true);

    // A join whose body is still arriving when SIGTERM lands: it must be answered, not cut off.
    const body = JSON.stringify({ name: 'Late Joiner', password: secrets.password });
    const inFlight = new Promise<number>((done, fail) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: `/api/rooms/${slug}/join`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      req.write(body.slice(0, 10));
      void until(() => first.output().includes('SIGTERM received'), 'the shutdown to start').then(() => req.end(body.slice(10)));
    });
    await new Promise((done) => setTimeout(done, 100));
    const reasons: string[] = [];
    attendee.socket.once('disconnect', (reason) => reasons.push(reason));
    first.child.kill('SIGTERM');

    expect(await inFlight).toBe(201);
    expect(await first.exited).toBe(0);
    // "transport close" is a reason the client reconnects after; "io server disconnect" would strand it.
    expect(reasons).toEqual(['transport close']);

    const counts = await database.db.select().from(requestCounts);
    const count = (method: string, route: string, status: number) =>
      counts.filter((r) => r.method === method && r.route === route && r.status === status).reduce((n, r) => n + r.count, 0);
    expect(count('POST', '/api/rooms', 201)).toBe(1);
    expect(count('POST', '/api/rooms/:slug/join', 201)).toBe(2);
    expect(first.output()).toContain('"requestCountsPending":0,"msg":"shutdown: request counts written"');

    await startServer();
    await until(() => attendee.joins.length === 2 && presenter.joins.length === 2, 'both sockets to rejoin the restarted process');
    expect(attendee.joins).toEqual([joined.body.participantId, joined.body.participantId]);
    const after = await attendee.socket.emitWithAck('chat-message', { roomSlug: slug, message: 'after the restart', clientMessageId: 'after-1' });
    expect(after.ok).toBe(true);
    // A retry of the message sent before the restart is recognised, not stored twice.
    const retried = await attendee.socket.emitWithAck('chat-message', { roomSlug: slug, message: secrets.chat, clientMessageId: 'before-1' });
    expect(retried.ok && sent.ok && retried.message.id === sent.message.id).toBe(true);

    const room = await findRoomBySlug(database.db, slug);
    const stored = await listMessages(database.db, room!.id, { limit: 10 });
    expect(stored.messages.map((m) => m.message).sort()).toEqual(['after the restart', secrets.chat].sort());

    const logs = running.map((r) => r.output()).join('');
    for (const secret of [...Object.values(secrets), created.body.presenterToken, joined.body.token]) expect(logs).not.toContain(secret);
    const requestLines = logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    expect(requestLines.filter((l) => l.route === '/api/rooms/:slug/join' && l.status === 201)).toHaveLength(2);
    for (const line of requestLines) expect(line).toMatchObject({ requestId: expect.any(String), durationMs: expect.any(Number), process: 'all-in-one' });
  });
});

describe.runIf(await requires('nginx'))('graceful shutdown of one signaling process among two, behind nginx', () => {
  let database: TestDatabase;
  let harness: Harness;
  let nginx: RunningNginx | undefined;
  const ports = { http: 0, https: 0, api: 0, signaling: [0, 0] };
  const processes: RunningProcess[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = createHarness();
    ports.http = await freePort();
    ports.https = await freePort();
    ports.api = await freePort();
    ports.signaling = [await freePort(), await freePort()];
    const env = { DATABASE_URL: database.url!, MIGRATE_ON_START: 'false', METRICS_TOKEN, RECONNECT_GRACE_MS: '30000' };
    processes.push(await start('api/node.ts', { ...env, PORT: String(ports.api), TRUST_PROXY: 'loopback' }, /listening/i));
    for (const port of ports.signaling) processes.push(await start('signaling/main.ts', { ...env, SIGNALING_PORT: String(port) }, /listening/i));
    writeMainConf(harness, siteFor(harness, { ...ports, root: fakeDist(harness) }));
    nginx = await startNginx(harness, ports.http);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await nginx?.stop();
    for (const r of processes) await r.kill();
    harness?.close();
    await database?.destroy();
  });

  const site = () => `https://127.0.0.1:${ports.https}`;
  const api = async <T>(method: string, path: string, body: unknown, token?: string) => {
    const answer = await fetchVia(`${site()}${path}`, {
      ca: harness.cert,
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: answer.status, body: JSON.parse(answer.body) as T, requestId: answer.headers['x-request-id'] };
  };
  const connectedSockets = async (port: number) => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return sampleValue(parsePrometheusText(await res.text()), 'podium_connected_sockets');
  };

  it('should move its sockets to the other process, keep them the same participants and keep the room talking', async () => {
    const created = await api<{ slug: string; presenterToken: string; participantId: string }>('POST', '/api/rooms', { title: 'Cluster', presenterName: 'Ada' });
    expect(created.status).toBe(201);
    // The API adopted the id nginx gave the request, so both logs name it the same.
    expect(created.requestId).toMatch(/^[0-9a-f]{32}$/);
    const { slug } = created.body;
    const joined = await api<{ participantId: string; token: string }>('POST', `/api/rooms/${slug}/join`, { name: 'Grace' });
    expect(joined.status).toBe(201);

    const viaNginx = (token: string) => participantSocketAt(site(), token, slug);
    const presenter = viaNginx(created.body.presenterToken);
    const attendee = viaNginx(joined.body.token);
    sockets.push(presenter.socket, attendee.socket);
    await until(() => presenter.joins.length === 1 && attendee.joins.length === 1, 'both sockets to join through nginx');
    const heard: string[] = [];
    presenter.socket.on('new-chat-message', ({ message }) => heard.push(message.message));
    const questions: string[] = [];
    presenter.socket.on('new-question', ({ question }) => questions.push(question.question));

    const before = await attendee.socket.emitWithAck('chat-message', { roomSlug: slug, message: 'before the restart', clientMessageId: 'c-1' });
    expect(before.ok).toBe(true);
    await until(() => heard.includes('before the restart'), 'the presenter to hear the first message');

    // nginx keeps one address on one process: find which one holds both sockets.
    const counts = await Promise.all(ports.signaling.map(connectedSockets));
    const holder = counts.indexOf(2);
    expect(counts.sort()).toEqual([0, 2]);
    const other = 1 - holder;
    const stopping = processes[1 + holder]!;
    const reasons: string[] = [];
    attendee.socket.once('disconnect', (reason) => reasons.push(reason));
    stopping.child.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(reasons).toEqual(['transport close']);

    await until(() => presenter.joins.length === 2 && attendee.joins.length === 2, 'both sockets to rejoin on the other process');
    expect(presenter.joins).toEqual([created.body.participantId, created.body.participantId]);
    expect(attendee.joins).toEqual([joined.body.participantId, joined.body.participantId]);
    expect(await connectedSockets(ports.signaling[other]!)).toBe(2);

    const after = await attendee.socket.emitWithAck('chat-message', { roomSlug: slug, message: 'after the restart', clientMessageId: 'c-2' });
    expect(after.ok).toBe(true);
    await until(() => heard.includes('after the restart'), 'the presenter to hear the message sent after the move');
    const asked = await api<unknown>('POST', `/api/rooms/${slug}/questions`, { question: 'Still there?' }, joined.body.token);
    expect(asked.status).toBe(201);
    await until(() => questions.includes('Still there?'), 'a REST question to reach the moved sockets');

    const room = await findRoomBySlug(database.db, slug);
    const stored = await listMessages(database.db, room!.id, { limit: 10 });
    expect(stored.messages.map((m) => m.message).sort()).toEqual(['after the restart', 'before the restart']);
  });
});
