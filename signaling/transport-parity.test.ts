// REST and the socket refuse the same bad input the same way, since both hand it to the room core's one schema per action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ANSWER_LENGTH, MAX_CHAT_MESSAGE_LENGTH, MAX_CLIENT_MESSAGE_ID_LENGTH, MAX_QUESTION_LENGTH } from '../core/limits.ts';
import { createTestApp, type TestApp } from '../api/testing.ts';
import { listMessages } from '../db/chat.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, connect, startSignaling, type RunningSignaling, type TestClient } from './testing.ts';

let database: TestDatabase;
let server: RunningSignaling;
let rest: TestApp;
let slug: string;
let presenterToken: string;
let roomId: string;
let socket: TestClient;
let questionId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startSignaling(database.db, { RATE_LIMITS: 'off' });
  rest = await createTestApp({ database });
  const created = await rest.createRoom();
  ({ slug, presenterToken, roomId } = created);
  socket = await connect(server.url, presenterToken);
  expect(await socket.emitWithAck('join-room', { slug })).toMatchObject({ ok: true });
  const asked = await socket.emitWithAck('ask-question', { question: 'Something to answer?' });
  if (!asked.ok) throw new Error(asked.error.message);
  questionId = asked.question.id;
});

afterAll(async () => {
  closeClients();
  await server?.close();
  await database?.destroy();
});

interface Case {
  name: string;
  rest: { method: string; path: () => string; body: Record<string, unknown> };
  socket: { event: 'chat-message' | 'ask-question' | 'answer-question'; payload: () => Record<string, unknown> };
}

const NUL = 'before\u0000after';

function chat(body: Record<string, unknown>, name: string): Case {
  return {
    name,
    rest: { method: 'POST', path: () => `/api/rooms/${slug}/messages`, body },
    socket: { event: 'chat-message', payload: () => ({ roomSlug: slug, ...body }) },
  };
}

function ask(question: string, name: string): Case {
  return {
    name,
    rest: { method: 'POST', path: () => `/api/rooms/${slug}/questions`, body: { question } },
    socket: { event: 'ask-question', payload: () => ({ question }) },
  };
}

function answer(text: string, name: string): Case {
  return {
    name,
    rest: { method: 'POST', path: () => `/api/rooms/${slug}/questions/${questionId}/answer`, body: { answer: text } },
    socket: { event: 'answer-question', payload: () => ({ questionId, answer: text }) },
  };
}

const refused: Case[] = [
  chat({ message: NUL }, 'a chat message with a NUL character'),
  chat({ message: 'x'.repeat(MAX_CHAT_MESSAGE_LENGTH + 1) }, 'a chat message over the limit'),
  chat({ message: '   ' }, 'a chat message of spaces only'),
  chat({ message: 'hi', clientMessageId: NUL }, 'a clientMessageId with a NUL character'),
  chat({ message: 'hi', clientMessageId: 'c'.repeat(MAX_CLIENT_MESSAGE_ID_LENGTH + 1) }, 'a clientMessageId over the limit'),
  chat({ message: 'hi', clientMessageId: '' }, 'an empty clientMessageId'),
  ask(NUL, 'a question with a NUL character'),
  ask('q'.repeat(MAX_QUESTION_LENGTH + 1), 'a question over the limit'),
  answer(NUL, 'an answer with a NUL character'),
  answer('a'.repeat(MAX_ANSWER_LENGTH + 1), 'an answer over the limit'),
];

describe('the same refusal on REST and on the socket', () => {
  it.each(refused)('should refuse $name with the same validation error and store nothing', async (c) => {
    const before = (await listMessages(database.db, roomId, { limit: 100 })).messages.length;
    const res = await rest.call(c.rest.method, c.rest.path(), { token: presenterToken, body: c.rest.body });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(error.code).toBe('validation_error');
    const first = error.details[0]!;

    const ack = await socket.emitWithAck(c.socket.event, c.socket.payload() as never);
    expect(ack).toEqual({ ok: false, error: { code: 'validation_error', message: `${first.path}: ${first.message}` } });
    expect((await listMessages(database.db, roomId, { limit: 100 })).messages.length).toBe(before);
  });

  it('should accept text at exactly each limit on both', async () => {
    const longest = 'x'.repeat(MAX_CHAT_MESSAGE_LENGTH);
    const res = await rest.call('POST', `/api/rooms/${slug}/messages`, {
      token: presenterToken,
      body: { message: longest, clientMessageId: 'r'.repeat(MAX_CLIENT_MESSAGE_ID_LENGTH) },
    });
    expect(res.status).toBe(201);
    const ack = await socket.emitWithAck('chat-message', { roomSlug: slug, message: longest, clientMessageId: 's'.repeat(MAX_CLIENT_MESSAGE_ID_LENGTH) });
    expect(ack).toMatchObject({ ok: true, message: { message: longest } });
    const asked = await socket.emitWithAck('ask-question', { question: 'q'.repeat(MAX_QUESTION_LENGTH) });
    expect(asked.ok).toBe(true);
    const answered = await rest.call('POST', `/api/rooms/${slug}/questions/${questionId}/answer`, {
      token: presenterToken,
      body: { answer: 'a'.repeat(MAX_ANSWER_LENGTH) },
    });
    expect(answered.status).toBe(200);
  });
});
