import { describe, expect, it } from 'vitest';
import { addQuestion, findQuestion, listQuestions } from '../db/questions.ts';
import { barrier, createTestRoom, joinAs, nextEvent, recordEvents, useSignaling } from './testing.ts';

const live = useSignaling();

async function roomWithQuestion() {
  const { room, presenter, addAttendee } = await createTestRoom(live.db);
  const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
  const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
  const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
  const bobSocket = (await joinAs(live.url, bob, room.slug)).socket;
  const asked = await adaSocket.emitWithAck('ask-question', { question: 'What is a star topology?' });
  if (!asked.ok) throw new Error('could not ask');
  await Promise.all([presenterSocket, adaSocket, bobSocket].map(barrier));
  return { room, presenterSocket, adaSocket, bobSocket, ada, question: asked.question };
}

describe('ask-question', () => {
  it('should store the question, ack it and broadcast new-question', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const ada = await addAttendee('Ada');
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
    const received = nextEvent(presenterSocket, 'new-question');
    const ack = await adaSocket.emitWithAck('ask-question', { question: 'Will slides be shared?' });
    expect(ack).toMatchObject({ ok: true, question: { question: 'Will slides be shared?', participantId: ada.id, name: 'Ada', votes: 0 } });
    if (!ack.ok) return;
    expect(await received).toEqual({ question: ack.question });
    expect((await listQuestions(live.db, room.id, null)).map((q) => q.id)).toEqual([ack.question.id]);
  });

  it('should store and broadcast a retried clientQuestionId once, racing and after a reconnect', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    const seen = recordEvents(presenterSocket);
    const first = (await joinAs(live.url, ada, room.slug)).socket;
    const ask = (socket: typeof first) => socket.emitWithAck('ask-question', { question: 'Only once?', clientQuestionId: 'q-1' });
    const acks = await Promise.all([ask(first), ask(first), ask(first)]);
    const ids = new Set(acks.map((a) => (a.ok ? a.question.id : a.error.code)));
    expect(ids.size).toBe(1);
    // The connection drops before the ack is trusted; the page asks again on its new socket with the same id.
    first.disconnect();
    const again = (await joinAs(live.url, ada, room.slug)).socket;
    const retry = await ask(again);
    expect(retry).toMatchObject({ ok: true, question: { id: [...ids][0], question: 'Only once?', participantId: ada.id } });
    // Another participant may use the same id: it is the asker's, not the room's.
    const bobSocket = (await joinAs(live.url, bob, room.slug)).socket;
    const bobs = await ask(bobSocket);
    expect(bobs.ok && bobs.question.id).not.toBe([...ids][0]);
    await barrier(presenterSocket);
    expect(seen.filter((e) => e.event === 'new-question')).toHaveLength(2);
    expect((await listQuestions(live.db, room.id, null)).map((q) => q.question)).toEqual(['Only once?', 'Only once?']);
  });

  it('should announce again a retry of a question that another process stored and never announced', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const ada = await addAttendee('Ada');
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
    // What a process leaves when it dies between its commit and its announcement: the row, and no event.
    const stored = await addQuestion(live.db, { roomId: room.id, participantId: ada.id, question: 'Lost in the crash?', clientQuestionId: 'q-crash' });
    const seen = recordEvents(presenterSocket);
    const retry = await adaSocket.emitWithAck('ask-question', { question: 'Lost in the crash?', clientQuestionId: 'q-crash' });
    expect(retry.ok && retry.question.id).toBe(stored!.question.id);
    await barrier(presenterSocket);
    expect(seen.filter((e) => e.event === 'new-question').map((e) => (e.payload as { question: { id: string } }).question.id)).toEqual([stored!.question.id]);
    expect(await listQuestions(live.db, room.id, null)).toHaveLength(1);
  });

  it('should refuse a clientQuestionId that is empty or too long, and store nothing', async () => {
    const { room, addAttendee } = await createTestRoom(live.db);
    const ada = await addAttendee('Ada');
    const socket = (await joinAs(live.url, ada, room.slug)).socket;
    for (const clientQuestionId of ['', 'x'.repeat(101), 42]) {
      const result = await socket.emitWithAck('ask-question', { question: 'Bad id?', clientQuestionId } as never);
      expect(result).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    }
    expect(await listQuestions(live.db, room.id, null)).toEqual([]);
  });
});

describe('vote-question', () => {
  it('should count one vote per participant, broadcast the count, and withdraw it', async () => {
    const { presenterSocket, bobSocket, adaSocket, question } = await roomWithQuestion();
    const voted = nextEvent(presenterSocket, 'question-voted');
    expect(await bobSocket.emitWithAck('vote-question', { questionId: question.id, up: true })).toEqual({ ok: true, votes: 1 });
    expect(await voted).toEqual({ questionId: question.id, votes: 1 });
    expect(await bobSocket.emitWithAck('vote-question', { questionId: question.id, up: true })).toEqual({ ok: true, votes: 1 });
    expect(await adaSocket.emitWithAck('vote-question', { questionId: question.id, up: true })).toEqual({ ok: true, votes: 2 });
    expect(await bobSocket.emitWithAck('vote-question', { questionId: question.id, up: false })).toEqual({ ok: true, votes: 1 });
  });

  it('should answer question_not_found for a question of another room, and change nothing', async () => {
    const first = await roomWithQuestion();
    const second = await roomWithQuestion();
    const result = await first.bobSocket.emitWithAck('vote-question', { questionId: second.question.id, up: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'question_not_found' } });
    expect((await findQuestion(live.db, second.room.id, second.question.id))?.votes).toBe(0);
  });
});

describe('answer-question and pin-question', () => {
  it('should let the presenter answer, with question-answered to the room', async () => {
    const { room, presenterSocket, adaSocket, question } = await roomWithQuestion();
    const received = nextEvent(adaSocket, 'question-answered');
    expect(await presenterSocket.emitWithAck('answer-question', { questionId: question.id, answer: 'Everyone talks to the hub.' })).toEqual({
      ok: true,
    });
    expect(await received).toEqual({ questionId: question.id, answer: 'Everyone talks to the hub.', answeredAt: expect.any(String) });
    expect(await findQuestion(live.db, room.id, question.id)).toMatchObject({ isAnswered: true, answer: 'Everyone talks to the hub.' });
  });

  it('should let the presenter pin and unpin, with question-pinned to the room', async () => {
    const { room, presenterSocket, bobSocket, question } = await roomWithQuestion();
    const pinned = nextEvent(bobSocket, 'question-pinned');
    expect(await presenterSocket.emitWithAck('pin-question', { questionId: question.id, pinned: true })).toEqual({ ok: true });
    expect(await pinned).toEqual({ questionId: question.id, isPinned: true });
    const unpinned = nextEvent(bobSocket, 'question-pinned');
    await presenterSocket.emitWithAck('pin-question', { questionId: question.id, pinned: false });
    expect(await unpinned).toEqual({ questionId: question.id, isPinned: false });
    expect((await findQuestion(live.db, room.id, question.id))?.isPinned).toBe(false);
  });

  it('should refuse an attendee answering or pinning with forbidden, and change and broadcast nothing', async () => {
    const { room, presenterSocket, adaSocket, question } = await roomWithQuestion();
    const seen = recordEvents(presenterSocket);
    expect(await adaSocket.emitWithAck('answer-question', { questionId: question.id, answer: 'I know!' })).toMatchObject({
      error: { code: 'forbidden' },
    });
    expect(await adaSocket.emitWithAck('pin-question', { questionId: question.id, pinned: true })).toMatchObject({ error: { code: 'forbidden' } });
    await barrier(presenterSocket);
    expect(seen).toEqual([]);
    expect(await findQuestion(live.db, room.id, question.id)).toMatchObject({ isAnswered: false, isPinned: false, answer: null });
  });

  it('should refuse the presenter of another room with question_not_found', async () => {
    const first = await roomWithQuestion();
    const second = await roomWithQuestion();
    expect(await second.presenterSocket.emitWithAck('answer-question', { questionId: first.question.id, answer: 'Not mine' })).toMatchObject({
      error: { code: 'question_not_found' },
    });
    expect(await second.presenterSocket.emitWithAck('pin-question', { questionId: first.question.id, pinned: true })).toMatchObject({
      error: { code: 'question_not_found' },
    });
    expect(await findQuestion(live.db, first.room.id, first.question.id)).toMatchObject({ isAnswered: false, isPinned: false });
  });
});
