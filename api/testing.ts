// Test helpers: the real app on a real test database, with a broadcaster that records what it was asked to send.
import { bcryptPasswords } from './bcrypt.ts';
import type { Broadcaster, ParticipantEvents, RoomEvents } from '../core/broadcast.ts';
import { createApp, type App } from './app.ts';
import { loadConfig, type Config } from '../core/config.ts';
import type { AppDeps } from './context.ts';
import type { CreatedRoomBody as CreatedRoom, JoinedRoomBody as JoinedRoom } from './rooms.ts';
import type { SessionStatsBody } from '../core/schemas.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';

export type { CreatedRoom, JoinedRoom };

export type Broadcast =
  | { [E in keyof RoomEvents]: { kind: 'toRoom'; roomId: string; event: E; payload: RoomEvents[E] } }[keyof RoomEvents]
  | { [E in keyof ParticipantEvents]: { kind: 'toParticipants'; participantIds: string[]; event: E; payload: ParticipantEvents[E] } }[keyof ParticipantEvents]
  | { kind: 'disconnect'; participantIds: string[]; sparing?: { presenterId: string } }
  | { kind: 'endRoom'; roomId: string; sessionStats: SessionStatsBody };

export interface RecordingBroadcaster extends Broadcaster {
  calls: Broadcast[];
}

export function recordingBroadcaster(): RecordingBroadcaster {
  const calls: Broadcast[] = [];
  return {
    calls,
    toRoom(roomId, event, payload) {
      calls.push({ kind: 'toRoom', roomId, event, payload } as Broadcast);
    },
    toParticipants(participantIds, event, payload) {
      calls.push({ kind: 'toParticipants', participantIds, event, payload } as Broadcast);
    },
    disconnectParticipants(participantIds, sparing) {
      calls.push({ kind: 'disconnect', participantIds, ...(sparing ? { sparing } : {}) });
    },
    async endRoom(roomId, sessionStats) {
      calls.push({ kind: 'endRoom', roomId, sessionStats });
    },
    async connectedSockets() {
      return 0;
    },
  };
}

export interface TestApp {
  app: App;
  database: TestDatabase;
  config: Config;
  broadcasts: RecordingBroadcaster;
  /** `app.request` with a JSON body and an optional bearer token. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** Creates a room and returns the creation answer (slug, presenterToken, …). */
  createRoom(body?: Record<string, unknown>): Promise<CreatedRoom>;
  /** Joins a room as an attendee and returns the join answer (participantId, token, …). */
  join(slug: string, name?: string, password?: string): Promise<JoinedRoom>;
  /** Drops the database when this app created it. */
  close(): Promise<void>;
}


export interface TestAppOptions {
  /** Environment variables on top of the test defaults (rate limits off). */
  env?: Record<string, string>;
  /** Replaces any dependency, the broadcaster excepted (it always records). */
  deps?: Partial<Omit<AppDeps, 'broadcaster' | 'config'>>;
  /** Shares a database with another test app instead of creating one. */
  database?: TestDatabase;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({ NODE_ENV: 'test', RATE_LIMITS: 'off', PUBLIC_URL: 'http://podium.test', STUN_URLS: 'none', ...options.env });
  const broadcasts = recordingBroadcaster();
  const app = createApp({
    config,
    database,
    broadcaster: broadcasts,
    // Cost 4 keeps hashing cheap in tests; the algorithm and the code path are the production ones.
    passwords: bcryptPasswords(4),
    version: '0.0.0-test',
    ...options.deps,
  });

  const call: TestApp['call'] = async (method, path, { token, body, headers } = {}) =>
    app.request(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    app,
    database,
    config,
    broadcasts,
    call,
    async createRoom(body = {}) {
      const res = await call('POST', '/api/rooms', { body: { title: 'Quarterly review', presenterName: 'Ada', ...body } });
      if (res.status !== 201) throw new Error(`createRoom answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as CreatedRoom;
    },
    async join(slug, name = 'Grace', password) {
      const res = await call('POST', `/api/rooms/${slug}/join`, { body: { name, password } });
      if (res.status !== 201) throw new Error(`join answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as JoinedRoom;
    },
    async close() {
      if (!options.database) await database.destroy();
    },
  };
}
