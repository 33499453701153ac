import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SPEAKERS_PER_ROOM } from '../core/limits.ts';
import { moveOnStage } from '../db/moderation.ts';
import { findRoomBySlug } from '../db/rooms.ts';
import { fingerprint } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Caller = 'outsider' | 'attendee of another room' | 'attendee' | 'speaker' | 'co-host' | 'presenter' | 'removed attendee' | 'attendee of the ended room';
const callers: Caller[] = ['outsider', 'attendee of another room', 'attendee', 'speaker', 'co-host', 'presenter', 'removed attendee', 'attendee of the ended room'];

interface Scene {
  slug: string;
  presenter: string;
  tokens: Record<Caller, string | undefined>;
  /** The attendee every participant action aims at. */
  targetId: string;
  coHostId: string;
  presenterId: string;
  pendingQuestionId: string;
  visibleQuestionId: string;
  messageId: string;
}

async function ok(res: Response): Promise<Record<string, unknown>> {
  if (res.status >= 300) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function scene(ended = false): Promise<Scene> {
  const room = await t.createRoom();
  const p = room.presenterToken;
  const [attendee, speaker, coHost, removed, target] = await Promise.all(
    ['Attendee', 'Speaker', 'Co-host', 'Removed', 'Target'].map((name) => t.join(room.slug, name)),
  );
  const other = await t.createRoom({ title: 'Elsewhere' });
  const otherAttendee = await t.join(other.slug, 'Eve');
  const roomId = (await findRoomBySlug(t.database.db, room.slug))!.id;
  await ok(await t.call('PUT', `/api/rooms/${room.slug}/participants/${coHost!.participantId}/co-host`, { token: p, body: { coHost: true } }));
  await ok(await t.call('POST', `/api/rooms/${room.slug}/participants/${speaker!.participantId}/stage-invite`, { token: p }));
  await moveOnStage(t.database.db, { roomId, id: speaker!.participantId, from: ['invited'], to: 'speaker', cap: MAX_SPEAKERS_PER_ROOM });
  await ok(await t.call('POST', `/api/rooms/${room.slug}/participants/${removed!.participantId}/remove`, { token: p }));
  const visible = await ok(await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: target!.token, body: { question: 'Seen by all?' } }));
  await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: p, body: { questionsNeedApproval: true } }));
  const pending = await ok(await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: target!.token, body: { question: 'Awaiting?' } }));
  const message = await ok(await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: target!.token, body: { message: 'hello' } }));
  if (ended) await ok(await t.call('DELETE', `/api/rooms/${room.slug}`, { token: p }));
  return {
    slug: room.slug,
    presenter: p,
    targetId: target!.participantId,
    coHostId: coHost!.participantId,
    presenterId: room.participantId,
    pendingQuestionId: pending.questionId as string,
    visibleQuestionId: visible.questionId as string,
    messageId: (message.message as { id: string } | undefined)?.id ?? (message.messageId as string),
    tokens: {
      outsider: undefined,
      'attendee of another room': otherAttendee.token,
      attendee: attendee!.token,
      speaker: speaker!.token,
      'co-host': coHost!.token,
      presenter: p,
      'removed attendee': removed!.token,
      'attendee of the ended room': attendee!.token,
    },
  };
}

interface RouteCase {
  name: string;
  presenterOnly?: boolean;
  request: (s: Scene) => { method: string; path: string; body?: unknown };
}

const routes: RouteCase[] = [
  { name: 'POST …/participants/:id/remove', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/participants/${s.targetId}/remove`, body: { ban: true } }) },
  { name: 'PUT …/participants/:id/co-host', presenterOnly: true, request: (s) => ({ method: 'PUT', path: `/api/rooms/${s.slug}/participants/${s.targetId}/co-host`, body: { coHost: true } }) },
  { name: 'POST …/participants/:id/stage-invite', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/participants/${s.targetId}/stage-invite` }) },
  { name: 'POST …/participants/:id/mute', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/participants/${s.targetId}/mute`, body: { muted: true } }) },
  { name: 'PUT …/options', request: (s) => ({ method: 'PUT', path: `/api/rooms/${s.slug}/options`, body: { isLocked: true } }) },
  { name: 'POST …/questions/:id/approve', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/questions/${s.pendingQuestionId}/approve` }) },
  { name: 'POST …/questions/:id/dismiss', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/questions/${s.pendingQuestionId}/dismiss` }) },
  { name: 'PUT …/highlighted-question', request: (s) => ({ method: 'PUT', path: `/api/rooms/${s.slug}/highlighted-question`, body: { questionId: s.visibleQuestionId } }) },
  { name: 'DELETE …/messages/:id', request: (s) => ({ method: 'DELETE', path: `/api/rooms/${s.slug}/messages/${s.messageId}` }) },
];

function expected(caller: Caller, route: RouteCase): { status: number; code?: string } {
  switch (caller) {
    case 'outsider':
    case 'attendee of the ended room':
      return { status: 401, code: 'unauthorized' };
    case 'attendee of another room':
      return { status: 403, code: 'forbidden' };
    case 'removed attendee':
      return { status: 403, code: 'removed' };
    case 'attendee':
    case 'speaker':
      return { status: 403, code: 'forbidden' };
    case 'co-host':
      return route.presenterOnly ? { status: 403, code: 'forbidden' } : { status: 200 };
    case 'presenter':
      return { status: 200 };
  }
}

describe.each(routes)('$name', (route) => {
  it.each(callers)('should answer the %s as the matrix says, changing nothing when refused', async (caller) => {
    const s = await scene(caller === 'attendee of the ended room');
    const want = expected(caller, route);
    const { method, path, body } = route.request(s);
    const before = await fingerprint(t.database);
    const res = await t.call(method, path, { token: s.tokens[caller], body });
    if (want.status === 200) {
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await fingerprint(t.database)).not.toBe(before);
      return;
    }
    expect(res.status).toBe(want.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(want.code);
    expect(await fingerprint(t.database)).toBe(before);
  });
});

/** Who may move the presenter role: the presenter hands over to a co-host; a co-host takes over only while the presenter is away. */
describe.each([
  {
    name: 'POST …/participants/:id/presenter (hand over)',
    away: false,
    allowed: 'presenter' as Caller,
    request: (s: Scene) => ({ method: 'POST', path: `/api/rooms/${s.slug}/participants/${s.coHostId}/presenter` }),
  },
  {
    name: 'POST …/presenter/take-over (presenter away)',
    away: true,
    allowed: 'co-host' as Caller,
    request: (s: Scene) => ({ method: 'POST', path: `/api/rooms/${s.slug}/presenter/take-over` }),
  },
])('$name', ({ away, allowed, request }) => {
  it.each(callers)('should answer the %s as the matrix says, changing nothing when refused', async (caller) => {
    const s = await scene(caller === 'attendee of the ended room');
    if (away) await t.database.db.execute(sql`update participants set left_at = now(), socket_id = null where id = ${s.presenterId}`);
    const { method, path } = request(s);
    const before = await fingerprint(t.database);
    const res = await t.call(method, path, { token: s.tokens[caller] });
    if (caller === allowed) {
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { participant: { id: string; role: string } }).participant).toMatchObject({ id: s.coHostId, role: 'presenter' });
      const rows = await t.database.db.execute(sql`select id, role, is_co_host from participants where id in (${s.coHostId}, ${s.presenterId})`);
      expect(Object.fromEntries((rows as unknown as { id: string; role: string; is_co_host: boolean }[]).map((r) => [r.id, [r.role, r.is_co_host]]))).toEqual({
        [s.coHostId]: ['presenter', false],
        [s.presenterId]: ['attendee', true],
      });
      const told = t.broadcasts.calls.findLast((c) => c.kind === 'toRoom' && c.event === 'presenter-changed');
      expect(told?.kind === 'toRoom' && told.payload).toMatchObject({ presenterId: s.coHostId, previousPresenterId: s.presenterId });
      return;
    }
    const want =
      caller === 'outsider' || caller === 'attendee of the ended room'
        ? { status: 401, code: 'unauthorized' }
        : caller === 'removed attendee'
          ? { status: 403, code: 'removed' }
          : { status: 403, code: 'forbidden' };
    expect(res.status).toBe(want.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(want.code);
    expect(await fingerprint(t.database)).toBe(before);
  });
});

describe('presenter handover and takeover', () => {
  it('should refuse a takeover while the presenter is here, a handover to a non-co-host, and to oneself', async () => {
    const s = await scene();
    const refused = async (method: string, path: string, token: string, code: string) => {
      const before = await fingerprint(t.database);
      const res = await t.call(method, path, { token });
      expect(res.status).toBe(code === 'conflict' ? 409 : code === 'participant_not_found' ? 404 : 403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
      expect(await fingerprint(t.database)).toBe(before);
    };
    await refused('POST', `/api/rooms/${s.slug}/presenter/take-over`, s.tokens['co-host']!, 'conflict');
    await refused('POST', `/api/rooms/${s.slug}/participants/${s.targetId}/presenter`, s.presenter, 'conflict');
    await refused('POST', `/api/rooms/${s.slug}/participants/${s.presenterId}/presenter`, s.presenter, 'conflict');
    await refused('POST', `/api/rooms/${s.slug}/participants/not-a-uuid/presenter`, s.presenter, 'participant_not_found');
    // The old presenter's token is a co-host's after the handover: it cannot end the room, the new presenter's can.
    await ok(await t.call('POST', `/api/rooms/${s.slug}/participants/${s.coHostId}/presenter`, { token: s.presenter }));
    expect((await t.call('DELETE', `/api/rooms/${s.slug}`, { token: s.presenter })).status).toBe(403);
    expect((await t.call('PUT', `/api/rooms/${s.slug}/options`, { token: s.presenter, body: { isLocked: true } })).status).toBe(200);
    expect((await t.call('DELETE', `/api/rooms/${s.slug}`, { token: s.tokens['co-host'] })).status).toBe(200);
  });
});

describe('removal', () => {
  it('should refuse the removed token on every route at once, and a banned browser on joining again', async () => {
    const room = await t.createRoom();
    const res = await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Mallory', browserKey: 'k'.repeat(20) } });
    const mallory = (await res.json()) as { participantId: string; token: string };
    await ok(await t.call('POST', `/api/rooms/${room.slug}/participants/${mallory.participantId}/remove`, { token: room.presenterToken, body: { ban: true } }));
    for (const [method, path, body] of [
      ['GET', `/api/rooms/${room.slug}/messages`],
      ['POST', `/api/rooms/${room.slug}/messages`, { message: 'still here?' }],
      ['GET', `/api/rooms/${room.slug}/questions`],
      ['POST', `/api/rooms/${room.slug}/questions`, { question: 'still here?' }],
      ['GET', `/api/rooms/${room.slug}/ice-servers`],
      ['PUT', `/api/rooms/${room.slug}/options`, { isLocked: true }],
    ] as const) {
      const refused = await t.call(method, path, { token: mallory.token, body });
      expect(refused.status, `${method} ${path}`).toBe(403);
    }
    const again = await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Mallory', browserKey: 'k'.repeat(20) } });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('banned');
    // Another browser still joins; the ban covers the browser and the address it came from, nothing else.
    expect((await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Trent', browserKey: 't'.repeat(20) } })).status).toBe(201);
    const told = t.broadcasts.calls.filter((c) => c.kind === 'toParticipants' && c.event === 'removed' && c.participantIds.includes(mallory.participantId));
    expect(told).toHaveLength(1);
    expect(t.broadcasts.calls).toContainEqual({ kind: 'disconnect', participantIds: [mallory.participantId] });
  });

  it('should refuse new joins while the room is locked, and take them again once unlocked', async () => {
    const room = await t.createRoom();
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { isLocked: true } }));
    const locked = await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Late' } });
    expect(locked.status).toBe(403);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('room_locked');
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { isLocked: false } }));
    expect((await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Late' } })).status).toBe(201);
  });
});

describe('moderated Q&A', () => {
  it('should show a question awaiting approval to hosts and its author only, and to everyone once approved', async () => {
    const room = await t.createRoom();
    const [author, other, coHost] = await Promise.all(['Author', 'Other', 'Co'].map((n) => t.join(room.slug, n)));
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/participants/${coHost!.participantId}/co-host`, { token: room.presenterToken, body: { coHost: true } }));
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { questionsNeedApproval: true } }));
    const asked = await ok(await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: author!.token, body: { question: 'Is it on?' } }));
    expect((asked.question as { status: string }).status).toBe('pending');
    const list = async (token: string) =>
      ((await ok(await t.call('GET', `/api/rooms/${room.slug}/questions`, { token }))).questions as { id: string }[]).map((q) => q.id);
    expect(await list(other!.token)).toEqual([]);
    expect(await list(author!.token)).toEqual([asked.questionId]);
    expect(await list(room.presenterToken)).toEqual([asked.questionId]);
    expect(await list(coHost!.token)).toEqual([asked.questionId]);
    // Others cannot vote for what they cannot see.
    expect((await t.call('PUT', `/api/rooms/${room.slug}/questions/${asked.questionId}/vote`, { token: other!.token })).status).toBe(404);
    const roomCalls = () => t.broadcasts.calls.filter((c) => c.kind === 'toRoom' && c.event === 'new-question' && c.payload.question.id === asked.questionId);
    expect(roomCalls()).toHaveLength(0);
    await ok(await t.call('POST', `/api/rooms/${room.slug}/questions/${asked.questionId}/approve`, { token: coHost!.token }));
    expect(roomCalls()).toHaveLength(1);
    expect(await list(other!.token)).toEqual([asked.questionId]);
    await ok(await t.call('POST', `/api/rooms/${room.slug}/questions/${asked.questionId}/dismiss`, { token: room.presenterToken }));
    expect(await list(other!.token)).toEqual([]);
  });

  it('should hide an anonymous asker’s name from attendees but not from hosts', async () => {
    const room = await t.createRoom();
    const [author, other] = await Promise.all(['Shy', 'Other'].map((n) => t.join(room.slug, n)));
    await ok(await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: author!.token, body: { question: 'Who am I?', anonymous: true } }));
    const seen = async (token: string) =>
      ((await ok(await t.call('GET', `/api/rooms/${room.slug}/questions`, { token }))).questions as { name: string | null; participantId: string | null }[])[0];
    expect(await seen(other!.token)).toMatchObject({ name: null, participantId: null });
    expect(await seen(room.presenterToken)).toMatchObject({ name: 'Shy', participantId: author!.participantId });
    expect(await seen(author!.token)).toMatchObject({ name: 'Shy' });
  });

  it('should refuse chat from attendees while chat is off, but not from hosts', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug, 'Quiet');
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { attendeeChat: false } }));
    expect((await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: 'hi' } })).status).toBe(403);
    expect((await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: room.presenterToken, body: { message: 'hi' } })).status).toBe(201);
    expect((await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'still open?' } })).status).toBe(201);
  });

  it('should cap the stage at the limit', async () => {
    const room = await t.createRoom();
    const joined = await Promise.all(Array.from({ length: MAX_SPEAKERS_PER_ROOM + 1 }, (_, i) => t.join(room.slug, `S${i}`)));
    const invite = (id: string) => t.call('POST', `/api/rooms/${room.slug}/participants/${id}/stage-invite`, { token: room.presenterToken });
    const answers = await Promise.all(joined.map((j) => invite(j.participantId)));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array(MAX_SPEAKERS_PER_ROOM).fill(200), 409]);
  });
});
