import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.ts';
import { fingerprint } from '../db/testing.ts';
import { MAX_BODY_BYTES } from './app.ts';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { CORS_ORIGIN: 'https://podium.example.org' } });
});
afterAll(() => t.close());

type ErrorJson = { error: { code: string; message: string; details?: unknown; requestId?: string } };

const raw = (path: string, init: RequestInit) => t.app.request(path, init);

describe('request bodies', () => {
  it('should answer 415 unsupported_media_type to a body that is not JSON, and store nothing', async () => {
    const before = await fingerprint(t.database);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await raw('/api/rooms', { method: 'POST', headers: { 'content-type': contentType }, body: 'title=T&presenterName=P' });
      expect(res.status).toBe(415);
      expect(((await res.json()) as ErrorJson).error.code).toBe('unsupported_media_type');
    }
    const unlabelled = await raw('/api/rooms', { method: 'POST', body: JSON.stringify({ title: 'T', presenterName: 'P' }) });
    expect(unlabelled.status).toBe(415);
    expect(await fingerprint(t.database)).toBe(before);
  });

  it('should accept a JSON content type with a charset', async () => {
    const res = await raw('/api/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ title: 'T', presenterName: 'P' }),
    });
    expect(res.status).toBe(201);
  });

  it.each(['{', '{"title": "T",}', 'undefined', "{'a': 1}", '\u0000'])('should answer 400 invalid_json to the body %j, never 500', async (body) => {
    const res = await raw('/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe('invalid_json');
  });

  it.each(['null', '[]', '"room"', '42', 'true'])('should answer 400 validation_error to the JSON value %s', async (body) => {
    const res = await raw('/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe('validation_error');
  });

  it('should answer 400 naming the fields to a POST without a body', async () => {
    const res = await raw('/api/rooms', { method: 'POST' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('validation_error');
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'title' }), expect.objectContaining({ path: 'presenterName' })]));
  });

  it('should answer 413 payload_too_large to a body over 64 KB', async () => {
    const before = await fingerprint(t.database);
    const res = await raw('/api/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'T', presenterName: 'P', settings: { pad: 'x'.repeat(MAX_BODY_BYTES) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorJson).error.code).toBe('payload_too_large');
    expect(await fingerprint(t.database)).toBe(before);
  });
});

describe('routes', () => {
  it.each([
    ['GET', '/api/nope'],
    ['PATCH', '/api/rooms'],
    ['GET', '/api/rooms'],
    ['POST', '/api/rooms/abcdefgh/nope'],
  ])('should answer %s %s with a 404 JSON error', async (method, path) => {
    const res = await raw(path, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as ErrorJson).error.code).toBe('not_found');
  });
});

describe('unexpected errors', () => {
  it('should answer 500 with a request id and no stack trace, and log it once through the logger', async () => {
    const logged: string[] = [];
    const failing = await createTestApp({
      database: t.database,
      deps: {
        passwords: {
          hash: () => Promise.reject(new Error('hasher exploded at /srv/podium/secret.ts:12')),
          verify: () => Promise.reject(new Error('hasher exploded')),
        },
        logger: createLogger({ level: 'error', destination: { write: (line: string) => void logged.push(line) } }),
      },
    });
    const res = await failing.call('POST', '/api/rooms', { body: { title: 'T', presenterName: 'P', password: 'secret-word' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    const body = JSON.parse(text) as ErrorJson;
    expect(body.error.code).toBe('internal_error');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(text).not.toContain('exploded');
    expect(text).not.toContain('.ts');
    // The error once, and the request's own line (5xx requests are logged at error level).
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['unhandled error', 'request failed']);
    expect(lines[0]).toMatchObject({ level: 'error', requestId: body.error.requestId });
  });
});

describe('headers', () => {
  it('should send security headers and a request id', async () => {
    const res = await raw('/api/health', {});
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toContain('max-age');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('should allow CORS only for CORS_ORIGIN', async () => {
    const preflight = (origin: string) =>
      raw('/api/rooms', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const allowed = await preflight('https://podium.example.org');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://podium.example.org');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
