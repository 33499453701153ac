import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMessages } from '../db/chat.ts';
import { findQuestion } from '../db/questions.ts';
import { createPgliteTestDatabase } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

// `npm start` without DATABASE_URL runs on embedded PGlite: the races must hold there too.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ database: await createPgliteTestDatabase() });
});
afterAll(() => t.database.destroy());

describe('the API on embedded PGlite', () => {
  it('should count 20 parallel votes of one participant as one', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'q?' } });
    const { questionId } = (await asked.json()) as { questionId: string };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call('PUT', `/api/rooms/${room.slug}/questions/${questionId}/vote`, { token: attendee.token })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await findQuestion(t.database.db, room.roomId, questionId))?.votes).toBe(1);
  });

  it('should store one message for 20 parallel sends with the same clientMessageId', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: 'once', clientMessageId: 'same' } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(await countMessages(t.database.db, room.roomId)).toBe(1);
  });

  it('should give the last seat to exactly one of racing joins, and end a room once', async () => {
    const room = await t.createRoom({ maxParticipants: 2 });
    const joins = await Promise.all(Array.from({ length: 6 }, (_, i) => t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: `R${i}` } })));
    expect(joins.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const ends = await Promise.all([1, 2].map(() => t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken })));
    expect(ends.map((r) => r.status).sort()).toEqual([200, 410]);
  });
});
