import fc from 'fast-check';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../db/testing.ts';
import { listMessagesQuery, sendMessageBody } from './messages.ts';
import { answerBody, askBody, pinBody, voteBody } from './questions.ts';
import { createRoomBody, endRoomBody, joinBody } from './rooms.ts';
import { createTestApp, type CreatedRoom, type JoinedRoom, type TestApp } from './testing.ts';

let t: TestApp;
let room: CreatedRoom;
let attendee: JoinedRoom;
let questionId: string;
beforeAll(async () => {
  t = await createTestApp();
  room = await t.createRoom({ maxParticipants: 500 });
  attendee = await t.join(room.slug);
  const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: 'q?' } });
  questionId = ((await asked.json()) as { questionId: string }).questionId;
});
afterAll(() => t.close());

const RUNS = 40;

/** Any JSON at all, and objects that use the route's own field names with any JSON in them. */
function bodies(fields: string[]): fc.Arbitrary<unknown> {
  const value = fc.jsonValue({ maxDepth: 3 });
  const nearMiss = fc.dictionary(fc.constantFrom(...fields, 'participantId', '__proto__', 'constructor'), value, { maxKeys: fields.length + 2 });
  return fc.oneof(value, nearMiss, fc.record(Object.fromEntries(fields.map((f) => [f, fc.oneof(value, fc.string(), fc.string({ unit: 'binary' }))]))));
}

async function expectJsonError(res: Response, status?: number) {
  if (status !== undefined) expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  return body.error.code;
}

interface BodyRoute {
  name: string;
  schema: z.ZodType;
  fields: string[];
  /** What one run sends; the route's state is made fresh when a valid body would use it up. */
  target: () => Promise<{ method: string; path: string; token?: string }>;
}

const bodyRoutes: BodyRoute[] = [
  { name: 'POST /rooms', schema: createRoomBody, fields: ['title', 'presenterName', 'password', 'maxParticipants', 'settings'], target: async () => ({ method: 'POST', path: '/api/rooms' }) },
  { name: 'POST /rooms/:slug/join', schema: joinBody, fields: ['name', 'password'], target: async () => ({ method: 'POST', path: `/api/rooms/${room.slug}/join` }) },
  {
    name: 'DELETE /rooms/:slug',
    schema: endRoomBody,
    fields: ['participantId'],
    target: async () => {
      const fresh = await t.createRoom();
      return { method: 'DELETE', path: `/api/rooms/${fresh.slug}`, token: fresh.presenterToken };
    },
  },
  { name: 'POST /rooms/:slug/messages', schema: sendMessageBody, fields: ['message', 'clientMessageId'], target: async () => ({ method: 'POST', path: `/api/rooms/${room.slug}/messages`, token: attendee.token }) },
  { name: 'POST /rooms/:slug/questions', schema: askBody, fields: ['question'], target: async () => ({ method: 'POST', path: `/api/rooms/${room.slug}/questions`, token: attendee.token }) },
  { name: 'PUT /rooms/:slug/questions/:id/vote', schema: voteBody, fields: ['participantId'], target: async () => ({ method: 'PUT', path: `/api/rooms/${room.slug}/questions/${questionId}/vote`, token: attendee.token }) },
  { name: 'DELETE /rooms/:slug/questions/:id/vote', schema: voteBody, fields: ['participantId'], target: async () => ({ method: 'DELETE', path: `/api/rooms/${room.slug}/questions/${questionId}/vote`, token: attendee.token }) },
  { name: 'POST /rooms/:slug/questions/:id/answer', schema: answerBody, fields: ['answer'], target: async () => ({ method: 'POST', path: `/api/rooms/${room.slug}/questions/${questionId}/answer`, token: room.presenterToken }) },
  { name: 'POST /rooms/:slug/questions/:id/pin', schema: pinBody, fields: ['pinned'], target: async () => ({ method: 'POST', path: `/api/rooms/${room.slug}/questions/${questionId}/pin`, token: room.presenterToken }) },
];

describe.each(bodyRoutes)('$name with arbitrary JSON', (route) => {
  it('should answer 400 JSON and change nothing whenever the schema refuses the body, and never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies(route.fields), async (body) => {
        const { method, path, token } = await route.target();
        const before = await fingerprint(t.database);
        const res = await t.call(method, path, { token, body });
        expect(res.status).toBeLessThan(500);
        if (!route.schema.safeParse(body).success) {
          expect(await expectJsonError(res, 400)).toBe('validation_error');
          expect(await fingerprint(t.database)).toBe(before);
        } else if (res.status >= 400) {
          // A valid shape naming someone else as participantId.
          expect(await expectJsonError(res, 403)).toBe('forbidden');
          expect(await fingerprint(t.database)).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('should answer 400 invalid_json or a validation error to arbitrary text, never 5xx, changing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        fc.pre(!parses);
        const { method, path, token } = await route.target();
        const before = await fingerprint(t.database);
        const res = await t.app.request(path, {
          method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: text,
        });
        // Blank text on a route whose body is optional counts as no body.
        if (res.status < 400) {
          expect(text.trim()).toBe('');
          return;
        }
        expect([400]).toContain(res.status);
        await expectJsonError(res);
        expect(await fingerprint(t.database)).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('query strings', () => {
  const queries = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('limit', 'before'), fc.string()), fc.oneof(fc.string(), fc.integer().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))),
    { maxLength: 4 },
  );

  it('should answer GET messages with 200 or a 400 JSON error for any query, changing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(queries, async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const before = await fingerprint(t.database);
        const res = await t.call('GET', `/api/rooms/${room.slug}/messages?${query}`, { token: attendee.token });
        if (res.status !== 200) expect(await expectJsonError(res, 400)).toBe('validation_error');
        const parsed = listMessagesQuery.safeParse(Object.fromEntries(new URLSearchParams(query)));
        if (new Set(pairs.map(([k]) => k)).size === pairs.length) expect(res.status === 200).toBe(parsed.success);
        expect(await fingerprint(t.database)).toBe(before);
      }),
      { numRuns: 100 },
    );
  });

  it('should ignore queries on routes that take none', async () => {
    await fc.assert(
      fc.asyncProperty(queries, async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        expect((await t.call('GET', `/api/rooms/${room.slug}?${query}`)).status).toBe(200);
        expect((await t.call('GET', `/api/rooms/${room.slug}/questions?${query}`, { token: attendee.token })).status).toBe(200);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('path parameters and headers', () => {
  it('should answer 404 JSON for any slug or question id that names nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), async (raw) => {
        const segment = encodeURIComponent(raw.replace(/[\uD800-\uDFFF]/g, 'x'));
        const before = await fingerprint(t.database);
        const roomRes = await t.call('GET', `/api/rooms/${segment}`);
        expect(await expectJsonError(roomRes, 404)).toMatch(/^(room_not_found|not_found)$/);
        const voteRes = await t.call('PUT', `/api/rooms/${room.slug}/questions/${segment}/vote`, { token: attendee.token });
        expect(await expectJsonError(voteRes, 404)).toMatch(/^(question_not_found|not_found)$/);
        expect(await fingerprint(t.database)).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('should answer 401 JSON to any Authorization header that is not a live token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (header) => {
        let res: Response;
        try {
          res = await t.call('GET', `/api/rooms/${room.slug}/questions`, { headers: { authorization: header } });
        } catch {
          // fetch refuses a header value outside Latin-1 before any request is made.
          return;
        }
        expect(await expectJsonError(res, 401)).toBe('unauthorized');
      }),
      { numRuns: RUNS },
    );
  });
});
