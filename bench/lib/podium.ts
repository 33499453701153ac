// Podium's all-in-one server as a child process on a fresh database, and the REST calls the benchmarks need.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresTestDatabase, postgresReachable, type TestDatabase } from '../../db/testing.ts';
import type { CreatedRoomBody as CreatedRoom, JoinedRoomBody as JoinedRoom } from '../../api/rooms.ts';
import { startNode, type NodeChild } from './children.ts';

export const PROBE = './bench/probe.ts';

export interface RunningServer {
  base: string;
  child: NodeChild;
  stop(): Promise<void>;
}

/** `postgres`: a new database on the external PostgreSQL. `embedded`: the default a newcomer gets, in a new data directory. */
export type DatabaseSetup = 'postgres' | 'embedded';

export interface PodiumOptions {
  env?: Record<string, string>;
  exposeGc?: boolean;
  /** Unset: PostgreSQL when reachable, else the embedded database. */
  database?: DatabaseSetup;
  /** Runs the compiled build/server.js under node alone; the default is server.ts under tsx. */
  compiled?: boolean;
  /** Loads bench/probe.ts into the server (TypeScript, so not with `compiled`); the default unless compiled. */
  probe?: boolean;
  /** Writes a V8 CPU profile of the server here when it stops (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Flags for node itself, in place of those `exposeGc`, `probe` and `cpuProfileDir` choose: a benchmark that compares servers passes one list to all of them. */
  nodeArgs?: string[];
}

/** Starts Podium's all-in-one server on a free port with rate limits off, on a database of its own. */
export async function startPodium(options: PodiumOptions = {}): Promise<RunningServer & { database: DatabaseSetup }> {
  const kind = options.database ?? ((await postgresReachable()) ? 'postgres' : 'embedded');
  const database: TestDatabase | undefined = kind === 'postgres' ? await createPostgresTestDatabase({ migrate: false }) : undefined;
  let dataDir: string | undefined;
  if (kind === 'embedded') {
    dataDir = mkdtempSync(join(tmpdir(), 'podium-bench-'));
    // As root, PostgreSQL runs as an unprivileged user that must be able to enter the directory.
    chmodSync(dataDir, 0o755);
  }
  const cleanUp = async () => {
    await database?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const gc = [
    ...(options.exposeGc ? ['--expose-gc'] : []),
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
  ];
  const child = startNode(options.compiled ? 'build/server.js' : 'server.ts', {
    typescript: !options.compiled,
    nodeArgs: options.nodeArgs ?? ((options.probe ?? !options.compiled) ? [...gc, '--import', PROBE] : gc),
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'off',
      ICE_SERVERS: '[]',
      MANAGED_TURN: 'off',
      DATABASE_URL: database?.url ?? '',
      DATA_DIR: dataDir,
      ...options.env,
    },
  });
  try {
    const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 120_000);
    return {
      base: `http://127.0.0.1:${port}`,
      database: kind,
      child,
      async stop() {
        await child.stop();
        await cleanUp();
      },
    };
  } catch (err) {
    await child.stop();
    await cleanUp();
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
  heapTotal: number;
  rss: number;
  external: number;
  gcAvailable: boolean;
  /** V8's spaces by name: committed (`size`) and live (`used`) bytes. */
  spaces: Record<string, { size: number; used: number }>;
}

export const probeReset = (server: RunningServer) => server.child.request('reset');
/** With `gc`, memory is read after two full GCs; `compact` adds V8's memory-reducing collection after them. */
export const probeSample = (server: RunningServer, gc: boolean | 'compact' = false) => server.child.request<ProbeSample>('sample', { gc });

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
