// footprint: PSS and RSS of the whole process tree (Podium, its PostgreSQL, any managed child) idle and with rooms full of sockets.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, startNode, type NodeChild } from './lib/children.ts';
import { treeMemory, type TreeMemory } from './lib/memory.ts';
import { baselineMembers, podiumMembers, startPodium, type Member, type RunningServer } from './lib/podium.ts';
import { ratio, round } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

interface Variant {
  name: string;
  /** Which side of the per-participant comparison it is on. */
  kind: 'podium' | 'bare';
  start(): Promise<RunningServer>;
}

interface Reading {
  variant: string;
  participants: number;
  rooms: number;
  connected: number;
  pssMiB: number;
  rssMiB: number;
  processes: number;
  /** MiB of the largest process (Node), the rest being PostgreSQL's. */
  nodePssMiB: number;
}

interface Started {
  variant: string;
  listeningMs: number;
}

const PARTICIPANTS_PER_ROOM = 26;

/** Waits for the tree to settle (timers, the first GCs), then reads it three times and keeps the median by PSS. */
async function settledMemory(pid: number, seconds: number): Promise<TreeMemory> {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const reads: TreeMemory[] = [];
  for (let i = 0; i < 3; i++) {
    reads.push(treeMemory(pid));
    await new Promise((r) => setTimeout(r, 500));
  }
  return reads.sort((a, b) => a.pssMiB - b.pssMiB)[1]!;
}

function reading(variant: string, participants: number, rooms: number, connected: number, memory: TreeMemory): Reading {
  const node = memory.processes.find((p) => p.name === 'node');
  return {
    variant,
    participants,
    rooms,
    connected,
    pssMiB: memory.pssMiB,
    rssMiB: memory.rssMiB,
    processes: memory.processes.length,
    nodePssMiB: round((node?.pssKiB ?? 0) / 1024, 1)!,
  };
}

async function measure(ctx: BenchContext, variant: Variant, loader: NodeChild, steps: { rooms: number }[], notes: string[]): Promise<{ readings: Reading[]; started: Started }> {
  const began = performance.now();
  const server = await variant.start();
  const started = { variant: variant.name, listeningMs: Math.round(performance.now() - began) };
  const readings: Reading[] = [];
  // The tiny size only runs every path once: it need not wait for the tree to settle.
  const settle = (seconds: number) => (ctx.size === 'tiny' ? 0.2 : seconds);
  try {
    readings.push(reading(variant.name, 0, 0, 0, await settledMemory(server.child.pid, settle(5))));
    let rooms = 0;
    let open = 0;
    for (const step of steps) {
      if (secondsLeft(ctx) < 30) {
        notes.push(`${variant.name}: stopped before ${step.rooms} rooms, the time budget was spent.`);
        break;
      }
      const count = step.rooms - rooms;
      const members: Member[] = (variant.kind === 'podium' ? await podiumMembers(server.base, count, PARTICIPANTS_PER_ROOM) : baselineMembers(count, PARTICIPANTS_PER_ROOM)).flat();
      const result = await loader.request<{ total: number; failed: number; errors: Record<string, number> }>(
        'connect',
        { url: server.base, members, concurrency: 50 },
        300_000,
      );
      if (result.failed) notes.push(`${variant.name}: ${result.failed} of ${members.length} sockets failed to connect: ${JSON.stringify(result.errors)}.`);
      open = result.total;
      rooms = step.rooms;
      const memory = await settledMemory(server.child.pid, settle(3));
      readings.push(reading(variant.name, rooms * PARTICIPANTS_PER_ROOM, rooms, open, memory));
      ctx.log(`${variant.name}: ${open} sockets in ${rooms} rooms, tree PSS ${memory.pssMiB} MiB, RSS ${memory.rssMiB} MiB (${memory.processes.length} processes)`);
    }
    await loader.request('close');
  } catch (err) {
    // What the server said last is what explains a failure.
    throw new Error(`${variant.name}: ${err instanceof Error ? err.message : String(err)}\n${server.child.output().slice(-3000)}`, { cause: err });
  } finally {
    await server.stop();
  }
  return { readings, started };
}

/** The bare Socket.io baseline compiled like Podium, so that neither side carries the TypeScript loader. */
async function compiledBaseline(): Promise<string> {
  const outfile = 'build/bench/socketio.js';
  await build({ entryPoints: [join(ROOT, 'bench/baselines/socketio.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: join(ROOT, outfile), logLevel: 'warning' });
  return outfile;
}

/** The production build, exactly as `npm start` makes it. */
function compiledPodium(): void {
  execFileSync('npm', ['run', 'build:server', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

/** Time from spawn to "listening" of the compiled server on the embedded default: a fresh DATA_DIR (initdb), then again on it. */
async function startTimes(): Promise<{ firstMs: number; restartMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'podium-bench-start-'));
  chmodSync(dataDir, 0o755);
  const once = async () => {
    const began = performance.now();
    const child = startNode('build/server.js', {
      typescript: false,
      env: { PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: '', DATA_DIR: dataDir },
    });
    try {
      await child.waitFor(/listening on http/, 120_000);
      return Math.round(performance.now() - began);
    } finally {
      await child.stop();
    }
  };
  try {
    return { firstMs: await once(), restartMs: await once() };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const footprintBenchmark: Benchmark = {
  name: 'footprint',
  title: 'memory of the whole process tree, idle and with 1 and 50 rooms of 26 participants, vs a bare Socket.io server',
  budgetSeconds: 900,
  async run(ctx) {
    const steps = ctx.size === 'tiny' ? [{ rooms: 1 }, { rooms: 2 }] : [{ rooms: 1 }, { rooms: 50 }];
    const notes: string[] = [];
    compiledPodium();
    const baseline = await compiledBaseline();
    const variants: Variant[] = [
      {
        name: 'bare Socket.io',
        kind: 'bare',
        start: async () => {
          const child = startNode(baseline, { typescript: false, env: { PORT: '0' } });
          const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 60_000);
          return { base: `http://127.0.0.1:${port}`, child, stop: () => child.stop() };
        },
      },
      { name: 'Podium, embedded PostgreSQL', kind: 'podium', start: () => startPodium({ database: 'embedded', compiled: true }) },
      { name: 'Podium, external PostgreSQL', kind: 'podium', start: () => startPodium({ database: 'postgres', compiled: true }) },
      { name: 'Podium under tsx, embedded PostgreSQL', kind: 'podium', start: () => startPodium({ database: 'embedded', probe: false }) },
    ];
    const readings: Reading[] = [];
    const started: Started[] = [];
    const loader = startNode('bench/load/sockets.ts');
    try {
      for (const variant of variants) {
        const measured = await measure(ctx, variant, loader, steps, notes);
        readings.push(...measured.readings);
        started.push(measured.started);
      }
    } finally {
      await loader.stop();
    }
    const times = await startTimes();

    // Per participant: from one room to fifty, so that what the first participants cost once (the pool's
    // connections and their PostgreSQL backends, code paths run for the first time) is not spread over them.
    const growth = (r: Reading) => {
      const previous = readings.filter((o) => o.variant === r.variant && o.participants > 0 && o.participants < r.participants).at(-1);
      return previous && r.connected > previous.connected ? ((r.pssMiB - previous.pssMiB) * 1024) / (r.connected - previous.connected) : null;
    };
    const bare = (participants: number) => readings.find((r) => r.variant === 'bare Socket.io' && r.participants === participants);
    const rows = readings.map((r): Cell[] => {
      const perParticipant = growth(r);
      const base = bare(r.participants);
      const basePer = base ? growth(base) : null;
      return [
        r.variant,
        r.participants ? `${r.rooms} × ${PARTICIPANTS_PER_ROOM}` : 'idle',
        r.connected,
        r.processes,
        r.pssMiB,
        r.rssMiB,
        r.nodePssMiB,
        perParticipant === null ? null : round(perParticipant, 1),
        perParticipant !== null && basePer && r.variant !== 'bare Socket.io' ? ratio(perParticipant, basePer) : null,
      ];
    });
    const embedded = readings.filter((r) => r.variant === 'Podium, embedded PostgreSQL');
    const tsx = readings.filter((r) => r.variant === 'Podium under tsx, embedded PostgreSQL');
    const startOf = (variant: string) => started.find((s) => s.variant === variant)?.listeningMs ?? null;
    notes.push(
      'PSS and RSS are summed over the server process and every process below it (/proc/<pid>/smaps_rollup): Node, and for the embedded default the postmaster and its backends. PSS splits shared pages between the processes that map them, so the PostgreSQL processes, which share their code and buffers, add up to what they really take; RSS counts every shared page once per process.',
      'The external PostgreSQL runs outside Podium\'s tree: its server and the backends of Podium\'s pool are not counted there.',
      `Participants are real socket.io-client connections (websocket) from one load process (bench/load/sockets.ts), each joined over REST and then with join-room; the per-participant figure is the PSS added from the first room to the last, divided by the participants added (the first room's jump over idle is mostly the pool opening its connections, and for the embedded default their PostgreSQL backends), read 3 s after the last connect without forcing a GC.`,
      `Loader: the same server under tsx (node --import tsx server.ts) took ${tsx[0] && embedded[0] ? round(tsx[0].pssMiB - embedded[0].pssMiB, 1) : '?'} MiB more PSS idle and ${startOf('Podium under tsx, embedded PostgreSQL') ?? '?'} ms to listen against ${startOf('Podium, embedded PostgreSQL') ?? '?'} ms compiled (both on a fresh DATA_DIR, so both include initdb).`,
      `Start of the compiled server on the embedded default: ${times.firstMs} ms to listen on a fresh DATA_DIR (initdb, start, migrations), ${times.restartMs} ms on the same one again.`,
    );
    return {
      tables: [
        {
          title: 'footprint: PSS and RSS of the whole process tree',
          columns: ['server', 'load', 'sockets', 'processes', 'PSS MiB', 'RSS MiB', 'Node PSS MiB', 'PSS KiB/participant added', 'growth vs bare'],
          rows,
        },
      ],
      notes,
      data: { steps, readings, started, startTimes: times },
    };
  },
};
