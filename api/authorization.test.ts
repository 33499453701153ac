import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Scene {
  slug: string;
  questionId: string;
  presenter: string;
  attendee: string;
  otherRoomAttendee: string;
}

type Caller = 'outsider' | 'forged token' | 'attendee of another room' | 'attendee' | 'presenter' | 'attendee of the ended room' | 'presenter of the ended room';

/** A live room with one question and one attendee, another live room, and what each caller sends. */
async function scene(ended: boolean): Promise<Scene> {
  const room = await t.createRoom();
  const attendee = await t.join(room.slug, 'Grace');
  const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'Ready?' } });
  const { questionId } = (await asked.json()) as { questionId: string };
  const other = await t.createRoom({ title: 'Elsewhere' });
  const otherAttendee = await t.join(other.slug, 'Eve');
  if (ended) await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken });
  return { slug: room.slug, questionId, presenter: room.presenterToken, attendee: attendee.token, otherRoomAttendee: otherAttendee.token };
}

function tokenOf(caller: Caller, s: Scene): string | undefined {
  switch (caller) {
    case 'outsider':
      return undefined;
    case 'forged token':
      return 'x'.repeat(43);
    case 'attendee of another room':
      return s.otherRoomAttendee;
    case 'attendee':
    case 'attendee of the ended room':
      return s.attendee;
    case 'presenter':
    case 'presenter of the ended room':
      return s.presenter;
  }
}

const routes: { name: string; presenterOnly: boolean; request: (s: Scene) => { method: string; path: string; body?: unknown } }[] = [
  { name: 'DELETE /rooms/:slug', presenterOnly: true, request: (s) => ({ method: 'DELETE', path: `/api/rooms/${s.slug}` }) },
  { name: 'GET /rooms/:slug/messages', presenterOnly: false, request: (s) => ({ method: 'GET', path: `/api/rooms/${s.slug}/messages` }) },
  { name: 'POST /rooms/:slug/messages', presenterOnly: false, request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/messages`, body: { message: 'hi' } }) },
  { name: 'GET /rooms/:slug/questions', presenterOnly: false, request: (s) => ({ method: 'GET', path: `/api/rooms/${s.slug}/questions` }) },
  { name: 'POST /rooms/:slug/questions', presenterOnly: false, request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/questions`, body: { question: 'q?' } }) },
  { name: 'PUT /rooms/:slug/questions/:id/vote', presenterOnly: false, request: (s) => ({ method: 'PUT', path: `/api/rooms/${s.slug}/questions/${s.questionId}/vote` }) },
  { name: 'DELETE /rooms/:slug/questions/:id/vote', presenterOnly: false, request: (s) => ({ method: 'DELETE', path: `/api/rooms/${s.slug}/questions/${s.questionId}/vote` }) },
  { name: 'POST /rooms/:slug/questions/:id/answer', presenterOnly: true, request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/questions/${s.questionId}/answer`, body: { answer: 'yes' } }) },
  { name: 'POST /rooms/:slug/questions/:id/pin', presenterOnly: true, request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/questions/${s.questionId}/pin`, body: { pinned: true } }) },
  { name: 'PUT /rooms/:slug/capacity', presenterOnly: true, request: (s) => ({ method: 'PUT', path: `/api/rooms/${s.slug}/capacity`, body: { maxParticipants: 10 } }) },
  { name: 'GET /rooms/:slug/ice-servers', presenterOnly: false, request: (s) => ({ method: 'GET', path: `/api/rooms/${s.slug}/ice-servers` }) },
];

function expected(caller: Caller, route: (typeof routes)[number]): { status: number; code?: string } {
  switch (caller) {
    case 'outsider':
    case 'forged token':
    case 'attendee of the ended room':
      return { status: 401, code: 'unauthorized' };
    case 'presenter of the ended room':
      // Ending an ended room is the one thing its presenter token still gets an answer for.
      return route.name === 'DELETE /rooms/:slug' ? { status: 410, code: 'room_ended' } : { status: 401, code: 'unauthorized' };
    case 'attendee of another room':
      return { status: 403, code: 'forbidden' };
    case 'attendee':
      return route.presenterOnly ? { status: 403, code: 'forbidden' } : { status: 200 };
    case 'presenter':
      return { status: 200 };
  }
}

const callers: Caller[] = ['outsider', 'forged token', 'attendee of another room', 'attendee', 'presenter', 'attendee of the ended room', 'presenter of the ended room'];

describe.each(routes)('$name', (route) => {
  it.each(callers)('should answer the %s as the matrix says, changing nothing when refused', async (caller) => {
    const s = await scene(caller.endsWith('ended room'));
    const want = expected(caller, route);
    const { method, path, body } = route.request(s);
    const before = await fingerprint(t.database);
    const res = await t.call(method, path, { token: tokenOf(caller, s), body });
    if (want.status === 200) {
      expect([200, 201]).toContain(res.status);
      return;
    }
    expect(res.status).toBe(want.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(want.code);
    expect(await fingerprint(t.database)).toBe(before);
  });
});

describe('bearer tokens', () => {
  it.each(['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer a b', `Bearer ${'t'.repeat(500)}`, 'token-without-scheme'])(
    'should answer 401 to the Authorization header %j',
    async (authorization) => {
      const s = await scene(false);
      const res = await t.call('GET', `/api/rooms/${s.slug}/questions`, { headers: { authorization } });
      expect(res.status).toBe(401);
    },
  );

  it('should answer 404 room_not_found to a live token used on a room that does not exist', async () => {
    const s = await scene(false);
    const res = await t.call('GET', '/api/rooms/doesNotExist/questions', { token: s.attendee });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('room_not_found');
  });
});
