// Secrets stay where they are: after a session on two signaling processes and an API process, no token is in
// any table or in anything the PostgreSQL adapter carried between the processes.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedRoomBody, JoinedRoomBody } from '../api/rooms.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, connect, nextEvent, waitFor } from './testing.ts';
import { startEntry, type ChildEntry } from './testing-processes.ts';

const GRACE_MS = 500;

describe('what crosses processes and what is stored', () => {
  let database: TestDatabase;
  let listener: postgres.Sql;
  let processes: ChildEntry[];
  let api: ChildEntry;
  // Everything the adapter published: NOTIFY payloads, and the attachments they point to, read as they arrive.
  const carried: string[] = [];
  const reads: Promise<unknown>[] = [];

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    listener = postgres(database.url!, { max: 1, onnotice: () => {} });
    await listener.listen('socket.io#/', (payload) => {
      carried.push(payload);
      const attachmentId = (JSON.parse(payload) as { attachmentId?: string }).attachmentId;
      if (attachmentId !== undefined) {
        reads.push(
          listener`select payload from socket_io_attachments where id = ${attachmentId}`.then(([row]) =>
            carried.push(Buffer.from(row?.payload as Uint8Array).toString('latin1')),
          ),
        );
      }
    });
    const env = { DATABASE_URL: database.url!, REDIS_URL: '', RATE_LIMITS: 'off', RECONNECT_GRACE_MS: String(GRACE_MS) };
    [api, ...processes] = await Promise.all([
      startEntry('api/node.ts', { ...env, PORT: '0' }),
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }),
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }),
    ]);
  }, 90_000);

  afterAll(async () => {
    closeClients();
    await Promise.all([api, ...processes].map((p) => p?.stop()));
    await listener.end();
    await database.destroy();
  });

  const rest = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${api.url}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('should find no token in any table or adapter payload after a session', async () => {
    const created = (await rest('POST', '/rooms', { title: 'Secrets', presenterName: 'Ada', password: 'correct horse battery' })).body as CreatedRoomBody;
    const joins: JoinedRoomBody[] = [];
    for (const name of ['Grace', 'Bob', 'Eve']) {
      joins.push((await rest('POST', `/rooms/${created.slug}/join`, { name, password: 'correct horse battery' })).body as JoinedRoomBody);
    }
    const tokens = [created.presenterToken, ...joins.map((j) => j.token)];
    // The presenter on one process, the attendees spread over both; headers a browser would send ride along.
    const extraHeaders = { 'user-agent': 'secret-agent/1.0', cookie: 'session=cookie-that-must-stay' };
    const presenter = await connect(processes[0]!.url, created.presenterToken, { extraHeaders });
    const attendees = await Promise.all(joins.map((j, i) => connect(processes[i % 2]!.url, j.token, { extraHeaders })));
    for (const socket of [presenter, ...attendees]) expect((await socket.emitWithAck('join-room', { slug: created.slug })).ok).toBe(true);

    // Until both processes listen, a broadcast may miss one: chat until the presenter hears the other process.
    for (let i = 0; i < 50; i++) {
      const heard = nextEvent(presenter, 'new-chat-message', 300).then(() => true, () => false);
      await attendees[1]!.emitWithAck('chat-message', { roomSlug: created.slug, message: `hello ${i}` });
      if (await heard) break;
    }
    const asked = await attendees[0]!.emitWithAck('ask-question', { question: 'Where do tokens go?' });
    if (!asked.ok) throw new Error(asked.error.code);
    await rest('PUT', `/rooms/${created.slug}/questions/${asked.question.id}/vote`, undefined, joins[1]!.token);
    await presenter.emitWithAck('answer-question', { questionId: asked.question.id, answer: 'Nowhere' });
    // Health counts the sockets of every process; a leave asks every process whether the participant is still there.
    const health = await rest('GET', '/health');
    expect((health.body as { sockets: { connected: number } }).sockets.connected).toBe(4);
    const left = nextEvent(presenter, 'participant-left', 10_000);
    attendees[2]!.close();
    await left;
    await waitFor(500);
    await Promise.all(reads);

    expect(carried.length).toBeGreaterThan(0);
    const secrets = [...tokens, 'cookie-that-must-stay', 'secret-agent/1.0'];
    for (const payload of carried) {
      for (const secret of secrets) expect(payload.includes(secret), `adapter payload carries ${secret}`).toBe(false);
      expect(payload).not.toContain('handshake');
    }
    const tables = await listener<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public'`;
    expect(tables.map((t) => t.name)).toContain('participants');
    for (const { name } of tables) {
      const rows = await listener.unsafe(`select t::text as row from "${name}" t`);
      for (const { row } of rows as unknown as { row: string }[]) {
        for (const secret of [...tokens, 'correct horse battery']) expect(row.includes(secret), `${name} stores ${secret}`).toBe(false);
      }
    }
  });
});
