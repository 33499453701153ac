// GET /api/rooms/:slug/ice-servers: who gets ICE servers and TURN credentials, and what a room's privacy asks.
import { createHmac } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { participants } from '../db/schema.ts';
import { createTestApp, type TestApp } from './testing.ts';

const SECRET = 'a-long-shared-secret';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: SECRET, TURN_TTL_SECONDS: '600' } });
});
afterAll(() => t.close());

interface IceConfig {
  iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  iceTransportPolicy: 'all' | 'relay';
  relay: boolean;
  hideAddresses: boolean;
  hideLanAddresses: boolean;
}

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const iceServers = (slug: string, token?: string) => t.call('GET', `/api/rooms/${slug}/ice-servers`, token ? { token } : {});

describe('GET /api/rooms/:slug/ice-servers authorization', () => {
  it('should mint credentials for the presenter and for a present attendee, each for themselves', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    for (const [token, id] of [
      [room.presenterToken, room.participantId],
      [attendee.token, attendee.participantId],
    ] as const) {
      const before = Math.floor(Date.now() / 1000);
      const res = await iceServers(room.slug, token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as IceConfig;
      expect(body).toMatchObject({ iceTransportPolicy: 'all', relay: true, hideAddresses: false, hideLanAddresses: false });
      const turn = body.iceServers.find((s) => s.username)!;
      expect(turn.urls).toEqual(['turn:127.0.0.1:3478']);
      const [expiry, participantId] = turn.username!.split(':');
      expect(participantId).toBe(id);
      expect(Number(expiry) - before).toBeGreaterThanOrEqual(599);
      expect(Number(expiry) - before).toBeLessThanOrEqual(601);
      expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username!).digest('base64'));
    }
  });

  it('should refuse an outsider: no token, a bad token, and a token of another room', async () => {
    const room = await t.createRoom();
    const other = await t.createRoom();
    expect((await iceServers(room.slug)).status).toBe(401);
    const bad = await iceServers(room.slug, 'not-a-token-of-ours-at-all-0000000000000000');
    expect(bad.status).toBe(401);
    const foreign = await iceServers(room.slug, other.presenterToken);
    expect(foreign.status).toBe(403);
    expect(await errorCode(foreign)).toBe('forbidden');
  });

  it('should mint nothing for a participant who left the room', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    await t.database.db.update(participants).set({ leftAt: sql`now()` }).where(eq(participants.id, attendee.participantId));
    const res = await iceServers(room.slug, attendee.token);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('participant_left');
    expect(JSON.stringify(await iceServers(room.slug, room.presenterToken).then((r) => r.json()))).not.toContain(attendee.participantId);
  });

  it('should mint nothing once the room has ended, for the presenter or an attendee', async () => {
    const room = await t.createRoom();
    const attendee = await t.join(room.slug);
    expect((await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken })).status).toBe(200);
    for (const token of [room.presenterToken, attendee.token]) {
      const res = await iceServers(room.slug, token);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('credential');
    }
  });
});

describe('ICE configuration', () => {
  it('should default to the public STUN server, and let ICE_SERVERS replace it or STUN_URLS=none switch it off', async () => {
    const stun = await createTestApp({ database: t.database, env: { STUN_URLS: 'stun:stun.l.google.com:19302' } });
    const room = await stun.createRoom();
    const body = (await (await stun.call('GET', `/api/rooms/${room.slug}/ice-servers`, { token: room.presenterToken })).json()) as IceConfig;
    expect(body).toEqual({
      iceServers: [{ urls: ['stun:stun.l.google.com:19302'] }],
      iceTransportPolicy: 'all',
      relay: false,
      hideAddresses: false,
      hideLanAddresses: false,
    });
    expect(stun.config.STUN_URLS).toEqual(['stun:stun.l.google.com:19302']);

    const servers = [{ urls: 'stun:stun.example.org:3478' }];
    const replaced = await createTestApp({ database: t.database, env: { ICE_SERVERS: JSON.stringify(servers) } });
    const room2 = await replaced.createRoom();
    const res = await replaced.call('GET', `/api/rooms/${room2.slug}/ice-servers`, { token: room2.presenterToken });
    expect(((await res.json()) as IceConfig).iceServers).toEqual(servers);

    const closed = await createTestApp({ database: t.database, env: { STUN_URLS: 'none' } });
    const room3 = await closed.createRoom();
    const none = await closed.call('GET', `/api/rooms/${room3.slug}/ice-servers`, { token: room3.presenterToken });
    expect(((await none.json()) as IceConfig).iceServers).toEqual([]);
  });

  it('should refuse a bad STUN_URLS or ICE_SERVERS by name', async () => {
    const { loadConfig } = await import('../core/config.ts');
    expect(() => loadConfig({ STUN_URLS: 'http://stun.example.org' })).toThrow('Invalid environment variable STUN_URLS');
    expect(() => loadConfig({ ICE_SERVERS: '{"urls":1}' })).toThrow('Invalid environment variable ICE_SERVERS');
    expect(() => loadConfig({ ICE_SERVERS: 'nope' })).toThrow('Invalid environment variable ICE_SERVERS');
    expect(() => loadConfig({ HIDE_ADDRESSES: 'maybe' })).toThrow('Invalid environment variable HIDE_ADDRESSES');
    expect(() => loadConfig({ MANAGED_TURN: 'sometimes' })).toThrow('Invalid environment variable MANAGED_TURN');
    expect(loadConfig({}).STUN_URLS).toEqual(['stun:stun.l.google.com:19302']);
  });

  it('should ask for relay-only transport in a room that hides addresses, and say when no relay exists', async () => {
    const room = await t.createRoom({ hideAddresses: true });
    const body = (await (await iceServers(room.slug, room.presenterToken)).json()) as IceConfig;
    expect(body).toMatchObject({ iceTransportPolicy: 'relay', relay: true, hideAddresses: true });
    const joined = await t.join(room.slug);
    expect(joined.roomDetails.hideAddresses).toBe(true);

    const bare = await createTestApp({ database: t.database, env: { HIDE_ADDRESSES: 'true', HIDE_LAN_ADDRESSES: 'true' } });
    const byDefault = await bare.createRoom();
    const res = await bare.call('GET', `/api/rooms/${byDefault.slug}/ice-servers`, { token: byDefault.presenterToken });
    expect(await res.json()).toMatchObject({ iceTransportPolicy: 'relay', relay: false, hideAddresses: true, hideLanAddresses: true });
    const optedOut = await bare.createRoom({ hideAddresses: false, hideLanAddresses: false });
    const open = await bare.call('GET', `/api/rooms/${optedOut.slug}/ice-servers`, { token: optedOut.presenterToken });
    expect(await open.json()).toMatchObject({ iceTransportPolicy: 'all', hideAddresses: false, hideLanAddresses: false });
  });

  it('should refuse a non-boolean hideAddresses and create nothing', async () => {
    const res = await t.call('POST', '/api/rooms', { body: { title: 'T', presenterName: 'Ada', hideAddresses: 'yes' } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('validation_error');
  });

  it('should put the host the browser used into the managed relay’s URLs', async () => {
    const managed = await createTestApp({
      database: t.database,
      env: { TURN_URLS: 'turn:{request-host}:3478?transport=udp', TURN_SECRET: SECRET },
    });
    const room = await managed.createRoom();
    const res = await managed.call('GET', `/api/rooms/${room.slug}/ice-servers`, {
      token: room.presenterToken,
      headers: { host: 'podium.example.org:8080' },
    });
    const body = (await res.json()) as IceConfig;
    expect(body.iceServers.at(-1)!.urls).toEqual(['turn:podium.example.org:3478?transport=udp']);
  });
});
