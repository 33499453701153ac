// Podium's all-in-one server as a child process on a fresh database, and the REST calls the benchmarks need.
import { createPostgresTestDatabase, postgresReachable, type TestDatabase } from '../../db/testing.ts';
import type { CreatedRoomBody as CreatedRoom, JoinedRoomBody as JoinedRoom } from '../../api/rooms.ts';
import { startNode, type NodeChild } from './children.ts';

export const PROBE = './bench/probe.ts';

export interface RunningServer {
  base: string;
  child: NodeChild;
  stop(): Promise<void>;
}

/** Starts server.ts on a free port with rate limits off, on its own new PostgreSQL database (PGlite in memory when none). */
export async function startPodium(options: { env?: Record<string, string>; exposeGc?: boolean } = {}): Promise<RunningServer & { engine: string }> {
  const database: TestDatabase | undefined = (await postgresReachable()) ? await createPostgresTestDatabase({ migrate: false }) : undefined;
  const child = startNode('server.ts', {
    nodeArgs: [...(options.exposeGc ? ['--expose-gc'] : []), '--import', PROBE],
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'off',
      ICE_SERVERS: '[]',
      MANAGED_TURN: 'off',
      DATABASE_URL: database?.url,
      DATA_DIR: database ? undefined : 'memory://',
      ...options.env,
    },
  });
  try {
    const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 120_000);
    return {
      base: `http://127.0.0.1:${port}`,
      engine: database ? 'postgres' : 'pglite',
      child,
      async stop() {
        await child.stop();
        await database?.destroy();
      },
    };
  } catch (err) {
    await child.stop();
    await database?.destroy();
    throw err;
  }
}

/** A bare server of ours (bench/baselines/*.ts) that prints `listening on http://…:<port>`. */
export async function startBaseline(entry: string, options: { exposeGc?: boolean } = {}): Promise<RunningServer> {
  const child = startNode(entry, {
    nodeArgs: [...(options.exposeGc ? ['--expose-gc'] : []), '--import', PROBE],
    env: { PORT: '0' },
  });
  const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 60_000);
  return { base: `http://127.0.0.1:${port}`, child, stop: () => child.stop() };
}

export interface ProbeSample {
  loop: { p50: number; p99: number; max: number; mean: number };
  cpuPercent: number;
  heapUsed: number;
  rss: number;
  external: number;
  gcAvailable: boolean;
}

export const probeReset = (server: RunningServer) => server.child.request('reset');
export const probeSample = (server: RunningServer, gc = false) => server.child.request<ProbeSample>('sample', { gc });

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export function createRoom(base: string, body: { title?: string; presenterName?: string; password?: string; maxParticipants?: number } = {}) {
  return post<CreatedRoom>(`${base}/api/rooms`, { title: 'Benchmark room', presenterName: 'Presenter', maxParticipants: 500, ...body });
}

export function joinRoom(base: string, slug: string, name: string, password?: string) {
  return post<JoinedRoom>(`${base}/api/rooms/${slug}/join`, { name, ...(password ? { password } : {}) });
}

/** Whether the REST routes this benchmark needs are mounted yet (POST /api/rooms answers something but 404). */
export async function roomsApiAvailable(base: string): Promise<boolean> {
  const res = await fetch(`${base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await res.arrayBuffer();
  return res.status !== 404;
}

/** Runs `work` over `items` with at most `concurrency` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export interface Member {
  token: string;
  slug: string;
}

/**
 * `rooms` new rooms on a Podium server with `perRoom` members each: the presenter (token from creating the
 * room) and attendees joined over REST.
 */
export async function podiumMembers(base: string, rooms: number, perRoom: number): Promise<Member[][]> {
  const created = await mapLimit(Array.from({ length: rooms }), 8, () => createRoom(base, { maxParticipants: Math.max(perRoom, 2) }));
  return mapLimit(created, 4, async (room) => {
    const attendees = await mapLimit(Array.from({ length: perRoom - 1 }), 4, (_, i) => joinRoom(base, room.slug, `Attendee ${i + 1}`));
    return [{ token: room.presenterToken, slug: room.slug }, ...attendees.map((a) => ({ token: a.token, slug: room.slug }))];
  });
}

let baselineRoom = 0;

/** The same shape for the bare Socket.io baseline, which takes any token and uses the slug as its room name. */
export function baselineMembers(rooms: number, perRoom: number): Member[][] {
  return Array.from({ length: rooms }, () => {
    const slug = `baseline${(baselineRoom++).toString().padStart(6, '0')}`;
    return Array.from({ length: perRoom }, () => ({ token: 'baseline', slug }));
  });
}
