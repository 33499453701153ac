// footprint: PSS and RSS of the whole process tree (Podium, its PostgreSQL, any managed child) idle and with rooms full of sockets.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, startNode, type NodeChild } from './lib/children.ts';
import { treeMemory, type TreeMemory } from './lib/memory.ts';
import { baselineMembers, podiumMembers, probeSample, PROBE, startPodium, type Member, type RunningServer } from './lib/podium.ts';
import { ratio, round } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

interface Variant {
  name: string;
  /** Which side of the per-participant comparison it is on. */
  kind: 'podium' | 'bare';
  start(): Promise<RunningServer>;
  /** Its own steps, where the benchmark's are more than it needs. */
  steps?: { rooms: number }[];
}

interface Reading {
  variant: string;
  participants: number;
  rooms: number;
  connected: number;
  /** Read once the step has settled, right after forced GCs: live state plus what the OS keeps for it. */
  pssMiB: number;
  rssMiB: number;
  processes: number;
  /** MiB of the largest process (Node), the rest being PostgreSQL's. */
  nodePssMiB: number;
  /** V8's live heap after the same GCs. */
  heapMiB: number;
  /** What V8 had committed for its heap then (live objects plus the free room in its pages). */
  heapCommittedMiB: number;
  /** The tree's PSS 3 s after the step's last connect, without forcing a GC: includes the join burst's garbage and recovery buffer. */
  pssWithoutGcMiB: number;
}

interface Started {
  variant: string;
  listeningMs: number;
}

const PARTICIPANTS_PER_ROOM = 26;

/**
 * Node flags for every server here, bare and Podium alike. The probe answers `sample` over IPC after full GCs, so
 * the figure is live state, not how far V8 had let garbage pile up; the young generation is pinned to one size on
 * both sides, since V8 otherwise grows it from 1 to 16 MiB per semi-space whenever allocation pushes it, which made
 * the per-participant figure of one build vary twofold between runs.
 */
export const FOOTPRINT_NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=1', '--max-semi-space-size=1'];

/**
 * Seconds from the last connect of a step to its reading. Podium keeps every room broadcast (each join's
 * `participant-joined`) for connection-state recovery until the in-memory adapter's sweep, every 60 s, finds it
 * older than 30 s: at most 90 s. And V8 gives back the old-space pages a join burst used only when its memory
 * reducer runs, which a full GC starts once allocation has calmed down: without one, a trial run at 50 × 26 still
 * had 64 MiB more heap committed than 1 × 26 around 18 MiB more live objects 95 s after the joins; with one forced
 * 3 s after them, the committed heap was back to live objects plus about 5 MiB a minute later.
 */
const SETTLE_SECONDS = 95;

/** What the tree held just after a step's joins, read without forcing a GC: the figure this benchmark reported before. */
const RIGHT_AFTER_SECONDS = 3;

const median = <T>(values: T[], by: (v: T) => number): T => [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;
const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/**
 * Reads the tree three times `rightAfter` seconds after the step (no GC forced) and has the probe collect once, so
 * that V8's memory reducer starts; then, `settle` seconds after the step, reads it three times right after the
 * probe's collections in Node (two full GCs and V8's memory-reducing one, each read after a short pause so that
 * V8's background thread has unmapped the pages it freed); keeps the medians by PSS.
 */
async function settledMemory(server: RunningServer, timing: { rightAfter: number; settle: number; pause: number }): Promise<{ collected: TreeMemory; heapUsed: number; heapTotal: number; withoutGc: TreeMemory }> {
  const pid = server.child.pid;
  const began = performance.now();
  await sleep(timing.rightAfter);
  const withoutGc: TreeMemory[] = [];
  for (let i = 0; i < 3; i++) {
    withoutGc.push(treeMemory(pid));
    await sleep(timing.pause);
  }
  await probeSample(server, 'compact');
  await sleep(Math.max(0, timing.settle - (performance.now() - began) / 1000));
  const collected: { memory: TreeMemory; heapUsed: number; heapTotal: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const sample = await probeSample(server, 'compact');
    if (!sample.gcAvailable) throw new Error('the server runs without --expose-gc');
    await sleep(timing.pause);
    collected.push({ memory: treeMemory(pid), heapUsed: sample.heapUsed, heapTotal: sample.heapTotal });
  }
  const kept = median(collected, (c) => c.memory.pssMiB);
  return { collected: kept.memory, heapUsed: kept.heapUsed, heapTotal: kept.heapTotal, withoutGc: median(withoutGc, (m) => m.pssMiB) };
}

function reading(variant: string, participants: number, rooms: number, connected: number, memory: Awaited<ReturnType<typeof settledMemory>>): Reading {
  const node = memory.collected.processes.find((p) => p.name === 'node');
  return {
    variant,
    participants,
    rooms,
    connected,
    pssMiB: memory.collected.pssMiB,
    rssMiB: memory.collected.rssMiB,
    processes: memory.collected.processes.length,
    nodePssMiB: round((node?.pssKiB ?? 0) / 1024, 1)!,
    heapMiB: round(memory.heapUsed / 2 ** 20, 1)!,
    heapCommittedMiB: round(memory.heapTotal / 2 ** 20, 1)!,
    pssWithoutGcMiB: memory.withoutGc.pssMiB,
  };
}

async function measure(ctx: BenchContext, variant: Variant, loader: NodeChild, steps: { rooms: number }[], notes: string[]): Promise<{ readings: Reading[]; started: Started }> {
  const began = performance.now();
  const server = await variant.start();
  const started = { variant: variant.name, listeningMs: Math.round(performance.now() - began) };
  const readings: Reading[] = [];
  // The tiny size only runs every path once: it need not wait for the tree to settle.
  const tiny = ctx.size === 'tiny';
  const idle = tiny ? { rightAfter: 0.2, settle: 0.2, pause: 0.1 } : { rightAfter: 5, settle: 5, pause: 0.5 };
  const loaded = tiny ? idle : { rightAfter: RIGHT_AFTER_SECONDS, settle: SETTLE_SECONDS, pause: 0.5 };
  try {
    readings.push(reading(variant.name, 0, 0, 0, await settledMemory(server, idle)));
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
      const memory = await settledMemory(server, loaded);
      const read = reading(variant.name, rooms * PARTICIPANTS_PER_ROOM, rooms, open, memory);
      readings.push(read);
      ctx.log(`${variant.name}: ${open} sockets in ${rooms} rooms, tree PSS ${read.pssMiB} MiB settled after GC (${read.pssWithoutGcMiB} right after the joins), RSS ${read.rssMiB} MiB (${read.processes} processes), heap ${read.heapMiB} MiB`);
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

/** A bench entry compiled like Podium (build/bench/<name>.js), so that no server here carries the TypeScript loader. */
async function compiled(entry: string, name: string): Promise<string> {
  const outfile = `build/bench/${name}.js`;
  await build({ entryPoints: [join(ROOT, entry)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: join(ROOT, outfile), logLevel: 'warning' });
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
  title: 'memory of the whole process tree, idle and with 1, 25 and 50 rooms of 26 participants, vs a bare Socket.io server',
  budgetSeconds: 1800,
  async run(ctx) {
    // 25 rooms in between: from there to 50 is what each participant costs once the server is warm (its JIT code
    // compiled, every connection of the pool opened and its PostgreSQL backend past its first statements).
    const steps = ctx.size === 'tiny' ? [{ rooms: 1 }, { rooms: 2 }] : [{ rooms: 1 }, { rooms: 25 }, { rooms: 50 }];
    const ends = [steps[0]!, steps.at(-1)!];
    const notes: string[] = [];
    compiledPodium();
    const baseline = await compiled('bench/baselines/socketio.ts', 'socketio');
    // One list of flags for every server: the same GC and young generation, the same probe.
    const nodeArgs = [...FOOTPRINT_NODE_FLAGS, '--import', `./${await compiled(PROBE, 'probe')}`];
    const variants: Variant[] = [
      {
        name: 'bare Socket.io',
        kind: 'bare',
        start: async () => {
          const child = startNode(baseline, { typescript: false, nodeArgs, env: { PORT: '0' } });
          const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 60_000);
          return { base: `http://127.0.0.1:${port}`, child, stop: () => child.stop() };
        },
      },
      { name: 'Podium, embedded PostgreSQL', kind: 'podium', start: () => startPodium({ database: 'embedded', compiled: true, nodeArgs }) },
      { name: 'Podium, external PostgreSQL', kind: 'podium', start: () => startPodium({ database: 'postgres', compiled: true, nodeArgs }) },
      // Only what the loader costs is asked of this one: idle, first and last step.
      { name: 'Podium under tsx, embedded PostgreSQL', kind: 'podium', steps: ends, start: () => startPodium({ database: 'embedded', nodeArgs }) },
    ];
    const readings: Reading[] = [];
    const started: Started[] = [];
    const loader = startNode('bench/load/sockets.ts');
    try {
      for (const variant of variants) {
        const measured = await measure(ctx, variant, loader, variant.steps ?? steps, notes);
        readings.push(...measured.readings);
        started.push(measured.started);
      }
    } finally {
      await loader.stop();
    }
    const times = await startTimes();

    // Per participant: from one room to fifty, so that what the first participants cost once (the pool's
    // connections and their PostgreSQL backends, code paths run for the first time) is not spread over them.
    // Each row's growth is from the step before it (so 25 → 50 rooms is the server once warm); `sinceFirst` is
    // from the first room, the figure this benchmark gave before it had a step in between.
    const growth = (r: Reading, key: 'pssMiB' | 'pssWithoutGcMiB' | 'heapMiB', sinceFirst = false) => {
      const earlier = readings.filter((o) => o.variant === r.variant && o.participants > 0 && o.participants < r.participants);
      const previous = sinceFirst ? earlier[0] : earlier.at(-1);
      return previous && r.connected > previous.connected ? ((r[key] - previous[key]) * 1024) / (r.connected - previous.connected) : null;
    };
    const bare = (participants: number) => readings.find((r) => r.variant === 'bare Socket.io' && r.participants === participants);
    const rows = readings.map((r): Cell[] => {
      const base = bare(r.participants);
      const versus = (key: 'pssMiB' | 'pssWithoutGcMiB' | 'heapMiB', sinceFirst = false) => {
        const mine = growth(r, key, sinceFirst);
        const theirs = base ? growth(base, key, sinceFirst) : null;
        return mine !== null && theirs && r.variant !== 'bare Socket.io' ? ratio(mine, theirs) : null;
      };
      const perParticipant = (key: 'pssMiB' | 'pssWithoutGcMiB' | 'heapMiB', sinceFirst = false) => {
        const value = growth(r, key, sinceFirst);
        return value === null ? null : round(value, 1);
      };
      return [
        r.variant,
        r.participants ? `${r.rooms} × ${PARTICIPANTS_PER_ROOM}` : 'idle',
        r.connected,
        r.processes,
        r.pssMiB,
        r.rssMiB,
        r.nodePssMiB,
        r.heapMiB,
        perParticipant('pssMiB'),
        versus('pssMiB'),
        perParticipant('pssMiB', true),
        versus('pssMiB', true),
        perParticipant('heapMiB'),
        versus('heapMiB'),
        r.pssWithoutGcMiB,
        perParticipant('pssWithoutGcMiB'),
        versus('pssWithoutGcMiB'),
      ];
    });
    // Where Node's growth went: V8's committed heap, or memory the C allocator holds (native socket state, and
    // what its free lists keep after a burst).
    for (const variant of ['bare Socket.io', 'Podium, external PostgreSQL']) {
      const [first, last] = [readings.find((r) => r.variant === variant && r.rooms === steps.at(-2)!.rooms), readings.find((r) => r.variant === variant && r.rooms === steps.at(-1)!.rooms)];
      if (!first || !last || last.connected <= first.connected) continue;
      const per = (mib: number) => round((mib * 1024) / (last.connected - first.connected), 1);
      notes.push(
        `${variant}: from ${first.rooms} to ${last.rooms} rooms, of the Node process's ${per(last.nodePssMiB - first.nodePssMiB)} KiB PSS per participant added, V8's committed heap grew ${per(last.heapCommittedMiB - first.heapCommittedMiB)} KiB (live objects ${per(last.heapMiB - first.heapMiB)} KiB); the rest is outside V8's heap.`,
      );
    }
    const embedded = readings.filter((r) => r.variant === 'Podium, embedded PostgreSQL');
    const tsx = readings.filter((r) => r.variant === 'Podium under tsx, embedded PostgreSQL');
    const startOf = (variant: string) => started.find((s) => s.variant === variant)?.listeningMs ?? null;
    notes.push(
      'PSS and RSS are summed over the server process and every process below it (/proc/<pid>/smaps_rollup): Node, and for the embedded default the postmaster and its backends. PSS splits shared pages between the processes that map them, so the PostgreSQL processes, which share their code and buffers, add up to what they really take; RSS counts every shared page once per process.',
      'The external PostgreSQL runs outside Podium\'s tree: its server and the backends of Podium\'s pool are not counted there.',
      `Participants are real socket.io-client connections (websocket) from one load process (bench/load/sockets.ts), each joined over REST and then with join-room; each row's per-participant figure is what was added since the step before it, divided by the participants added. The goal's ratio is the last row's: from 25 to 50 rooms, once the server is warm. The first room's jump over idle is mostly the pool opening its connections (for the embedded default, their PostgreSQL backends), and from 1 to 25 rooms V8 compiles the code the joins run and every backend of the pool runs its first statements; what that costs once is in the "since 1 × 26" columns, spread over the participants as this benchmark reported it before it had the middle step.`,
      `Every Node server here, bare and Podium alike, runs with \`node ${FOOTPRINT_NODE_FLAGS.join(' ')} --import ./build/bench/probe.js\` (bench/probe.ts compiled: it runs the collections when asked over IPC). A step is read 3 s after its last connect without forcing anything (the "3 s after, no GC" columns), then the probe collects once, which starts V8's memory reducer; PSS, RSS and heap are read ${SETTLE_SECONDS} s after the last connect (5 s idle), right after two full GCs and V8's memory-reducing collection, three times 0.5 s apart, median kept: what the connected participants hold once their joins are over (Podium keeps each room broadcast 30–90 s for connection-state recovery, and V8 returns the old-space pages a join burst used only once its memory reducer has run). "growth vs bare", the goal's ratio, is on that PSS. The "3 s after, no GC" columns are the reading this benchmark used before: the tree 3 s after the last connect with nothing forced, which mostly measured how far V8 had let its young generation and garbage grow and varied twofold between runs of one build.`,
      `Loader: the same server under tsx (node --import tsx server.ts) took ${tsx[0] && embedded[0] ? round(tsx[0].pssMiB - embedded[0].pssMiB, 1) : '?'} MiB more PSS idle and ${startOf('Podium under tsx, embedded PostgreSQL') ?? '?'} ms to listen against ${startOf('Podium, embedded PostgreSQL') ?? '?'} ms compiled (both on a fresh DATA_DIR, so both include initdb).`,
      `Start of the compiled server on the embedded default: ${times.firstMs} ms to listen on a fresh DATA_DIR (initdb, start, migrations), ${times.restartMs} ms on the same one again.`,
    );
    return {
      tables: [
        {
          title: 'footprint: PSS and RSS of the whole process tree',
          columns: [
            'server',
            'load',
            'sockets',
            'processes',
            'PSS MiB',
            'RSS MiB',
            'Node PSS MiB',
            'heap MiB',
            'PSS KiB/participant added since the step before',
            'growth vs bare',
            'PSS KiB/participant since 1 × 26',
            'since 1 × 26: vs bare',
            'heap KiB/participant',
            'heap vs bare',
            'PSS MiB 3 s after, no GC',
            '3 s after, no GC: KiB/participant',
            '3 s after, no GC: vs bare',
          ],
          rows,
        },
      ],
      notes,
      data: { steps, nodeFlags: FOOTPRINT_NODE_FLAGS, readings, started, startTimes: times },
    };
  },
};
