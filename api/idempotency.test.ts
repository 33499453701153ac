import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../db/chat.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const key = (name: string) => ({ 'Idempotency-Key': `${name}-${crypto.randomUUID()}` });

describe('Idempotency-Key on POST', () => {
  it('should create one room for a create sent twice with the same key, and answer both alike', async () => {
    const headers = key('create');
    const body = { title: 'Retried', presenterName: 'Ada' };
    const first = await t.call('POST', '/api/rooms', { body, headers });
    const second = await t.call('POST', '/api/rooms', { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const [a, b] = [(await first.json()) as { slug: string; presenterToken: string }, (await second.json()) as { slug: string; presenterToken: string }];
    expect(b).toEqual(a);
    // Without the key, the same body makes a second room.
    const third = await t.call('POST', '/api/rooms', { body });
    expect(((await third.json()) as { slug: string }).slug).not.toBe(a.slug);
  });

  it('should join once for a join sent twice at the same time with the same key', async () => {
    const room = await t.createRoom();
    const headers = key('join');
    const [first, second] = await Promise.all([
      t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Grace' }, headers }),
      t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Grace' }, headers }),
    ]);
    expect([first.status, second.status]).toEqual([201, 201]);
    const ids = [((await first.json()) as { participantId: string }).participantId, ((await second.json()) as { participantId: string }).participantId];
    expect(ids[0]).toBe(ids[1]);
    const details = (await (await t.call('GET', `/api/rooms/${room.slug}`)).json()) as { room: { participantCount: number } };
    expect(details.room.participantCount).toBe(2);
  });

  it('should store one chat message and one question for repeated keyed posts', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    const chat = key('chat');
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: 'once' }, headers: chat });
      expect(res.status).toBe(201);
    }
    const page = await listMessages(t.database.db, room.roomId, { limit: 10 });
    expect(page.messages.filter((m) => m.message === 'once')).toHaveLength(1);

    const ask = key('ask');
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'Once?' }, headers: ask });
      expect(res.status).toBe(201);
      answers.push(((await res.json()) as { questionId: string }).questionId);
    }
    expect(answers[0]).toBe(answers[1]);
    const list = (await (await t.call('GET', `/api/rooms/${room.slug}/questions`, { token: attendee.token })).json()) as { questions: unknown[] };
    expect(list.questions).toHaveLength(1);
  });

  it("should keep one caller's key from replaying another caller's answer", async () => {
    const room = await t.createRoom();
    const [grace, alan] = [await t.join(room.slug, 'Grace'), await t.join(room.slug, 'Alan')];
    const headers = { 'Idempotency-Key': `shared-${crypto.randomUUID()}` };
    const a = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: grace.token, body: { question: 'Same?' }, headers });
    const b = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: alan.token, body: { question: 'Same?' }, headers });
    expect(b.headers.get('Idempotent-Replayed')).toBeNull();
    expect(((await a.json()) as { questionId: string }).questionId).not.toBe(((await b.json()) as { questionId: string }).questionId);
  });

  it('should refuse a key reused for a different body with 422, and a malformed key with 400, storing nothing', async () => {
    const headers = key('reuse');
    expect((await t.call('POST', '/api/rooms', { body: { title: 'One', presenterName: 'Ada' }, headers })).status).toBe(201);
    const reused = await t.call('POST', '/api/rooms', { body: { title: 'Two', presenterName: 'Ada' }, headers });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('idempotency_key_reused');
    const bad = await t.call('POST', '/api/rooms', { body: { title: 'Three', presenterName: 'Ada' }, headers: { 'Idempotency-Key': 'has space' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_error');
  });

  it('should remember a refusal (4xx) but run a request again after an answer that invites a retry', async () => {
    const headers = key('refusal');
    const first = await t.call('POST', '/api/rooms/NoSuchRoom99/join', { body: { name: 'Grace' }, headers });
    expect(first.status).toBe(404);
    const again = await t.call('POST', '/api/rooms/NoSuchRoom99/join', { body: { name: 'Grace' }, headers });
    expect(again.status).toBe(404);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('should document the header on the routes that honour it', async () => {
    const doc = (await (await t.call('GET', '/api/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
    for (const [path, method] of [['/api/rooms', 'post'], ['/api/rooms/{slug}/join', 'post'], ['/api/rooms/{slug}/messages', 'post'], ['/api/rooms/{slug}/questions', 'post']] as const) {
      const parameters = doc.paths[path]?.[method]?.parameters ?? [];
      expect(parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')).toBe(true);
    }
  });
});
