import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMessages } from '../db/chat.ts';
import { createTestApp, type CreatedRoom, type JoinedRoom, type TestApp } from './testing.ts';

let t: TestApp;
let room: CreatedRoom;
let attendee: JoinedRoom;
beforeAll(async () => {
  t = await createTestApp();
  room = await t.createRoom();
  attendee = await t.join(room.slug, 'Grace');
});
afterAll(() => t.close());

interface MessageBody {
  id: string;
  participantId: string | null;
  name: string | null;
  message: string;
  messageType: string;
  createdAt: string;
}
type Page = { messages: MessageBody[]; hasMore: boolean };

const send = (body: unknown, token = attendee.token, target = room) =>
  t.call('POST', `/api/rooms/${target.slug}/messages`, { token, body });

async function page(query: string, target = room, token = attendee.token): Promise<Page> {
  const res = await t.call('GET', `/api/rooms/${target.slug}/messages${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe('POST /api/rooms/:slug/messages', () => {
  it('should store the message as the token holder’s, answer 201 and broadcast it', async () => {
    t.broadcasts.calls.length = 0;
    const res = await send({ message: ' hello everyone ' });
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: MessageBody };
    expect(message).toMatchObject({ participantId: attendee.participantId, name: 'Grace', message: 'hello everyone', messageType: 'chat' });
    expect(t.broadcasts.calls).toEqual([{ kind: 'toRoom', roomId: room.roomId, event: 'new-chat-message', payload: { message } }]);
    expect((await page('?limit=1')).messages[0]).toEqual(message);
  });

  it('should return the first message for a repeated clientMessageId, store one and broadcast once', async () => {
    const before = await countMessages(t.database.db, room.roomId);
    t.broadcasts.calls.length = 0;
    const first = (await (await send({ message: 'once', clientMessageId: 'c-1' })).json()) as { message: MessageBody };
    const again = await send({ message: 'once, retried', clientMessageId: 'c-1' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
    expect(await countMessages(t.database.db, room.roomId)).toBe(before + 1);
    expect(t.broadcasts.calls).toHaveLength(1);
  });

  it('should store one message for 20 parallel sends with the same clientMessageId', async () => {
    const before = await countMessages(t.database.db, room.roomId);
    t.broadcasts.calls.length = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => send({ message: 'flaky network', clientMessageId: 'c-race' })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(await Promise.all(results.map(async (r) => ((await r.json()) as { message: MessageBody }).message.id)));
    expect(ids.size).toBe(1);
    expect(await countMessages(t.database.db, room.roomId)).toBe(before + 1);
    expect(t.broadcasts.calls).toHaveLength(1);
  });

  it('should keep clientMessageIds apart per participant', async () => {
    const other = await t.join(room.slug, 'Linus');
    const mine = (await (await send({ message: 'a', clientMessageId: 'shared' })).json()) as { message: MessageBody };
    const theirs = (await (await send({ message: 'b', clientMessageId: 'shared' }, other.token)).json()) as { message: MessageBody };
    expect(theirs.message.id).not.toBe(mine.message.id);
    expect(theirs.message.message).toBe('b');
  });

  it.each([
    ['an empty message', { message: '' }],
    ['a blank message', { message: ' \n ' }],
    ['a message over 2000 characters', { message: 'm'.repeat(2001) }],
    ['a clientMessageId over 100 characters', { message: 'ok', clientMessageId: 'c'.repeat(101) }],
    ['an empty clientMessageId', { message: 'ok', clientMessageId: '' }],
    ['a non-string message', { message: ['hi'] }],
  ])('should refuse %s with 400 and store nothing', async (_, body) => {
    const before = await countMessages(t.database.db, room.roomId);
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_error');
    expect(await countMessages(t.database.db, room.roomId)).toBe(before);
  });

  it('should answer 403 when participantId is someone else’s', async () => {
    const res = await send({ message: 'as the presenter', participantId: room.participantId });
    expect(res.status).toBe(403);
    expect((await send({ message: 'as myself', participantId: attendee.participantId })).status).toBe(201);
  });
});

describe('GET /api/rooms/:slug/messages', () => {
  it('should page newest first with hasMore, continuing with before', async () => {
    const quiet = await t.createRoom();
    const speaker = await t.join(quiet.slug);
    const sent: MessageBody[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await send({ message: `message ${i}` }, speaker.token, quiet);
      sent.push(((await res.json()) as { message: MessageBody }).message);
      // Paging goes by time, so distinct timestamps keep these page boundaries exact.
      await new Promise((r) => setTimeout(r, 2));
    }
    const first = await page('?limit=3', quiet, speaker.token);
    expect(first.messages.map((m) => m.message)).toEqual(['message 6', 'message 5', 'message 4']);
    expect(first.hasMore).toBe(true);
    const second = await page(`?limit=3&before=${encodeURIComponent(first.messages.at(-1)!.createdAt)}`, quiet, speaker.token);
    expect(second.messages.map((m) => m.message)).toEqual(['message 3', 'message 2', 'message 1']);
    const third = await page(`?limit=3&before=${encodeURIComponent(second.messages.at(-1)!.createdAt)}`, quiet, speaker.token);
    expect(third).toEqual({ messages: [sent[0]], hasMore: false });
  });

  it('should default to 50 messages and answer the same order twice', async () => {
    const busy = await t.createRoom();
    const speaker = await t.join(busy.slug);
    await Promise.all(Array.from({ length: 55 }, (_, i) => send({ message: `m${i}` }, speaker.token, busy)));
    const a = await page('', busy, speaker.token);
    const b = await page('', busy, speaker.token);
    expect(a.messages).toHaveLength(50);
    expect(a.hasMore).toBe(true);
    expect(b.messages.map((m) => m.id)).toEqual(a.messages.map((m) => m.id));
    const times = a.messages.map((m) => Date.parse(m.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  it('should page without gaps or repeats with beforeId, even through messages sent in the same instant', async () => {
    const busy = await t.createRoom();
    const speaker = await t.join(busy.slug);
    await Promise.all(Array.from({ length: 40 }, (_, i) => send({ message: `burst ${i}` }, speaker.token, busy)));
    const everything = await page('?limit=100', busy, speaker.token);
    expect(everything.messages).toHaveLength(40);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const next = await page(`?limit=7${cursor}`, busy, speaker.token);
      seen.push(...next.messages.map((m) => m.id));
      if (!next.hasMore) break;
      cursor = `&beforeId=${next.messages.at(-1)!.id}`;
    }
    expect(seen).toEqual(everything.messages.map((m) => m.id));
  });

  it('should answer 400 to a beforeId that names no message of this room, or comes with before', async () => {
    const elsewhere = await t.createRoom();
    const stranger = await t.join(elsewhere.slug);
    const foreign = (await (await send({ message: 'not yours' }, stranger.token, elsewhere)).json()) as { message: MessageBody };
    const own = (await page('?limit=1')).messages[0]!;
    for (const query of [`?beforeId=${foreign.message.id}`, `?beforeId=${crypto.randomUUID()}`, '?beforeId=42', `?beforeId=${own.id}&before=${encodeURIComponent(own.createdAt)}`]) {
      const res = await t.call('GET', `/api/rooms/${room.slug}/messages${query}`, { token: attendee.token });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
      expect(body.error.code).toBe('validation_error');
      expect(body.error.details[0]?.path).toBe('beforeId');
    }
  });

  it.each(['?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?limit=-1', '?limit=1e1', '?before=yesterday', '?before=2026-02-30T00:00:00Z', '?before=0000-01-01T00:00:00Z', '?limit=1&limit=2'])(
    'should answer 400 validation_error to %s',
    async (query) => {
      const res = await t.call('GET', `/api/rooms/${room.slug}/messages${query}`, { token: attendee.token });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_error');
    },
  );

  it('should accept a before time with an offset', async () => {
    const res = await page('?limit=100&before=2999-01-01T00:00:00%2B02:00');
    expect(res.messages.length).toBeGreaterThan(0);
  });
});
