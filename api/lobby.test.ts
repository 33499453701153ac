import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ROOM_DESCRIPTION_LENGTH } from '../core/limits.ts';
import { muteAllAttendees } from '../db/participants.ts';
import { findRoomBySlug } from '../db/rooms.ts';
import { fingerprint } from '../db/testing.ts';
import { listDeliveries } from '../db/webhooks.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().replace('Z', '+00:00');

async function ok(res: Response): Promise<Record<string, unknown>> {
  if (res.status >= 300) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function refused(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code ?? 'none' };
}

async function joinWaiting(slug: string, name: string) {
  const res = await t.call('POST', `/api/rooms/${slug}/join`, { body: { name } });
  expect(res.status).toBe(201);
  return (await res.json()) as { participantId: string; token: string; waiting: boolean };
}

describe('scheduled rooms', () => {
  it('should refuse a start without a time zone, an unknown time zone, a start without an offset and a description over the limit, storing nothing', async () => {
    const before = await fingerprint(t.database);
    for (const extra of [
      { startsAt: inAnHour() },
      { timeZone: 'Europe/Paris' },
      { startsAt: inAnHour(), timeZone: 'Mars/Olympus_Mons' },
      { startsAt: '2026-12-01T10:00:00', timeZone: 'Europe/Paris' },
      { startsAt: '2099-12-01T10:00:00Z', timeZone: 'Europe/Paris' },
      { startsAt: inAnHour(), timeZone: 'Europe/Paris', description: 'x'.repeat(MAX_ROOM_DESCRIPTION_LENGTH + 1) },
    ]) {
      const res = await t.call('POST', '/api/rooms', { body: { title: 'Launch', presenterName: 'Ada', ...extra } });
      expect(await refused(res), JSON.stringify(extra)).toEqual({ status: 400, code: 'validation_error' });
    }
    expect(await fingerprint(t.database)).toBe(before);
  });

  it('should keep a scheduled room not live, with its start, time zone and description, and an unscheduled one live at once', async () => {
    const startsAt = '2026-12-01T18:30:00+01:00';
    const scheduled = await t.createRoom({ startsAt, timeZone: 'Europe/Paris', description: 'Plans; numbers, and more' });
    const room = ((await ok(await t.call('GET', `/api/rooms/${scheduled.slug}`))).room ?? {}) as Record<string, unknown>;
    expect(room).toMatchObject({ startsAt: '2026-12-01T17:30:00.000Z', timeZone: 'Europe/Paris', description: 'Plans; numbers, and more', liveAt: null, lobby: false });
    const plain = await t.createRoom();
    const plainRoom = ((await ok(await t.call('GET', `/api/rooms/${plain.slug}`))).room ?? {}) as Record<string, unknown>;
    expect(plainRoom.liveAt).toEqual(expect.any(String));
    expect(plainRoom.startsAt).toBeNull();
    // An attendee of an unscheduled room without a lobby is in at once, as before.
    const joined = await t.join(plain.slug, 'Grace');
    expect((joined as unknown as { waiting: boolean }).waiting).toBe(false);
    await ok(await t.call('POST', `/api/rooms/${plain.slug}/messages`, { token: joined.token, body: { message: 'hi' } }));
  });

  it('should serve the calendar event with its start in UTC, escaped text and the join link, folded at 75 octets', async () => {
    const description = 'Agenda; Q1, Q2\nBring questions \\ ideas. ' + 'é'.repeat(60);
    const room = await t.createRoom({ title: 'Launch, part 1', startsAt: '2026-12-01T18:30:00+01:00', timeZone: 'Europe/Paris', description });
    const res = await t.call('GET', `/api/rooms/${room.slug}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(res.headers.get('content-disposition')).toContain('.ics');
    const ics = await res.text();
    expect(ics.endsWith('\r\n')).toBe(true);
    const physical = ics.split('\r\n').slice(0, -1);
    for (const line of physical) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    // Unfolded, the content lines are one per property.
    const lines = ics.replace(/\r\n /g, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    const prop = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1);
    expect(prop('VERSION')).toBe('2.0');
    expect(prop('DTSTART')).toBe('20261201T173000Z');
    expect(prop('DTSTAMP')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(prop('UID')).toMatch(/@podium\.test$/);
    expect(prop('SUMMARY')).toBe('Launch\\, part 1');
    expect(prop('DESCRIPTION')).toBe(`Agenda\\; Q1\\, Q2\\nBring questions \\\\ ideas. ${'é'.repeat(60)}\\n\\nJoin: http://podium.test/r/${room.slug}`);
    expect(prop('URL')).toBe(`http://podium.test/r/${room.slug}`);
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);

    const unscheduled = await t.createRoom();
    expect(await refused(await t.call('GET', `/api/rooms/${unscheduled.slug}/calendar.ics`))).toEqual({ status: 404, code: 'not_found' });
    expect(await refused(await t.call('GET', '/api/rooms/nosuchroom1/calendar.ics'))).toEqual({ status: 404, code: 'room_not_found' });
    await ok(await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken }));
    expect(await refused(await t.call('GET', `/api/rooms/${room.slug}/calendar.ics`))).toEqual({ status: 410, code: 'room_ended' });
  });

  it('should hold early attendees outside until go-live, keep the green room to hosts, then let them in and say room.live once', async () => {
    const room = await t.createRoom({ startsAt: inAnHour(), timeZone: 'America/New_York', description: 'Soon' });
    await ok(await t.call('POST', `/api/rooms/${room.slug}/webhooks`, { token: room.presenterToken, body: { url: 'https://hooks.example.test/podium' } }));
    const early = await joinWaiting(room.slug, 'Early');
    const helper = await joinWaiting(room.slug, 'Helper');
    expect(early.waiting).toBe(true);
    // A waiting token acts for nothing in the room, and the room does not list it.
    for (const [method, path, body] of [
      ['GET', `/api/rooms/${room.slug}/messages`],
      ['POST', `/api/rooms/${room.slug}/messages`, { message: 'early!' }],
      ['GET', `/api/rooms/${room.slug}/questions`],
      ['POST', `/api/rooms/${room.slug}/questions`, { question: 'when?' }],
      ['GET', `/api/rooms/${room.slug}/ice-servers`],
      ['GET', `/api/rooms/${room.slug}/polls`],
      ['GET', `/api/rooms/${room.slug}/lobby`],
      ['POST', `/api/rooms/${room.slug}/live`],
    ] as const) {
      expect(await refused(await t.call(method, path, { token: early.token, body })), `${method} ${path}`).toEqual({ status: 403, code: 'waiting' });
    }
    const details = await ok(await t.call('GET', `/api/rooms/${room.slug}`, { token: room.presenterToken }));
    expect((details.participants as { name: string }[]).map((p) => p.name)).toEqual(['Ada']);
    expect(await refused(await t.call('GET', `/api/rooms/${room.slug}`, { token: early.token }))).toEqual({ status: 403, code: 'waiting' });

    // The green room: the presenter talks with a co-host let in early; attendees are not let in before the start.
    await ok(await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: room.presenterToken, body: { message: 'sound check' } }));
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/${early.participantId}/admit`, { token: room.presenterToken }))).toEqual({
      status: 409,
      code: 'conflict',
    });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/admit-all`, { token: room.presenterToken }))).toEqual({ status: 409, code: 'conflict' });
    const coHost = await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/${helper.participantId}/admit`, { token: room.presenterToken, body: { coHost: true } }));
    expect(coHost.participant).toMatchObject({ id: helper.participantId, isCoHost: true });
    await ok(await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: helper.token, body: { message: 'ready' } }));
    const waiting = await ok(await t.call('GET', `/api/rooms/${room.slug}/lobby`, { token: helper.token }));
    expect((waiting.waiting as { name: string }[]).map((w) => w.name)).toEqual(['Early']);
    const roomId = (await findRoomBySlug(t.database.db, room.slug))!.id;
    expect((await listDeliveries(t.database.db, roomId, 50)).filter((d) => d.event === 'room.live')).toHaveLength(0);

    t.broadcasts.calls.length = 0;
    const live = await ok(await t.call('POST', `/api/rooms/${room.slug}/live`, { token: room.presenterToken }));
    expect((live.room as { liveAt: string | null }).liveAt).toEqual(expect.any(String));
    expect(t.broadcasts.calls).toContainEqual({ kind: 'toRoom', roomId, event: 'room-live', payload: { liveAt: (live.room as { liveAt: string }).liveAt } });
    expect(t.broadcasts.calls).toContainEqual({ kind: 'toParticipants', participantIds: [early.participantId], event: 'lobby-admitted', payload: {} });
    await ok(await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: early.token, body: { message: 'in!' } }));
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/live`, { token: room.presenterToken }))).toEqual({ status: 409, code: 'conflict' });
    expect((await listDeliveries(t.database.db, roomId, 50)).filter((d) => d.event === 'room.live')).toHaveLength(1);
    // Joining after the start, without a lobby, is straight in.
    expect((await joinWaiting(room.slug, 'Late')).waiting).toBe(false);
  });

  it('should keep everyone waiting at go-live when the lobby is on too', async () => {
    const room = await t.createRoom({ startsAt: inAnHour(), timeZone: 'UTC', lobby: true });
    const early = await joinWaiting(room.slug, 'Early');
    await ok(await t.call('POST', `/api/rooms/${room.slug}/live`, { token: room.presenterToken }));
    expect(await refused(await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: early.token }))).toEqual({ status: 403, code: 'waiting' });
    const admitted = await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/admit-all`, { token: room.presenterToken }));
    expect(admitted.admitted).toBe(1);
    await ok(await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: early.token }));
  });
});

describe('lobby', () => {
  it('should hold new joiners until a host admits them, and stop a denied token everywhere', async () => {
    const room = await t.createRoom({ lobby: true });
    const roomId = (await findRoomBySlug(t.database.db, room.slug))!.id;
    t.broadcasts.calls.length = 0;
    const grace = await joinWaiting(room.slug, 'Grace');
    const mallory = await joinWaiting(room.slug, 'Mallory');
    expect(grace.waiting && mallory.waiting).toBe(true);
    // Hosts hear the waiting list on every arrival.
    const updates = t.broadcasts.calls.filter((c) => c.kind === 'toParticipants' && c.event === 'lobby-updated');
    expect(updates.at(-1)).toMatchObject({ payload: { waiting: [{ participantId: grace.participantId, name: 'Grace' }, { participantId: mallory.participantId, name: 'Mallory' }] } });

    const admitted = await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/${grace.participantId}/admit`, { token: room.presenterToken }));
    expect(admitted.participant).toMatchObject({ id: grace.participantId, isCoHost: false });
    await ok(await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: grace.token, body: { question: 'In?' } }));

    await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/${mallory.participantId}/deny`, { token: room.presenterToken }));
    expect(t.broadcasts.calls).toContainEqual({ kind: 'toParticipants', participantIds: [mallory.participantId], event: 'lobby-denied', payload: {} });
    expect(t.broadcasts.calls).toContainEqual({ kind: 'disconnect', participantIds: [mallory.participantId] });
    for (const path of [`/api/rooms/${room.slug}/messages`, `/api/rooms/${room.slug}/ice-servers`]) {
      expect(await refused(await t.call('GET', path, { token: mallory.token }))).toEqual({ status: 403, code: 'denied' });
    }
    // Admitting or denying someone no longer waiting finds nobody, and changes nothing.
    const before = await fingerprint(t.database);
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/${mallory.participantId}/admit`, { token: room.presenterToken }))).toEqual({
      status: 404,
      code: 'participant_not_found',
    });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/${grace.participantId}/deny`, { token: room.presenterToken }))).toEqual({
      status: 404,
      code: 'participant_not_found',
    });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/not-a-uuid/deny`, { token: room.presenterToken }))).toEqual({
      status: 404,
      code: 'participant_not_found',
    });
    expect(await fingerprint(t.database)).toBe(before);
    const waiting = await ok(await t.call('GET', `/api/rooms/${room.slug}/lobby`, { token: room.presenterToken }));
    expect(waiting.waiting).toEqual([]);
    expect(roomId).toBeTruthy();
  });

  it('should turn the lobby on and off live as a room option; those already inside stay in', async () => {
    const room = await t.createRoom();
    const inside = await t.join(room.slug, 'Inside');
    const options = await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { lobby: true } }));
    expect(options.options).toMatchObject({ lobby: true, isLocked: false });
    expect((await joinWaiting(room.slug, 'Later')).waiting).toBe(true);
    await ok(await t.call('GET', `/api/rooms/${room.slug}/messages`, { token: inside.token }));
    await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { lobby: false } }));
    expect((await joinWaiting(room.slug, 'Latest')).waiting).toBe(false);
    expect(await refused(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { lobby: 'yes' } }))).toEqual({
      status: 400,
      code: 'validation_error',
    });
  });
});

type Caller = 'outsider' | 'attendee of another room' | 'attendee' | 'waiting attendee' | 'co-host' | 'presenter' | 'attendee of the ended room';
const callers: Caller[] = ['outsider', 'attendee of another room', 'attendee', 'waiting attendee', 'co-host', 'presenter', 'attendee of the ended room'];

interface Scene {
  slug: string;
  tokens: Record<Caller, string | undefined>;
  targetId: string;
}

/** A live room with the lobby on: an attendee and a co-host inside, a target and another attendee waiting. */
async function scene(options: { ended?: boolean; scheduled?: boolean } = {}): Promise<Scene> {
  const room = await t.createRoom(options.scheduled ? { lobby: true, startsAt: inAnHour(), timeZone: 'UTC' } : {});
  const [attendee, coHost] = options.scheduled ? [] : await Promise.all([t.join(room.slug, 'Attendee'), t.join(room.slug, 'Co-host')]);
  if (coHost) await ok(await t.call('PUT', `/api/rooms/${room.slug}/participants/${coHost.participantId}/co-host`, { token: room.presenterToken, body: { coHost: true } }));
  if (!options.scheduled) await ok(await t.call('PUT', `/api/rooms/${room.slug}/options`, { token: room.presenterToken, body: { lobby: true } }));
  const target = await joinWaiting(room.slug, 'Target');
  const waiting = await joinWaiting(room.slug, 'Waiting');
  const other = await t.createRoom({ title: 'Elsewhere' });
  const otherAttendee = await t.join(other.slug, 'Eve');
  if (options.ended) await ok(await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken }));
  return {
    slug: room.slug,
    targetId: target.participantId,
    tokens: {
      outsider: undefined,
      'attendee of another room': otherAttendee.token,
      attendee: attendee?.token,
      'waiting attendee': waiting.token,
      'co-host': coHost?.token,
      presenter: room.presenterToken,
      'attendee of the ended room': waiting.token,
    },
  };
}

interface RouteCase {
  name: string;
  /** Changes nothing even when allowed. */
  reads?: boolean;
  request: (s: Scene) => { method: string; path: string; body?: unknown };
}

const routes: RouteCase[] = [
  { name: 'GET …/lobby', reads: true, request: (s) => ({ method: 'GET', path: `/api/rooms/${s.slug}/lobby` }) },
  { name: 'POST …/lobby/:id/admit', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/lobby/${s.targetId}/admit` }) },
  { name: 'POST …/lobby/admit-all', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/lobby/admit-all` }) },
  { name: 'POST …/lobby/:id/deny', request: (s) => ({ method: 'POST', path: `/api/rooms/${s.slug}/lobby/${s.targetId}/deny` }) },
];

function expected(caller: Caller): { status: number; code?: string } {
  switch (caller) {
    case 'outsider':
    case 'attendee of the ended room':
      return { status: 401, code: 'unauthorized' };
    case 'attendee of another room':
      return { status: 403, code: 'forbidden' };
    case 'attendee':
      return { status: 403, code: 'forbidden' };
    case 'waiting attendee':
      return { status: 403, code: 'waiting' };
    case 'co-host':
    case 'presenter':
      return { status: 200 };
  }
}

describe.each(routes)('$name', (route) => {
  it.each(callers)('should answer the %s as the matrix says, changing nothing when refused', async (caller) => {
    const s = await scene({ ended: caller === 'attendee of the ended room' });
    const want = expected(caller);
    const { method, path, body } = route.request(s);
    const before = await fingerprint(t.database);
    const res = await t.call(method, path, { token: s.tokens[caller], body });
    if (want.status === 200) {
      expect(res.status, await res.clone().text()).toBe(200);
      if (!route.reads) expect(await fingerprint(t.database)).not.toBe(before);
      return;
    }
    expect(await refused(res)).toEqual({ status: want.status, code: want.code });
    expect(await fingerprint(t.database)).toBe(before);
  });
});

describe('POST …/live', () => {
  it.each(['outsider', 'attendee of another room', 'waiting attendee', 'presenter', 'attendee of the ended room'] as const)(
    'should answer the %s as the matrix says, changing nothing when refused',
    async (caller) => {
      const s = await scene({ scheduled: true, ended: caller === 'attendee of the ended room' });
      const want = expected(caller);
      const before = await fingerprint(t.database);
      const res = await t.call('POST', `/api/rooms/${s.slug}/live`, { token: s.tokens[caller] });
      if (want.status === 200) {
        expect(res.status, await res.clone().text()).toBe(200);
        expect(await fingerprint(t.database)).not.toBe(before);
        return;
      }
      expect(await refused(res)).toEqual({ status: want.status, code: want.code });
      expect(await fingerprint(t.database)).toBe(before);
    },
  );

  it('should refuse an attendee and let a co-host go live', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug, 'Attendee');
    // An unscheduled room is live already.
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/live`, { token: room.presenterToken }))).toEqual({ status: 409, code: 'conflict' });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/live`, { token: attendee.token }))).toEqual({ status: 403, code: 'forbidden' });
    const scheduled = await t.createRoom({ startsAt: inAnHour(), timeZone: 'UTC' });
    const helper = await joinWaiting(scheduled.slug, 'Helper');
    await ok(await t.call('POST', `/api/rooms/${scheduled.slug}/lobby/${helper.participantId}/admit`, { token: scheduled.presenterToken, body: { coHost: true } }));
    await ok(await t.call('POST', `/api/rooms/${scheduled.slug}/live`, { token: helper.token }));
  });

  it('should give no co-host role, mute or stage to someone still waiting, and leave them out of mute all', async () => {
    const room = await t.createRoom({ lobby: true });
    const inside = await t.join(room.slug, 'Inside');
    await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/${inside.participantId}/admit`, { token: room.presenterToken, body: {} }));
    const waiting = await joinWaiting(room.slug, 'Waiting');
    const on = (path: string) => `/api/rooms/${room.slug}/participants/${waiting.participantId}/${path}`;
    const notFound = { status: 404, code: 'participant_not_found' };
    expect(await refused(await t.call('PUT', on('co-host'), { token: room.presenterToken, body: { coHost: true } }))).toEqual(notFound);
    expect(await refused(await t.call('POST', on('mute'), { token: room.presenterToken, body: { muted: true } }))).toEqual(notFound);
    expect(await refused(await t.call('POST', on('stage-invite'), { token: room.presenterToken }))).toEqual(notFound);
    const { id } = (await findRoomBySlug(t.database.db, room.slug))!;
    expect(await muteAllAttendees(t.database.db, id)).toEqual([{ id: inside.participantId, microphoneWasOn: false }]);
  });

  it('should let only the presenter admit someone as a co-host', async () => {
    const room = await t.createRoom({ lobby: true });
    const coHost = await t.join(room.slug, 'Co');
    await ok(await t.call('POST', `/api/rooms/${room.slug}/lobby/${coHost.participantId}/admit`, { token: room.presenterToken, body: { coHost: true } }));
    const target = await joinWaiting(room.slug, 'Target');
    expect(
      await refused(await t.call('POST', `/api/rooms/${room.slug}/lobby/${target.participantId}/admit`, { token: coHost.token, body: { coHost: true } })),
    ).toEqual({ status: 403, code: 'forbidden' });
  });
});
