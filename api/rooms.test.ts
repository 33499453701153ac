import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findByTokenHash } from '../db/participants.ts';
import { findRoomBySlug } from '../db/rooms.ts';
import { findSessionStats } from '../db/stats.ts';
import { createTestApp, type TestApp } from './testing.ts';
import { hashToken } from '../core/tokens.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('POST /api/rooms', () => {
  it('should create a room with its presenter and answer 201 with a one-time presenter token', async () => {
    const res = await t.call('POST', '/api/rooms', { body: { title: '  Launch day  ', presenterName: 'Ada' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['joinUrl', 'participantId', 'presenterToken', 'roomId', 'slug']);
    expect(body.slug).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(body.joinUrl).toBe(`http://podium.test/r/${body.slug}`);
    expect(body.presenterToken!.length).toBeGreaterThanOrEqual(22);

    const room = await findRoomBySlug(t.database.db, body.slug!);
    expect(room).toMatchObject({ id: body.roomId, title: 'Launch day', presenterName: 'Ada', maxParticipants: 50, passwordHash: null });
    const owner = await findByTokenHash(t.database.db, await hashToken(body.presenterToken!));
    expect(owner?.participant).toMatchObject({ id: body.participantId, role: 'presenter', name: 'Ada' });
  });

  it('should store a bcrypt hash of the password, never the password', async () => {
    const created = await t.createRoom({ password: 'open sesame', maxParticipants: 7, settings: { theme: 'dark' } });
    const room = await findRoomBySlug(t.database.db, created.slug);
    expect(room?.passwordHash).toMatch(/^\$2[aby]\$04\$/);
    expect(room?.passwordHash).not.toContain('open sesame');
    expect(room).toMatchObject({ maxParticipants: 7, settings: { theme: 'dark' } });
  });

  it('should give every room its own slug', async () => {
    const slugs = await Promise.all(Array.from({ length: 10 }, () => t.createRoom().then((r) => r.slug)));
    expect(new Set(slugs).size).toBe(10);
  });

  it('should build joinUrl from the request when PUBLIC_URL is not set', async () => {
    const bare = await createTestApp({ database: t.database, env: { PUBLIC_URL: '' } });
    const res = await bare.app.request('https://rooms.example.org/api/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'T', presenterName: 'P' }),
    });
    const body = (await res.json()) as { joinUrl: string; slug: string };
    expect(body.joinUrl).toBe(`https://rooms.example.org/r/${body.slug}`);
  });

  it('should answer 400 validation_error naming every bad field', async () => {
    const res = await t.call('POST', '/api/rooms', {
      body: { title: '', presenterName: 'x'.repeat(101), password: 'abc', maxParticipants: 501 },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('validation_error');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['maxParticipants', 'password', 'presenterName', 'title']);
  });

  it.each([
    ['a title of blanks', { title: '   ', presenterName: 'Ada' }],
    ['one participant at most', { title: 'T', presenterName: 'Ada', maxParticipants: 1 }],
    ['a fractional capacity', { title: 'T', presenterName: 'Ada', maxParticipants: 2.5 }],
    ['a NUL in the title', { title: 'a\u0000b', presenterName: 'Ada' }],
    ['a NUL inside settings', { title: 'T', presenterName: 'Ada', settings: { k: 'a\u0000' } }],
    ['settings that are not an object', { title: 'T', presenterName: 'Ada', settings: [1, 2] }],
    ['a title over 200 characters', { title: 't'.repeat(201), presenterName: 'Ada' }],
  ])('should refuse %s with 400', async (_, body) => {
    const res = await t.call('POST', '/api/rooms', { body });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('validation_error');
  });
});

describe('GET /api/rooms/:slug', () => {
  it('should answer the room and its current participants, without secrets', async () => {
    const created = await t.createRoom({ password: 'letmein!' });
    const attendee = await t.join(created.slug, 'Grace', 'letmein!');
    const res = await t.call('GET', `/api/rooms/${created.slug}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      room: Record<string, unknown>;
      participants: { id: string; name: string; role: string }[];
      isActive: boolean;
    };
    expect(body.isActive).toBe(true);
    expect(body.room).toMatchObject({ slug: created.slug, title: 'Quarterly review', presenterName: 'Ada', hasPassword: true, isActive: true, endedAt: null, maxParticipants: 50 });
    expect(Object.keys(body.room).sort()).toEqual([
      'attendeeChat',
      'attendeeMicrophones',
      'createdAt',
      'description',
      'endedAt',
      'hasPassword',
      'hideAddresses',
      'hideLanAddresses',
      'highlightedQuestionId',
      'isActive',
      'isLocked',
      'liveAt',
      'lobby',
      'maxParticipants',
      'presenterName',
      'questionsNeedApproval',
      'slug',
      'startsAt',
      'timeZone',
      'title',
    ]);
    expect(body.participants.map((p) => [p.id, p.name, p.role])).toEqual([
      [created.participantId, 'Ada', 'presenter'],
      [attendee.participantId, 'Grace', 'attendee'],
    ]);
    expect(Object.keys(body.participants[0]!).sort()).toEqual([
      'handRaisedAt',
      'id',
      'isCoHost',
      'isMuted',
      'isVideoOn',
      'joinedAt',
      'muteLocked',
      'name',
      'role',
      'stage',
    ]);
    expect(new Date(body.room.createdAt as string).toISOString()).toBe(body.room.createdAt);
  });

  it.each(['nope-nope-nope', 'x', '%00', 'a'.repeat(300)])('should answer 404 room_not_found for the slug %j', async (slug) => {
    const res = await t.call('GET', `/api/rooms/${slug}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('room_not_found');
  });
});

describe('POST /api/rooms/:slug/join', () => {
  it('should add an attendee and answer 201 with a token and the room', async () => {
    const created = await t.createRoom();
    t.broadcasts.calls.length = 0;
    const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: ' Grace ' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { participantId: string; token: string; roomDetails: Record<string, unknown> };
    expect(body.roomDetails).toMatchObject({ slug: created.slug, title: 'Quarterly review', hasPassword: false });
    const found = await findByTokenHash(t.database.db, await hashToken(body.token));
    expect(found?.participant).toMatchObject({ id: body.participantId, name: 'Grace', role: 'attendee' });
    // The room hears of the attendee from signaling, once their socket arrives.
    expect(t.broadcasts.calls).toEqual([]);
  });

  it('should answer 401 invalid_password for a wrong or missing password and add nobody', async () => {
    const created = await t.createRoom({ password: 'correct horse' });
    for (const password of ['wrong horse', undefined, '']) {
      const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: 'Mallory', password } });
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('invalid_password');
    }
    const room = await t.call('GET', `/api/rooms/${created.slug}`).then((r) => r.json() as Promise<{ participants: unknown[] }>);
    expect(room.participants).toHaveLength(1);
    expect((await t.join(created.slug, 'Grace', 'correct horse')).token).toBeTruthy();
  });

  it('should ignore a password sent to a room that has none', async () => {
    const created = await t.createRoom();
    const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: 'Grace', password: 'not needed' } });
    expect(res.status).toBe(201);
  });

  it('should answer 409 room_full once the room holds maxParticipants', async () => {
    const created = await t.createRoom({ maxParticipants: 3 });
    await t.join(created.slug, 'One');
    await t.join(created.slug, 'Two');
    const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: 'Three' } });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('room_full');
  });

  it('should give the last seat to exactly one of many racing joins', async () => {
    const created = await t.createRoom({ maxParticipants: 2 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: `Racer ${i}` } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('should answer 410 room_ended for an ended room, even with a wrong password', async () => {
    const created = await t.createRoom({ password: 'secret-word' });
    await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken });
    const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name: 'Late', password: 'nope' } });
    expect(res.status).toBe(410);
    expect(await errorCode(res)).toBe('room_ended');
  });

  it('should answer 404 for an unknown room and 400 for a bad name', async () => {
    const missing = await t.call('POST', '/api/rooms/nonexistent/join', { body: { name: 'Grace' } });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('room_not_found');
    const created = await t.createRoom();
    for (const name of ['', '   ', 'n'.repeat(101), 42, null]) {
      const res = await t.call('POST', `/api/rooms/${created.slug}/join`, { body: { name } });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('validation_error');
    }
  });
});

describe('DELETE /api/rooms/:slug', () => {
  it('should end the room, write its stats, erase names and tell the sockets', async () => {
    const created = await t.createRoom();
    const attendee = await t.join(created.slug, 'Grace');
    await t.call('POST', `/api/rooms/${created.slug}/messages`, { token: attendee.token, body: { message: 'hello' } });
    await t.call('POST', `/api/rooms/${created.slug}/questions`, { token: attendee.token, body: { question: 'why?' } });
    t.broadcasts.calls.length = 0;

    const res = await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; sessionStats: Record<string, number> };
    expect(body).toEqual({
      success: true,
      sessionStats: { maxConcurrentParticipants: 2, totalParticipants: 2, totalMessages: 1, totalQuestions: 1, sessionDurationMinutes: 0 },
    });
    expect(await findSessionStats(t.database.db, created.roomId)).toEqual(body.sessionStats);
    expect(t.broadcasts.calls).toEqual([{ kind: 'endRoom', roomId: created.roomId, sessionStats: body.sessionStats }]);

    const after = (await t.call('GET', `/api/rooms/${created.slug}`).then((r) => r.json())) as {
      room: { isActive: boolean; endedAt: string | null };
      participants: unknown[];
      isActive: boolean;
    };
    expect(after.isActive).toBe(false);
    expect(after.room.isActive).toBe(false);
    expect(after.room.endedAt).not.toBeNull();
    expect(after.participants).toEqual([]);
    const found = await findByTokenHash(t.database.db, await hashToken(attendee.token));
    expect(found?.participant.name).toBeNull();
  });

  it('should answer 410 room_ended when the room is ended again', async () => {
    const created = await t.createRoom();
    expect((await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken })).status).toBe(200);
    const again = await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken });
    expect(again.status).toBe(410);
    expect(await errorCode(again)).toBe('room_ended');
  });

  it('should let exactly one of two racing DELETEs end the room', async () => {
    const created = await t.createRoom();
    t.broadcasts.calls.length = 0;
    const results = await Promise.all([1, 2, 3].map(() => t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
    expect(t.broadcasts.calls.filter((c) => c.kind === 'endRoom')).toHaveLength(1);
  });

  it('should answer 403 to an attendee and leave the room open', async () => {
    const created = await t.createRoom();
    const attendee = await t.join(created.slug);
    const res = await t.call('DELETE', `/api/rooms/${created.slug}`, { token: attendee.token });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('forbidden');
    expect((await findRoomBySlug(t.database.db, created.slug))?.isActive).toBe(true);
  });

  it('should accept the presenter’s own participantId and refuse anyone else’s with 403', async () => {
    const created = await t.createRoom();
    const attendee = await t.join(created.slug);
    const wrong = await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken, body: { participantId: attendee.participantId } });
    expect(wrong.status).toBe(403);
    const right = await t.call('DELETE', `/api/rooms/${created.slug}`, { token: created.presenterToken, body: { participantId: created.participantId } });
    expect(right.status).toBe(200);
  });

  it('should treat an empty JSON body as no body', async () => {
    const created = await t.createRoom();
    const res = await t.call('DELETE', `/api/rooms/${created.slug}`, {
      token: created.presenterToken,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });
});
