import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findParticipant } from '../db/participants.ts';
import { findRoomBySlug } from '../db/rooms.ts';
import { fingerprint } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function refused(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code ?? 'none' };
}

describe('POST /rooms/:slug/leave', () => {
  it('should free the seat at once, tell the room and close the leaver’s sockets; leaving again or after the end is a clear answer', async () => {
    const room = await t.createRoom({ maxParticipants: 2 });
    const grace = await t.join(room.slug, 'Grace');
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Late' } }))).toEqual({ status: 409, code: 'room_full' });
    t.broadcasts.calls.length = 0;
    const res = await t.call('POST', `/api/rooms/${room.slug}/leave`, { token: grace.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(t.broadcasts.calls).toEqual([
      expect.objectContaining({ kind: 'toRoom', event: 'participant-left', payload: { participantId: grace.participantId } }),
      { kind: 'disconnect', participantIds: [grace.participantId] },
    ]);
    const { id } = (await findRoomBySlug(t.database.db, room.slug))!;
    expect((await findParticipant(t.database.db, id, grace.participantId))?.leftAt).toBeInstanceOf(Date);
    // The seat is someone else's at once.
    const late = await t.join(room.slug, 'Late');
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/leave`, { token: grace.token }))).toEqual({ status: 403, code: 'participant_left' });
    await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/leave`, { token: late.token }))).toEqual({ status: 410, code: 'room_ended' });
  });

  it('should refuse the presenter, a missing token and another room’s token, changing nothing', async () => {
    const room = await t.createRoom();
    const other = await t.createRoom();
    const stranger = await t.join(other.slug, 'Eve');
    await t.join(room.slug, 'Grace');
    const before = await fingerprint(t.database);
    t.broadcasts.calls.length = 0;
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/leave`, { token: room.presenterToken }))).toEqual({ status: 403, code: 'forbidden' });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/leave`))).toEqual({ status: 401, code: 'unauthorized' });
    expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/leave`, { token: stranger.token }))).toEqual({ status: 403, code: 'forbidden' });
    expect(await fingerprint(t.database)).toBe(before);
    expect(t.broadcasts.calls).toEqual([]);
  });
});

describe('PUT /rooms/:slug/capacity', () => {
  it('should let the presenter raise or lower the limit, never below the seats held, and refuse bad values', async () => {
    const room = await t.createRoom({ maxParticipants: 5 });
    const grace = await t.join(room.slug, 'Grace');
    await t.join(room.slug, 'Alan');
    const set = (body: unknown, token = room.presenterToken) => t.call('PUT', `/api/rooms/${room.slug}/capacity`, { token, body });
    const before = await fingerprint(t.database);
    for (const body of [{ maxParticipants: 1 }, { maxParticipants: 501 }, { maxParticipants: 2.5 }, { maxParticipants: 'many' }, {}]) {
      expect(await refused(await set(body)), JSON.stringify(body)).toEqual({ status: 400, code: 'validation_error' });
    }
    expect(await refused(await set({ maxParticipants: 2 }))).toEqual({ status: 409, code: 'conflict' });
    expect(await refused(await set({ maxParticipants: 9 }, grace.token))).toEqual({ status: 403, code: 'forbidden' });
    expect(await fingerprint(t.database)).toBe(before);
    t.broadcasts.calls.length = 0;
    const res = await set({ maxParticipants: 3 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ maxParticipants: 3 });
    expect(t.broadcasts.calls).toEqual([expect.objectContaining({ kind: 'toRoom', event: 'room-capacity', payload: { maxParticipants: 3 } })]);
    expect((await findRoomBySlug(t.database.db, room.slug))?.maxParticipants).toBe(3);
    await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken });
    expect((await set({ maxParticipants: 10 })).status).toBe(401);
  });

  it('should count each join refused for want of a seat and tell the hosts the count', async () => {
    const room = await t.createRoom({ maxParticipants: 2 });
    await t.join(room.slug, 'Grace');
    t.broadcasts.calls.length = 0;
    for (const name of ['Late', 'Later']) {
      expect(await refused(await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name } }))).toEqual({ status: 409, code: 'room_full' });
    }
    const presenterId = room.participantId;
    expect((await findRoomBySlug(t.database.db, room.slug))?.refusedJoins).toBe(2);
    expect(t.broadcasts.calls).toEqual([
      { kind: 'toParticipants', participantIds: [presenterId], event: 'joins-refused', payload: { refusedJoins: 1 } },
      { kind: 'toParticipants', participantIds: [presenterId], event: 'joins-refused', payload: { refusedJoins: 2 } },
    ]);
  });
});
