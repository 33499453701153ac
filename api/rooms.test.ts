import { sql } from 'drizzle-orm';
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
  type Details = { room: Record<string, unknown>; isActive: boolean; participants?: { id: string; name: string; role: string }[] };
  const read = async (slug: string, token?: string) => {
    const res = await t.call('GET', `/api/rooms/${slug}`, token ? { token } : {});
    return { status: res.status, body: (await res.json()) as Details & { error?: { code: string } } };
  };

  it('should give a visitor of a password room what the join page needs and no one\'s name', async () => {
    const created = await t.createRoom({ password: 'letmein!', maxParticipants: 2 });
    await t.join(created.slug, 'Grace', 'letmein!');
    const res = await t.call('GET', `/api/rooms/${created.slug}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('Ada');
    expect(text).not.toContain('Grace');
    const body = JSON.parse(text) as Details;
    expect(body.isActive).toBe(true);
    expect(body.participants).toBeUndefined();
    expect(body.room).toMatchObject({ slug: created.slug, title: 'Quarterly review', hasPassword: true, isActive: true, endedAt: null, maxParticipants: 2, participantCount: 2, isFull: true, isLocked: false });
    expect(Object.keys(body.room).sort()).toEqual([
      'createdAt',
      'description',
      'endedAt',
      'hasPassword',
      'isActive',
      'isFull',
      'isLocked',
      'liveAt',
      'lobby',
      'maxParticipants',
      'participantCount',
      'slug',
      'startsAt',
      'timeZone',
      'title',
    ]);
    expect(new Date(body.room.createdAt as string).toISOString()).toBe(body.room.createdAt);
  });

  it('should list who is present, names included, to a participant of the room', async () => {
    const created = await t.createRoom({ password: 'letmein!' });
    const attendee = await t.join(created.slug, 'Grace', 'letmein!');
    for (const token of [created.presenterToken, attendee.token]) {
      const { status, body } = await read(created.slug, token);
      expect(status).toBe(200);
      expect(body.room).toMatchObject({ slug: created.slug, participantCount: 2, isFull: false });
      expect(body.participants!.map((p) => [p.id, p.name, p.role])).toEqual([
        [created.participantId, 'Ada', 'presenter'],
        [attendee.participantId, 'Grace', 'attendee'],
      ]);
      expect(Object.keys(body.participants![0]!).sort()).toEqual(['handRaisedAt', 'id', 'isCoHost', 'isMuted', 'isVideoOn', 'joinedAt', 'muteLocked', 'name', 'role', 'stage']);
    }
  });

  it('should refuse a token of another room, a made-up token and a departed participant\'s, and name no one', async () => {
    const created = await t.createRoom({ password: 'letmein!' });
    await t.join(created.slug, 'Grace', 'letmein!');
    const other = await t.createRoom({ presenterName: 'Eve' });
    const stranger = await t.join(other.slug, 'Mallory');
    const leaver = await t.join(created.slug, 'Leo', 'letmein!');
    await t.database.db.execute(sql`update participants set left_at = now() where id = ${leaver.participantId}`);
    for (const [token, status, code] of [
      [other.presenterToken, 403, 'forbidden'],
      [stranger.token, 403, 'forbidden'],
      ['x'.repeat(43), 401, 'unauthorized'],
      [leaver.token, 403, 'participant_left'],
    ] as const) {
      const res = await t.call('GET', `/api/rooms/${created.slug}`, { token });
      const text = await res.text();
      expect([res.status, (JSON.parse(text) as { error: { code: string } }).error.code]).toEqual([status, code]);
      for (const name of ['Ada', 'Grace', 'Leo']) expect(text).not.toContain(name);
    }
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
    const room = await t.call('GET', `/api/rooms/${created.slug}`).then((r) => r.json() as Promise<{ room: { participantCount: number } }>);
    expect(room.room.participantCount).toBe(1);
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
      room: { isActive: boolean; endedAt: string | null; participantCount: number };
      isActive: boolean;
    };
    expect(after.isActive).toBe(false);
    expect(after.room.isActive).toBe(false);
    expect(after.room.endedAt).not.toBeNull();
    expect(after.room.participantCount).toBe(0);
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
