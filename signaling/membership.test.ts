// Membership on every act: a token works while its participant is present; someone gone must join again.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../api/testing.ts';
import { findParticipant, listCurrentParticipants, sweepAbsent } from '../db/participants.ts';
import { until } from '../testing/until.ts';
import { closeClients, connect, startSignaling, type RunningSignaling } from './testing.ts';

const GRACE_MS = 200;

let t: TestApp;
let signaling: RunningSignaling;

beforeAll(async () => {
  t = await createTestApp({ env: { RECONNECT_GRACE_MS: String(GRACE_MS) } });
  signaling = await startSignaling(t.database.db, { RECONNECT_GRACE_MS: String(GRACE_MS), RATE_LIMITS: 'off' });
});
afterEach(() => closeClients());
afterAll(async () => {
  await signaling.close();
  await t.close();
});

/** As if the participant had not been seen for ten minutes: the next sweep (a join's, a heartbeat's) marks them gone. */
async function unseenForLong(participantId: string): Promise<void> {
  await t.database.db.execute(sql`update participants set seen_at = now() - interval '10 minutes' where id = ${participantId}`);
}

describe('membership on every act', () => {
  it('should refuse the old token of an attendee who left once the room filled up, on the socket and over REST', async () => {
    const room = await t.createRoom({ maxParticipants: 2 });
    const grace = await t.join(room.slug, 'Grace');
    const socket = await connect(signaling.url, grace.token);
    expect((await socket.emitWithAck('join-room', { slug: room.slug })).ok).toBe(true);
    socket.close();
    await until(async () => (await findParticipant(t.database.db, room.roomId, grace.participantId))?.leftAt != null, 'Grace marked gone');

    // Her seat went to someone else: the room is full.
    await t.join(room.slug, 'Bob');
    await expect(connect(signaling.url, grace.token)).rejects.toThrow('unauthorized');
    const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: grace.token, body: { question: 'Still here?' } });
    expect(asked.status).toBe(403);
    expect(((await asked.json()) as { error: { code: string } }).error.code).toBe('participant_left');
    const present = await listCurrentParticipants(t.database.db, room.roomId);
    expect(present.map((p) => `${p.role}:${p.name}`).sort()).toEqual(['attendee:Bob', 'presenter:Ada']);
    // Joining again goes through the capacity check like anyone else.
    const again = await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: 'Grace' } });
    expect(again.status).toBe(409);
  });

  it('should refuse a REST-only attendee swept for a newcomer, and let the presenter come back', async () => {
    const room = await t.createRoom({ maxParticipants: 2 });
    const grace = await t.join(room.slug, 'Grace');
    await unseenForLong(grace.participantId);
    await t.join(room.slug, 'Bob');
    await expect(connect(signaling.url, grace.token)).rejects.toThrow('unauthorized');
    expect((await listCurrentParticipants(t.database.db, room.roomId)).length).toBe(2);
    // The presenter's seat is theirs until the room ends, however long they were away.
    await unseenForLong(room.participantId);
    await sweepAbsent(t.database.db, 90, room.roomId);
    const presenter = await connect(signaling.url, room.presenterToken);
    expect((await presenter.emitWithAck('join-room', { slug: room.slug })).ok).toBe(true);
  });

  it('should not let one person vote once per departed token', async () => {
    const room = await t.createRoom();
    const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: room.presenterToken, body: { question: 'Ship it?' } });
    const { questionId } = (await asked.json()) as { questionId: string };
    const departed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const mallory = await t.join(room.slug, 'Mallory');
      await unseenForLong(mallory.participantId);
      await sweepAbsent(t.database.db, 90, room.roomId);
      departed.push(mallory.token);
    }
    const statuses = [];
    for (const token of departed) {
      const voted = await t.call('PUT', `/api/rooms/${room.slug}/questions/${questionId}/vote`, { token });
      statuses.push(voted.status);
    }
    expect(statuses).toEqual([403, 403, 403]);
    const list = await t.call('GET', `/api/rooms/${room.slug}/questions`, { token: room.presenterToken });
    const { questions } = (await list.json()) as { questions: { id: string; votes: number }[] };
    expect(questions.find((q) => q.id === questionId)?.votes).toBe(0);
  });
});
