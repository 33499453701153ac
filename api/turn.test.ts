// TURN credentials as coturn's `use-auth-secret` verifies them.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { turnCredentials } from './turn.ts';

describe('turnCredentials', () => {
  it('should sign an expiring username with HMAC-SHA1 of the shared secret, base64-encoded', async () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const server = await turnCredentials(
      { urls: ['turn:turn.example.org:3478'], secret: 'a-long-shared-secret', ttlSeconds: 3600, participantId: 'p-1' },
      now,
    );
    expect(server.username).toBe(`${now / 1000 + 3600}:p-1`);
    // The same computation done independently, the way coturn does it.
    const expected = createHmac('sha1', 'a-long-shared-secret').update(server.username).digest('base64');
    expect(server.credential).toBe(expected);
    expect(server.urls).toEqual(['turn:turn.example.org:3478']);
  });
});

describe('TURN configuration', () => {
  it('should require the secret and the URLs together', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:127.0.0.1:3478' })).toThrow('Invalid environment variable TURN_SECRET');
    expect(() => loadConfig({ TURN_SECRET: 'a-long-shared-secret' })).toThrow('Invalid environment variable TURN_URLS');
    expect(() => loadConfig({ TURN_URLS: 'http://nope', TURN_SECRET: 'a-long-shared-secret' })).toThrow(
      'Invalid environment variable TURN_URLS',
    );
    expect(() => loadConfig({ TURN_URLS: 'turn:a', TURN_SECRET: 'short' })).toThrow('Invalid environment variable TURN_SECRET');
    const config = loadConfig({ TURN_URLS: 'turn:a:3478, turns:b:5349', TURN_SECRET: 'a-long-shared-secret' });
    expect(config.TURN_URLS).toEqual(['turn:a:3478', 'turns:b:5349']);
    expect(config.TURN_TTL_SECONDS).toBe(3600);
  });
});
