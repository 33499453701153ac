import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQuestion } from '../db/questions.ts';
import { createTestApp, type CreatedRoom, type JoinedRoom, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

interface QuestionBody {
  id: string;
  question: string;
  votes: number;
  isPinned: boolean;
  isAnswered: boolean;
  answer: string | null;
  answeredAt: string | null;
  votedByMe: boolean;
  name: string | null;
  participantId: string | null;
}

async function roomWithAttendees(n = 2): Promise<{ room: CreatedRoom; attendees: JoinedRoom[] }> {
  const room = await t.createRoom();
  const attendees = [];
  for (let i = 0; i < n; i++) attendees.push(await t.join(room.slug, `Attendee ${i}`));
  return { room, attendees };
}

async function ask(room: CreatedRoom, token: string, question: string): Promise<string> {
  const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token, body: { question } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { questionId: string }).questionId;
}

async function list(room: CreatedRoom, token: string): Promise<QuestionBody[]> {
  const res = await t.call('GET', `/api/rooms/${room.slug}/questions`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { questions: QuestionBody[] }).questions;
}

describe('POST /api/rooms/:slug/questions', () => {
  it('should store the question as the token holder’s, answer 201 and broadcast it', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    t.broadcasts.calls.length = 0;
    const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, {
      token: attendees[0]!.token,
      body: { question: ' What is next? ', participantId: attendees[0]!.participantId },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { questionId: string; question: QuestionBody };
    expect(body.question).toMatchObject({ id: body.questionId, question: 'What is next?', votes: 0, name: 'Attendee 0', participantId: attendees[0]!.participantId });
    expect(await findQuestion(t.database.db, room.roomId, body.questionId)).toMatchObject({ question: 'What is next?' });
    expect(t.broadcasts.calls).toEqual([{ kind: 'toRoom', roomId: room.roomId, event: 'new-question', payload: { question: body.question } }]);
  });

  it('should store and broadcast a retried clientQuestionId once, even when the retries race', async () => {
    const { room, attendees } = await roomWithAttendees(2);
    t.broadcasts.calls.length = 0;
    const post = (token: string) => t.call('POST', `/api/rooms/${room.slug}/questions`, { token, body: { question: 'Asked twice?', clientQuestionId: 'q-1' } });
    const raced = await Promise.all([post(attendees[0]!.token), post(attendees[0]!.token), post(attendees[0]!.token)]);
    expect(raced.map((r) => r.status)).toEqual([201, 201, 201]);
    const ids = new Set(await Promise.all(raced.map(async (r) => ((await r.json()) as { questionId: string }).questionId)));
    expect(ids.size).toBe(1);
    // Later (after a restart, say): still the first question.
    const later = (await (await post(attendees[0]!.token)).json()) as { questionId: string; question: QuestionBody };
    expect(later.questionId).toBe([...ids][0]);
    expect(later.question).toMatchObject({ question: 'Asked twice?', participantId: attendees[0]!.participantId });
    // The id is the asker's own: another participant's same id is another question.
    const other = (await (await post(attendees[1]!.token)).json()) as { questionId: string };
    expect(other.questionId).not.toBe(later.questionId);
    expect((await list(room, room.presenterToken)).map((q) => q.question)).toEqual(['Asked twice?', 'Asked twice?']);
    expect(t.broadcasts.calls.filter((c) => c.kind === 'toRoom' && c.event === 'new-question')).toHaveLength(2);
  });

  it('should answer 400 for a clientQuestionId that is empty, too long or not a string, and store nothing', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    for (const clientQuestionId of ['', 'x'.repeat(101), 42]) {
      const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendees[0]!.token, body: { question: 'Bad id?', clientQuestionId } });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('validation_error');
    }
    expect(await list(room, room.presenterToken)).toEqual([]);
  });

  it('should answer 403 when the body names another participant, and store nothing', async () => {
    const { room, attendees } = await roomWithAttendees(2);
    const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, {
      token: attendees[0]!.token,
      body: { question: 'Impersonated?', participantId: attendees[1]!.participantId },
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('forbidden');
    expect(await list(room, room.presenterToken)).toEqual([]);
  });

  it.each([[''], ['   '], ['q'.repeat(1001)], [17]])('should refuse the question %j with 400', async (question) => {
    const { room, attendees } = await roomWithAttendees(1);
    const res = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendees[0]!.token, body: { question } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details[0]?.path).toBe('question');
  });
});

describe('GET /api/rooms/:slug/questions', () => {
  it('should order pinned first, then by votes, then oldest first, with votedByMe per caller', async () => {
    const { room, attendees } = await roomWithAttendees(3);
    const [a, b, c] = attendees as [JoinedRoom, JoinedRoom, JoinedRoom];
    const old = await ask(room, a.token, 'oldest, no votes');
    const popular = await ask(room, b.token, 'two votes');
    const young = await ask(room, c.token, 'youngest, no votes');
    const pinned = await ask(room, c.token, 'pinned, no votes');
    const liked = await ask(room, a.token, 'one vote');
    for (const voter of [a, b]) await t.call('PUT', `/api/rooms/${room.slug}/questions/${popular}/vote`, { token: voter.token });
    await t.call('PUT', `/api/rooms/${room.slug}/questions/${liked}/vote`, { token: c.token });
    await t.call('POST', `/api/rooms/${room.slug}/questions/${pinned}/pin`, { token: room.presenterToken, body: { pinned: true } });

    const seenByA = await list(room, a.token);
    expect(seenByA.map((q) => q.id)).toEqual([pinned, popular, liked, old, young]);
    expect(seenByA.map((q) => q.votedByMe)).toEqual([false, true, false, false, false]);
    expect((await list(room, c.token)).map((q) => q.votedByMe)).toEqual([false, false, true, false, false]);
    expect(Object.keys(seenByA[0]!).sort()).toEqual(
      ['answer', 'answeredAt', 'createdAt', 'id', 'isAnonymous', 'isAnswered', 'isPinned', 'name', 'participantId', 'question', 'status', 'votedByMe', 'votes'],
    );
  });
});

describe('PUT and DELETE /api/rooms/:slug/questions/:id/vote', () => {
  it('should count one vote per participant however often it is cast, and broadcast the count', async () => {
    const { room, attendees } = await roomWithAttendees(2);
    const id = await ask(room, attendees[0]!.token, 'vote for me');
    t.broadcasts.calls.length = 0;
    const path = `/api/rooms/${room.slug}/questions/${id}/vote`;
    for (const expected of [1, 1]) {
      const res = await t.call('PUT', path, { token: attendees[0]!.token });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ votes: expected });
    }
    expect(await (await t.call('PUT', path, { token: attendees[1]!.token })).json()).toEqual({ votes: 2 });
    expect(await (await t.call('DELETE', path, { token: attendees[0]!.token })).json()).toEqual({ votes: 1 });
    expect(await (await t.call('DELETE', path, { token: attendees[0]!.token })).json()).toEqual({ votes: 1 });
    expect(t.broadcasts.calls.at(-1)).toEqual({ kind: 'toRoom', roomId: room.roomId, event: 'question-voted', payload: { questionId: id, votes: 1 } });
  });

  it('should count 20 parallel votes of one participant as one', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'race');
    const path = `/api/rooms/${room.slug}/questions/${id}/vote`;
    const results = await Promise.all(Array.from({ length: 20 }, () => t.call('PUT', path, { token: attendees[0]!.token })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await findQuestion(t.database.db, room.roomId, id))?.votes).toBe(1);
  });

  it('should count parallel votes of many participants each once, and parallel withdrawals to zero', async () => {
    const { room, attendees } = await roomWithAttendees(10);
    const id = await ask(room, attendees[0]!.token, 'popular');
    const path = `/api/rooms/${room.slug}/questions/${id}/vote`;
    await Promise.all(attendees.flatMap((a) => [1, 2].map(() => t.call('PUT', path, { token: a.token }))));
    expect((await findQuestion(t.database.db, room.roomId, id))?.votes).toBe(10);
    await Promise.all(attendees.flatMap((a) => [1, 2].map(() => t.call('DELETE', path, { token: a.token }))));
    expect((await findQuestion(t.database.db, room.roomId, id))?.votes).toBe(0);
  });

  it('should answer 404 question_not_found for a question of another room, and change nothing', async () => {
    const { room: elsewhere, attendees: others } = await roomWithAttendees(1);
    const foreign = await ask(elsewhere, others[0]!.token, 'not yours');
    const { room, attendees } = await roomWithAttendees(1);
    const res = await t.call('PUT', `/api/rooms/${room.slug}/questions/${foreign}/vote`, { token: attendees[0]!.token });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('question_not_found');
    expect((await findQuestion(t.database.db, elsewhere.roomId, foreign))?.votes).toBe(0);
  });

  it.each(['not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00'])('should answer 404 for the question id %j', async (id) => {
    const { room, attendees } = await roomWithAttendees(1);
    const res = await t.call('PUT', `/api/rooms/${room.slug}/questions/${id}/vote`, { token: attendees[0]!.token });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('question_not_found');
  });

  it('should answer 403 to a vote whose participantId is someone else’s', async () => {
    const { room, attendees } = await roomWithAttendees(2);
    const id = await ask(room, attendees[0]!.token, 'q');
    const res = await t.call('PUT', `/api/rooms/${room.slug}/questions/${id}/vote`, {
      token: attendees[0]!.token,
      body: { participantId: attendees[1]!.participantId },
    });
    expect(res.status).toBe(403);
    expect((await findQuestion(t.database.db, room.roomId, id))?.votes).toBe(0);
    const own = await t.call('PUT', `/api/rooms/${room.slug}/questions/${id}/vote`, {
      token: attendees[0]!.token,
      body: { participantId: attendees[0]!.participantId },
    });
    expect(await own.json()).toEqual({ votes: 1 });
  });
});

describe('POST /api/rooms/:slug/questions/:id/answer', () => {
  it('should let the presenter answer, set answeredAt, broadcast it and tell the asker', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'how?');
    t.broadcasts.calls.length = 0;
    const res = await t.call('POST', `/api/rooms/${room.slug}/questions/${id}/answer`, { token: room.presenterToken, body: { answer: 'Like this.' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; question: QuestionBody };
    expect(body.success).toBe(true);
    expect(body.question).toMatchObject({ isAnswered: true, answer: 'Like this.' });
    const stored = await findQuestion(t.database.db, room.roomId, id);
    expect(stored).toMatchObject({ isAnswered: true, answer: 'Like this.' });
    expect(stored?.answeredAt).toBeInstanceOf(Date);
    expect(t.broadcasts.calls).toEqual([
      { kind: 'toRoom', roomId: room.roomId, event: 'question-answered', payload: { questionId: id, answer: 'Like this.', answeredAt: body.question.answeredAt } },
      { kind: 'toParticipants', participantIds: [attendees[0]!.participantId], event: 'your-question-answered', payload: { questionId: id, question: 'how?', answer: 'Like this.' } },
    ]);
  });

  it('should mark a question answered without an answer, keeping it optional', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'recorded?');
    const res = await t.call('POST', `/api/rooms/${room.slug}/questions/${id}/answer`, { token: room.presenterToken, body: {} });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { question: QuestionBody }).question).toMatchObject({ isAnswered: true, answer: null, answeredAt: expect.any(String) });
    expect(await findQuestion(t.database.db, room.roomId, id)).toMatchObject({ isAnswered: true, answer: null });
  });

  it('should refuse an attendee with 403, a bad answer with 400 and an unknown question with 404', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'how?');
    const path = `/api/rooms/${room.slug}/questions/${id}/answer`;
    const byAttendee = await t.call('POST', path, { token: attendees[0]!.token, body: { answer: 'Self-answered' } });
    expect(byAttendee.status).toBe(403);
    for (const answer of ['', ' ', 'a'.repeat(2001), 17]) {
      expect((await t.call('POST', path, { token: room.presenterToken, body: { answer } })).status).toBe(400);
    }
    const unknown = await t.call('POST', `/api/rooms/${room.slug}/questions/${crypto.randomUUID()}/answer`, { token: room.presenterToken, body: { answer: 'x' } });
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('question_not_found');
    expect(await findQuestion(t.database.db, room.roomId, id)).toMatchObject({ isAnswered: false, answer: null });
  });
});

describe('POST /api/rooms/:slug/questions/:id/pin', () => {
  it('should let the presenter pin and unpin, broadcasting each change', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'pin me');
    const path = `/api/rooms/${room.slug}/questions/${id}/pin`;
    t.broadcasts.calls.length = 0;
    for (const pinned of [true, false]) {
      const res = await t.call('POST', path, { token: room.presenterToken, body: { pinned } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { question: QuestionBody }).question.isPinned).toBe(pinned);
      expect((await findQuestion(t.database.db, room.roomId, id))?.isPinned).toBe(pinned);
    }
    expect(t.broadcasts.calls.map((c) => c.kind === 'toRoom' && c.payload)).toEqual([
      { questionId: id, isPinned: true },
      { questionId: id, isPinned: false },
    ]);
  });

  it('should refuse an attendee with 403 and a non-boolean with 400', async () => {
    const { room, attendees } = await roomWithAttendees(1);
    const id = await ask(room, attendees[0]!.token, 'pin me');
    const path = `/api/rooms/${room.slug}/questions/${id}/pin`;
    expect((await t.call('POST', path, { token: attendees[0]!.token, body: { pinned: true } })).status).toBe(403);
    for (const pinned of ['true', 1, null, undefined]) {
      expect((await t.call('POST', path, { token: room.presenterToken, body: { pinned } })).status).toBe(400);
    }
    expect((await findQuestion(t.database.db, room.roomId, id))?.isPinned).toBe(false);
  });
});
