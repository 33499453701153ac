import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type CreatedRoom, type JoinedRoom, type TestApp } from './testing.ts';

let t: TestApp;
let room: CreatedRoom;
let attendee: JoinedRoom;
let path: string;
beforeAll(async () => {
  t = await createTestApp();
  room = await t.createRoom();
  attendee = await t.join(room.slug);
  const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'q?' } });
  path = `/api/rooms/${room.slug}/questions/${((await asked.json()) as { questionId: string }).questionId}/vote`;
});
afterAll(() => t.close());

const vote = (headers: Record<string, string>, body?: string) =>
  t.app.request(path, { method: 'PUT', headers: { authorization: `Bearer ${attendee.token}`, ...headers }, body });

describe('optional bodies', () => {
  it('should take no body, an empty JSON body or blank JSON text as no body', async () => {
    expect((await vote({})).status).toBe(200);
    expect((await vote({ 'content-type': 'application/json' })).status).toBe(200);
    expect((await vote({ 'content-type': 'application/json' }, ''))).toHaveProperty('status', 200);
    expect((await vote({ 'content-type': 'application/json' }, ' \n '))).toHaveProperty('status', 200);
    expect(await (await vote({ 'content-type': 'application/json' }, '{}')).json()).toEqual({ votes: 1 });
  });

  it('should still refuse a non-JSON content type with 415, empty or not', async () => {
    expect((await vote({ 'content-type': 'text/plain' }, '')).status).toBe(415);
    expect((await vote({ 'content-type': 'text/plain' }, 'vote!')).status).toBe(415);
  });

  it('should still refuse malformed JSON with 400', async () => {
    const res = await vote({ 'content-type': 'application/json' }, '{');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });
});
