// The all-in-one server (server.ts) end to end over its one port: REST creates and joins, Socket.io carries the room.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, connect, nextEvent } from './testing.ts';
import { startEntry, type ChildEntry } from './testing-processes.ts';

describe('all-in-one server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'podium-all-in-one-'));
  // As root, PostgreSQL runs as an unprivileged user that must be able to enter the directory.
  chmodSync(dataDir, 0o755);
  let server: ChildEntry;

  beforeAll(async () => {
    // The embedded database, as a newcomer runs it; the UI is built first if there is no build yet.
    server = await startEntry('server.ts', { PORT: '0', DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, RATE_LIMITS: 'off' }, 180_000);
  }, 200_000);

  afterAll(async () => {
    closeClients();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post<T>(path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  it('should carry a chat between two clients and bring a REST-posted question to both', async () => {
    const created = await post<{ slug: string; presenterToken: string; participantId: string }>('/api/rooms', {
      title: 'All in one',
      presenterName: 'Presenter',
    });
    expect(created.status).toBe(201);
    const { slug, presenterToken } = created.body;
    const joined = await post<{ participantId: string; token: string }>(`/api/rooms/${slug}/join`, { name: 'Ada' });
    expect(joined.status).toBe(201);

    // Default transports: long-polling first, then the upgrade, as a browser does.
    const presenter = await connect(server.url, presenterToken, { transports: ['polling', 'websocket'] });
    const ada = await connect(server.url, joined.body.token, { transports: ['polling', 'websocket'] });
    expect(await presenter.emitWithAck('join-room', { slug })).toMatchObject({ ok: true, self: { role: 'presenter' } });
    const seenJoin = nextEvent(presenter, 'participant-joined');
    expect(await ada.emitWithAck('join-room', { slug })).toMatchObject({ ok: true, self: { participantId: joined.body.participantId } });
    expect((await seenJoin).participant.id).toBe(joined.body.participantId);

    const chat = nextEvent(presenter, 'new-chat-message');
    const sent = await ada.emitWithAck('chat-message', { roomSlug: slug, message: 'Hello from Ada', clientMessageId: 'm-1' });
    expect(sent.ok).toBe(true);
    expect((await chat).message).toMatchObject({ message: 'Hello from Ada', name: 'Ada' });

    const questions = [presenter, ada].map((s) => nextEvent(s, 'new-question'));
    const asked = await post<{ questionId: string }>(`/api/rooms/${slug}/questions`, { question: 'Posted over REST?' }, joined.body.token);
    expect(asked.status).toBe(201);
    for (const event of await Promise.all(questions)) {
      expect(event.question).toMatchObject({ id: asked.body.questionId, question: 'Posted over REST?' });
    }
  });
});

describe('all-in-one server on PostgreSQL', () => {
  let server: ChildEntry;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    server = await startEntry('server.ts', { PORT: '0', DATABASE_URL: database.url!, REDIS_URL: '', SOCKET_ADAPTER: '', RATE_LIMITS: 'off' }, 180_000);
  }, 200_000);

  afterAll(async () => {
    closeClients();
    await server?.stop();
    await database?.destroy();
  });

  it('should keep rooms in memory, alone as it is, and recover a dropped connection with what it missed', async () => {
    expect(server.output()).toContain('socket adapter: memory');
    const res = await fetch(`${server.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Alone', presenterName: 'Presenter' }),
    });
    const { slug, presenterToken } = (await res.json()) as { slug: string; presenterToken: string };
    const joined = (await (
      await fetch(`${server.url}/api/rooms/${slug}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) })
    ).json()) as { token: string };
    const presenter = await connect(server.url, presenterToken);
    const ada = await connect(server.url, joined.token, { reconnection: true, reconnectionDelay: 100 });
    expect(await presenter.emitWithAck('join-room', { slug })).toMatchObject({ ok: true });
    expect(await ada.emitWithAck('join-room', { slug })).toMatchObject({ ok: true });

    // Ada's transport drops; a message sent meanwhile reaches her when the session is recovered.
    const reconnected = new Promise<void>((done) => ada.once('connect', () => done()));
    const missed = nextEvent(ada, 'new-chat-message');
    ada.io.engine.close();
    expect(await presenter.emitWithAck('chat-message', { roomSlug: slug, message: 'while you were away' })).toMatchObject({ ok: true });
    await reconnected;
    expect(ada.recovered).toBe(true);
    expect((await missed).message.message).toBe('while you were away');
  });
});
