// deploy/nginx-signaling.conf in front of real processes: one API and two signaling processes on one PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, connect, createTestRoom, nextEvent, type TestClient } from '../signaling/testing.ts';
import { startEntry, type ChildEntry } from '../signaling/testing-processes.ts';
import { createHarness, freePort, NGINX, nginxArgs, writeMainConf, type Harness } from './nginx-harness.ts';
import { requires } from '../testing/requires.ts';

const CONF = resolve(import.meta.dirname, 'nginx-signaling.conf');
const available = await requires('nginx');

/** The example with its ports pointed at the processes this test started, and the UI root at a temp dir. */
function siteFor(ports: { http: number; api: number; signaling: [number, number] }, root: string): string {
  const site = readFileSync(CONF, 'utf8')
    .replace('listen 80;', `listen 127.0.0.1:${ports.http};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${ports.api};`)
    .replace('server 127.0.0.1:3001;', `server 127.0.0.1:${ports.signaling[0]};`)
    .replace('server 127.0.0.1:3002;', `server 127.0.0.1:${ports.signaling[1]};`)
    .replace('root /srv/podium/dist;', `root ${root};`);
  if (site.includes(':300')) throw new Error('a port of the example was not replaced');
  return site;
}

describe.runIf(available)('nginx in front of two signaling processes', () => {
  const h: Harness = available ? createHarness() : ({} as Harness);
  let database: TestDatabase;
  let processes: ChildEntry[] = [];
  let nginx: ChildProcess | undefined;
  let base = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url!, MIGRATE_ON_START: 'false', REDIS_URL: '', RATE_LIMITS: 'off' };
    processes = await Promise.all([
      startEntry('api/node.ts', { ...env, PORT: '0' }),
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }),
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }),
    ]);
    const [api, first, second] = processes as [ChildEntry, ChildEntry, ChildEntry];
    const root = join(h.dir, 'dist');
    mkdirSync(root);
    chmodSync(root, 0o755);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Podium</title>');
    const http = await freePort();
    writeMainConf(h, siteFor({ http, api: api.port, signaling: [first.port, second.port] }, root));
    nginx = spawn(NGINX, [...nginxArgs(h), '-g', 'daemon off; master_process on;'], { stdio: 'ignore' });
    base = `http://127.0.0.1:${http}`;
    for (let attempt = 0; ; attempt++) {
      const status = await fetch(`${base}/api/health`).then((r) => r.status, () => 0);
      if (status === 200) break;
      if (attempt > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${readFileSync(join(h.dir, 'error.log'), 'utf8')}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }, 90_000);

  afterEach(() => closeClients());

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((done) => nginx!.once('exit', done));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all(processes.map((p) => p.stop()));
    await database?.destroy();
    h.close();
  });

  it('should keep a long-polling client on one process, so its session works through nginx', async () => {
    const { room, presenter } = await createTestRoom(database.db);
    // Polling only: every request of the session must reach the process holding it.
    const socket = await connect(base, presenter.token, { transports: ['polling'] });
    for (let i = 0; i < 5; i++) {
      const result = await socket.emitWithAck('chat-message', { roomSlug: room.slug, message: `poll ${i}` });
      expect(result.ok).toBe(true);
    }
    expect(socket.io.engine.transport.name).toBe('polling');
  });

  it('should upgrade a default client to a WebSocket through nginx', async () => {
    const { presenter } = await createTestRoom(database.db);
    const socket = await connect(base, presenter.token, { transports: ['polling', 'websocket'] });
    await new Promise<void>((done) => (socket.io.engine.transport.name === 'websocket' ? done() : socket.io.engine.once('upgrade', () => done())));
    expect(socket.io.engine.transport.name).toBe('websocket');
  });

  it('should carry chat from a client behind nginx to clients on both processes, and a REST question to all', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(database.db);
    const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
    const [, first, second] = processes as [ChildEntry, ChildEntry, ChildEntry];
    const viaNginx = await connect(base, presenter.token, { transports: ['polling', 'websocket'] });
    const direct: TestClient[] = [await connect(first.url, ada.token), await connect(second.url, bob.token)];
    // Whichever process nginx chose, one of the direct clients sits on the other one.
    for (let attempt = 0; ; attempt++) {
      const arrivals = direct.map((s) => nextEvent(s, 'new-chat-message', 500).then(() => true, () => false));
      await viaNginx.emitWithAck('chat-message', { roomSlug: room.slug, message: `hello ${attempt}` });
      if ((await Promise.all(arrivals)).every(Boolean)) break;
      if (attempt > 20) throw new Error('chat through nginx did not reach both processes');
    }
    const questions = [viaNginx, ...direct].map((s) => nextEvent(s, 'new-question'));
    const posted = await fetch(`${base}/api/rooms/${room.slug}/questions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Through nginx?' }),
    });
    expect(posted.status).toBe(201);
    for (const event of await Promise.all(questions)) expect(event.question.question).toBe('Through nginx?');
  });
});
