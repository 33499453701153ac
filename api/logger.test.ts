// Logs on the real app: one line per request with its id, and no names, messages, passwords or tokens anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, serializeError } from '../core/logger.ts';
import { createRoom } from '../db/rooms.ts';
import { createTestDatabase } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

/** A pino destination that keeps every line it is given. */
function captureLines() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('request logs', () => {
  let t: TestApp;
  const capture = captureLines();

  beforeAll(async () => {
    t = await createTestApp({ deps: { logger: createLogger({ level: 'info', destination: capture.destination }) } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should write one line per request with method, route pattern, status, duration and the X-Request-Id', async () => {
    capture.lines.length = 0;
    const res = await t.call('GET', '/api/health');
    const room = await t.createRoom();
    const missing = await t.call('GET', '/api/rooms/nobody-has-this-room');
    const lines = capture.parsed();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', method: 'GET', route: '/api/health', status: 200, requestId: res.headers.get('x-request-id') });
    expect(lines[0]!.durationMs).toEqual(expect.any(Number));
    expect(lines[0]!.time).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/));
    expect(lines[1]).toMatchObject({ method: 'POST', route: '/api/rooms', status: 201 });
    expect(lines[2]).toMatchObject({ method: 'GET', route: '/api/rooms/:slug', status: 404, requestId: missing.headers.get('x-request-id') });
    expect(JSON.stringify(lines)).not.toContain(room.slug);
  });

  it('should leave a room password, names, a chat message, a question and every token out of the log', async () => {
    capture.lines.length = 0;
    const secrets = {
      password: 'correct-horse-battery-staple',
      presenter: 'Ada Lovelace-Byron',
      attendee: 'Grace Brewster Hopper',
      chat: 'the launch code is 0000 do not share',
      question: 'is the quarterly number really 42?',
    };
    const room = await t.createRoom({ presenterName: secrets.presenter, password: secrets.password });
    const attendee = await t.join(room.slug, secrets.attendee, secrets.password);
    const wrong = await t.call('POST', `/api/rooms/${room.slug}/join`, { body: { name: secrets.attendee, password: `${secrets.password}!` } });
    expect(wrong.status).toBe(401);
    const sent = await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: attendee.token, body: { message: secrets.chat } });
    expect(sent.status).toBe(201);
    const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: attendee.token, body: { question: secrets.question } });
    expect(asked.status).toBe(201);
    const output = capture.lines.join('');
    expect(capture.lines).toHaveLength(5);
    for (const secret of [...Object.values(secrets), room.presenterToken, attendee.token]) expect(output).not.toContain(secret);
  });

  it('should log an unhandled error once and return its request id in the 500 body', async () => {
    const failing = captureLines();
    // A database that has gone away: the query throws and nothing of ours catches it.
    const gone = await createTestDatabase({ migrate: false });
    await gone.destroy();
    const broken = await createTestApp({
      database: t.database,
      deps: { database: gone, logger: createLogger({ level: 'info', destination: failing.destination }) },
    });
    const res = await broken.call('GET', '/api/rooms/abcdefgh12');
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side', requestId } });
    const lines = failing.parsed();
    expect(lines.map((l) => l.msg)).toEqual(['unhandled error', 'request failed']);
    expect(lines[0]).toMatchObject({ level: 'error', requestId, err: { type: expect.any(String), msg: expect.any(String) } });
    expect(lines[1]).toMatchObject({ level: 'error', requestId, status: 500, method: 'GET', route: '/api/rooms/:slug' });
  });
});

describe('createLogger', () => {
  it('should censor sensitive fields at the top level and one level down', () => {
    const capture = captureLines();
    const logger = createLogger({ level: 'info', destination: capture.destination, base: { process: 'api' } });
    logger.info({ password: 'p4ss', token: 't0k', body: { any: 'thing' }, participant: { name: 'Ada', role: 'presenter' }, headers: { authorization: 'Bearer x' } }, 'joined');
    expect(capture.parsed()[0]).toMatchObject({
      process: 'api',
      msg: 'joined',
      password: '[redacted]',
      token: '[redacted]',
      body: '[redacted]',
      participant: { name: '[redacted]', role: 'presenter' },
      headers: { authorization: '[redacted]' },
    });
  });

  it('should honour the level', () => {
    const capture = captureLines();
    const logger = createLogger({ level: 'warn', destination: capture.destination });
    logger.info('quiet');
    logger.warn('loud');
    expect(capture.parsed().map((l) => l.msg)).toEqual(['loud']);
    createLogger({ level: 'silent', destination: capture.destination }).fatal('nothing');
    expect(capture.lines).toHaveLength(1);
  });

  it('should keep only the type, code, message and stack of an error, not the parameters a driver attaches', () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      parameters: ['Grace Brewster Hopper'],
      detail: 'Key (name)=(Grace Brewster Hopper) already exists.',
    });
    const serialized = serializeError(err);
    expect(serialized).toEqual({ type: 'Error', code: '23505', msg: err.message, stack: err.stack });
    expect(JSON.stringify(serialized)).not.toContain('Grace');
  });

  it('should log a failed query by its code and message, without the SQL or the parameters Drizzle puts in the message', async () => {
    const database = await createTestDatabase();
    try {
      const room = { slug: 'same-slug-1234', title: 'Twice', presenterName: 'Grace Brewster Hopper', passwordHash: null, maxParticipants: 5, settings: {} };
      await createRoom(database.db, { ...room, presenterTokenHash: 'a'.repeat(64) });
      const failed = await createRoom(database.db, { ...room, presenterTokenHash: 'b'.repeat(64) }).then(
        () => undefined,
        (err: unknown) => err,
      );
      const capture = captureLines();
      createLogger({ level: 'info', destination: capture.destination }).error({ err: failed }, 'query failed');
      const [line] = capture.parsed();
      expect(line?.err).toMatchObject({ code: '23505', msg: expect.stringContaining('duplicate key value violates unique constraint') });
      for (const leaked of ['Grace', 'bbbb', 'insert into', 'params']) expect(capture.lines[0]).not.toContain(leaked);
    } finally {
      await database.destroy();
    }
  });

  it('should describe a thrown value that is not an Error by its type only', () => {
    expect(serializeError('Grace')).toEqual({ type: 'string' });
  });
});
