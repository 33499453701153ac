// Test fixtures for signaling: a real server on port 0, rooms made through db/, real socket.io-client sockets.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connectClient, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from 'socket.io-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { hashToken, newSlug, newToken } from '../core/tokens.ts';
import type { Database } from '../db/client.ts';
import { listMessages } from '../db/chat.ts';
import { joinRoom, listCurrentParticipants } from '../db/participants.ts';
import { listQuestions } from '../db/questions.ts';
import { createRoom, findRoomById, type Room } from '../db/rooms.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import type { SignalingServer } from './context.ts';
import type { ClientToServerEvents, ServerToClientEvents } from './protocol.ts';
import { createSignaling, type SignalingDeps } from './server.ts';

export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

export interface RunningSignaling {
  url: string;
  io: SignalingServer;
  http: HttpServer;
  close(): Promise<void>;
}

/** A signaling server on a free port; `env` overrides configuration the way the environment would. */
export async function startSignaling(
  db: Database,
  env: Record<string, string> = {},
  extra: Partial<Omit<SignalingDeps, 'db' | 'config'>> = {},
): Promise<RunningSignaling> {
  const http = createServer();
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const signaling = createSignaling(http, { db, config, ...extra });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    io: signaling.io,
    http,
    async close() {
      http.closeAllConnections();
      await signaling.close();
    },
  };
}

export interface LiveSignaling {
  readonly db: Database;
  readonly url: string;
  readonly io: SignalingServer;
}

/**
 * A test file's database and signaling server, created before its tests and removed after them. Client
 * sockets close after each test, unless `keepClients` (tests sharing one room) keeps them to the end.
 */
export function useSignaling(
  env: Record<string, string> = {},
  extra: Partial<Omit<SignalingDeps, 'db' | 'config'>> = {},
  options: { keepClients?: boolean } = {},
): LiveSignaling {
  let database: TestDatabase | undefined;
  let server: RunningSignaling | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the signaling server is not started yet: use it inside a test or hook');
    return value;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startSignaling(database.db, env, extra);
  });
  if (!options.keepClients) afterEach(() => closeClients());
  afterAll(async () => {
    closeClients();
    await server?.close();
    await database?.destroy();
  });
  return {
    get db() {
      return started(database).db;
    },
    get url() {
      return started(server).url;
    },
    get io() {
      return started(server).io;
    },
  };
}

export interface TestParticipant {
  id: string;
  token: string;
  name: string;
}

export interface TestRoom {
  room: Room;
  presenter: TestParticipant;
  addAttendee(name?: string): Promise<TestParticipant>;
}

let attendeeCount = 0;

/** A room with its presenter (live unless scheduled), made the way the REST API makes it. */
export async function createTestRoom(
  db: Database,
  options: { maxParticipants?: number; hideAddresses?: boolean; hideLanAddresses?: boolean; lobby?: boolean; schedule?: { startsAt: Date; timeZone: string } } = {},
): Promise<TestRoom> {
  const presenterToken = newToken();
  const { room, presenter } = await createRoom(db, {
    slug: newSlug(),
    title: 'Signaling test',
    presenterName: 'Presenter',
    passwordHash: null,
    maxParticipants: options.maxParticipants ?? 50,
    settings: {},
    hideAddresses: options.hideAddresses,
    hideLanAddresses: options.hideLanAddresses,
    presenterTokenHash: await hashToken(presenterToken),
    ...(options.lobby === undefined ? {} : { lobby: options.lobby }),
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
  });
  return {
    room,
    presenter: { id: presenter.id, token: presenterToken, name: 'Presenter' },
    async addAttendee(name = `Attendee ${++attendeeCount}`) {
      const token = newToken();
      const joined = await joinRoom(db, { roomId: room.id, name, tokenHash: await hashToken(token) });
      if (!joined.ok) throw new Error(`could not join: ${joined.reason}`);
      return { id: joined.participant.id, token, name };
    },
  };
}

const clients = new Set<TestClient>();

/** Connects with the token and resolves once the handshake succeeded; rejects with the refusal otherwise. */
export function connect(url: string, token: string | undefined, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<TestClient> {
  const socket: TestClient = connectClient(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  clients.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Connects and joins the room, returning the socket and the join-room ack. */
export async function joinAs(url: string, participant: TestParticipant, slug: string) {
  const socket = await connect(url, participant.token);
  const joined = await socket.emitWithAck('join-room', { slug });
  if (!joined.ok) throw new Error(`join-room refused: ${joined.error.code}`);
  return { socket, joined };
}

export function closeClients(): void {
  for (const socket of clients) socket.close();
  clients.clear();
}

/**
 * The next `event` on the socket (that `matches`, when given); rejects after `ms` so a missing event fails
 * the test instead of hanging it.
 */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: TestClient,
  event: E,
  ms = 5_000,
  matches: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}

/** Records every event a socket receives, for asserting that nothing was broadcast. */
export function recordEvents(socket: TestClient): Array<{ event: string; payload: unknown }> {
  const seen: Array<{ event: string; payload: unknown }> = [];
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  return seen;
}

/**
 * A round trip from the socket to the server and back. Everything the server wrote to this socket before
 * answering arrives first, so events caused by earlier requests have been received once it resolves.
 */
export async function barrier(socket: TestClient): Promise<void> {
  const result = await socket.emitWithAck('webrtc-report', { peerId: crypto.randomUUID(), outcome: 'connected' });
  if (!result.ok) throw new Error(`barrier refused: ${result.error.code}`);
}

/** Everything a room's events could change, to compare before and after a refused request. */
export async function roomState(db: Database, roomId: string) {
  const [room, participants, messages, questions] = await Promise.all([
    findRoomById(db, roomId),
    listCurrentParticipants(db, roomId),
    listMessages(db, roomId, { limit: 1000 }),
    listQuestions(db, roomId, null),
  ]);
  return { room, participants, messages, questions };
}

export const waitFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
