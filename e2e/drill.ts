// Test helpers for the failure drills: a room, participants that resume as the UI does, steady traffic, and the checks.
import { io } from 'socket.io-client';
import type { ChatMessageBody, QuestionBody } from '../core/schemas.ts';
import type { TestClient } from '../signaling/testing.ts';
import { expect } from 'vitest';

export interface ResumingClient {
  name: string;
  socket: TestClient;
  /** What the participant's room shows: live events and re-read history, merged by id. */
  messages: Map<string, ChatMessageBody>;
  questions: Map<string, QuestionBody>;
  /** How many times each message or question id arrived as a live event (a replay twice is a duplicate). */
  deliveries: Map<string, number>;
  /**
   * Ids of what this client sent more than once before an ack: a process that stored it and died unanswered may
   * have announced it already, and the survivor announces the retry again (pages merge by id).
   */
  retried: Set<string>;
  /** Connections that joined again (not recovered) and that the server recovered, after the first. */
  rejoins: number;
  recoveries: number;
  /** Times the connection dropped. */
  drops: number;
  /** Resolves once the client is connected and joined (or recovered) since its last drop. */
  resumed(timeoutMs?: number): Promise<void>;
  /** Acks that refused, by error code (e.g. `unavailable` while the database is down). */
  refusals: Map<string, number>;
  /** Resolves once the socket is connected and joined (or recovered) again after `since` (ms, performance.now()). */
  liveSince(since: number, timeoutMs?: number): Promise<void>;
  /**
   * Sends a chat message and resolves with the stored message once acked; an unanswered or refused attempt is
   * sent again with the same `clientMessageId` after the connection is back, until `deadline`.
   */
  say(text: string, deadline: number): Promise<ChatMessageBody | null>;
  /** Asks a question, resent with the same `clientQuestionId` like `say`, until acked or `deadline`. */
  ask(text: string, deadline: number): Promise<QuestionBody | null>;
  close(): void;
}

const ACK_TIMEOUT_MS = 3_000;

/**
 * Connects with the UI's settings and resume protocol (`ui/room/room-session.ts`): on every connect that the
 * server did not recover, `join-room` again and re-read chat and questions over REST (at `apiUrl` when the API
 * runs apart).
 */
export function resumingClient(url: string, token: string, slug: string, name: string, apiUrl = url): ResumingClient {
  const socket: TestClient = io(url, {
    auth: { token },
    transports: ['websocket', 'polling'],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1_000,
  });
  let liveAt = -1;
  let droppedAt = -1;
  let connects = 0;
  const client: ResumingClient = {
    name,
    socket,
    messages: new Map(),
    questions: new Map(),
    deliveries: new Map(),
    retried: new Set(),
    rejoins: 0,
    recoveries: 0,
    refusals: new Map(),
    drops: 0,
    resumed: (timeoutMs) => client.liveSince(Math.max(0, droppedAt), timeoutMs),
    async liveSince(since, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs;
      while (liveAt < since) {
        if (performance.now() > deadline) throw new Error(`${name} was not live again within ${timeoutMs} ms`);
        await new Promise((done) => setTimeout(done, 50));
      }
    },
    say: (text, deadline) =>
      resend(deadline, { roomSlug: slug, message: text, clientMessageId: crypto.randomUUID() }, 'chat-message', (ack) => ack.message),
    ask: (text, deadline) => resend(deadline, { question: text, clientQuestionId: crypto.randomUUID() }, 'ask-question', (ack) => ack.question),
    close: () => socket.close(),
  };

  type Ack = { ok: boolean; error?: { code: string }; message?: ChatMessageBody; question?: QuestionBody };
  const send = async (event: 'chat-message' | 'ask-question', payload: object): Promise<Ack | null> => {
    if (!socket.connected) return null;
    try {
      const emit = socket.timeout(ACK_TIMEOUT_MS).emitWithAck as (e: string, p: unknown) => Promise<Ack>;
      const result = await emit.call(socket.timeout(ACK_TIMEOUT_MS), event, payload);
      if (!result.ok) client.refusals.set(result.error!.code, (client.refusals.get(result.error!.code) ?? 0) + 1);
      return result;
    } catch {
      return null;
    }
  };

  /** Sends until acked or `deadline`: an unanswered or refused attempt goes again, with the same client id, 100 ms later. */
  async function resend<T extends { id: string }>(deadline: number, payload: object, event: 'chat-message' | 'ask-question', pick: (ack: Ack) => T | undefined): Promise<T | null> {
    for (let attempt = 0; performance.now() < deadline; attempt++) {
      const result = await send(event, payload);
      const value = result?.ok ? pick(result) : undefined;
      if (value && attempt > 0) client.retried.add(value.id);
      if (value) return value;
      await new Promise((done) => setTimeout(done, 100));
    }
    return null;
  }

  const deliver = (id: string) => client.deliveries.set(id, (client.deliveries.get(id) ?? 0) + 1);
  socket.on('new-chat-message', ({ message }) => {
    deliver(message.id);
    client.messages.set(message.id, message);
  });
  socket.on('new-question', ({ question }) => {
    deliver(question.id);
    client.questions.set(question.id, question);
  });
  socket.on('disconnect', () => {
    client.drops++;
    droppedAt = performance.now();
  });
  socket.on('connect', async () => {
    const first = connects++ === 0;
    if (socket.recovered) {
      client.recoveries++;
      liveAt = performance.now();
      return;
    }
    try {
      const joined = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join-room', { slug });
      if (!joined.ok) return;
      // As the UI: after a drop, page back until a message already shown (the whole room here, at most).
      const [messages, questions] = await Promise.all([
        first ? history<{ messages: ChatMessageBody[] }>(apiUrl, `/api/rooms/${slug}/messages?limit=50`, token).then((page) => page.messages) : allMessages(apiUrl, slug, token),
        history<{ questions: QuestionBody[] }>(apiUrl, `/api/rooms/${slug}/questions`, token),
      ]);
      for (const message of messages) client.messages.set(message.id, message);
      for (const question of questions.questions) client.questions.set(question.id, question);
      if (!first) client.rejoins++;
      liveAt = performance.now();
    } catch {
      // The server went away again while joining; the next connect tries again.
    }
  });
  return client;
}

async function history<T>(url: string, path: string, token: string): Promise<T> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Every chat message of a room, oldest first, paged through `beforeId` as far back as the room goes. */
export async function allMessages(url: string, slug: string, token: string): Promise<ChatMessageBody[]> {
  const all: ChatMessageBody[] = [];
  let beforeId: string | undefined;
  for (;;) {
    const page = await history<{ messages: ChatMessageBody[]; hasMore: boolean }>(
      url,
      `/api/rooms/${slug}/messages?limit=100${beforeId ? `&beforeId=${beforeId}` : ''}`,
      token,
    );
    all.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return all.reverse();
    beforeId = page.messages.at(-1)!.id;
  }
}

/** Texts that occur more than once. */
export function repeated(texts: string[]): string[] {
  const seen = new Set<string>();
  return texts.filter((text) => (seen.has(text) ? true : (seen.add(text), false)));
}

export interface DrillRoom {
  slug: string;
  presenterToken: string;
  tokens: string[];
}

async function post<T>(url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A room with its presenter and `attendees` attendees joined over REST. */
export async function drillRoom(url: string, attendees: number): Promise<DrillRoom> {
  const { slug, presenterToken } = await post<{ slug: string; presenterToken: string }>(url, '/api/rooms', {
    title: 'Drill',
    presenterName: 'Presenter',
    maxParticipants: 50,
  });
  const tokens: string[] = [];
  for (let i = 0; i < attendees; i++) tokens.push((await post<{ token: string }>(url, `/api/rooms/${slug}/join`, { name: `Attendee ${i}` })).token);
  return { slug, presenterToken, tokens };
}

/**
 * Every participant sends chat (and now and then a question) in a loop until `stop()`; each message is resent
 * with its id until acked, so what the loop returns is what the server acknowledged.
 */
export function traffic(clients: ResumingClient[], gapMs: number) {
  let running = true;
  const loops = clients.map(async (client) => {
    const said: string[] = [];
    const asked: string[] = [];
    for (let i = 0; running; i++) {
      const text = `${client.name} #${i}`;
      if (i % 5 === 4) {
        if (await client.ask(`Question from ${text}?`, performance.now() + 40_000)) asked.push(`Question from ${text}?`);
      } else if (await client.say(text, performance.now() + 40_000)) said.push(text);
      await new Promise((done) => setTimeout(done, gapMs));
    }
    return { said, asked };
  });
  return {
    async stop() {
      running = false;
      const results = await Promise.all(loops);
      return { said: results.flatMap((r) => r.said), asked: results.flatMap((r) => r.asked) };
    },
  };
}

const poll = { timeout: 30_000, interval: 200 };

/** What the room holds after a drill: every acked message and question there once, every client's view complete. */
export async function expectNothingLostNoDuplicate(
  url: string,
  room: DrillRoom,
  clients: ResumingClient[],
  acked: { said: string[]; asked: string[] },
): Promise<void> {
  const stored = await allMessages(url, room.slug, room.presenterToken);
  const storedTexts = stored.map((m) => m.message);
  expect(acked.said.length).toBeGreaterThan(0);
  for (const text of acked.said) expect(storedTexts).toContain(text);
  expect(repeated(storedTexts)).toEqual([]);
  const questions = (await (await fetch(`${url}/api/rooms/${room.slug}/questions`, { headers: { authorization: `Bearer ${room.presenterToken}` } })).json()) as {
    questions: Array<{ id: string; question: string }>;
  };
  const questionTexts = questions.questions.map((q) => q.question);
  for (const text of acked.asked) expect(questionTexts).toContain(text);
  expect(repeated(questionTexts)).toEqual([]);
  for (const client of clients) {
    // Live events and the history read on resume, merged by id as the UI does: all of it, once.
    await expect.poll(() => stored.filter((m) => !client.messages.has(m.id)).map((m) => m.message), poll).toEqual([]);
    await expect.poll(() => questions.questions.filter((q) => !client.questions.has(q.id)).map((q) => q.question), poll).toEqual([]);
    // Twice only what a sender had to retry (see `retried`), never more.
    const retried = new Set(clients.flatMap((c) => [...c.retried]));
    expect([...client.deliveries].filter(([id, n]) => n > (retried.has(id) ? 2 : 1))).toEqual([]);
  }
}
