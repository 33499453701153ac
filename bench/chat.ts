// chat: R rooms × 26 members each sending a message a second, and one 500-member webinar room; Podium on each database setup vs a bare Socket.io server.
import { startNode, type NodeChild } from './lib/children.ts';
import { cpuMeter } from './lib/machine.ts';
import {
  baselineMembers,
  podiumMembers,
  type DatabaseSetup,
  probeReset,
  probeSample,
  startBaseline,
  startPodium,
  type Member,
  type RunningServer,
} from './lib/podium.ts';
import { ratio, round } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

const MEMBERS_PER_ROOM = 26;
const P99_LIMIT_MS = 100;

interface ChatStep {
  clients: number;
  rooms: number;
  seconds: number;
  sent: number;
  accepted: number;
  rejected: number;
  rejections: Record<string, number>;
  unanswered: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  deliveriesPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  clientCpuPercent: number;
}

interface StepResult extends ChatStep {
  server: string;
  r: number;
  serverCpuPercent: number;
  /** Server CPU time (ms) per 1,000 deliveries, over the step and its drain. */
  cpuMsPer1000: number | null;
  loopP99Ms: number;
  /** Most queries seen waiting for a pooled PostgreSQL connection, from /api/health once a second (Podium only). */
  poolWaitingMax: number | null;
  machineBusy: number;
  held: boolean;
  why?: string;
}

const BARE = 'bare Socket.io';
const isPodium = (name: string) => name !== BARE;

async function runStep(ctx: BenchContext, name: string, server: RunningServer, loader: NodeChild, r: number, seconds: number): Promise<StepResult> {
  await probeReset(server);
  const windowStart = performance.now();
  const machine = cpuMeter();
  let poolWaitingMax: number | null = null;
  const watchPool =
    isPodium(name)
      ? setInterval(() => {
          fetch(`${server.base}/api/health`)
            .then((res) => res.json() as Promise<{ db?: { pool?: { waiting?: number } } }>)
            .then((health) => {
              const waiting = health.db?.pool?.waiting;
              if (typeof waiting === 'number') poolWaitingMax = Math.max(poolWaitingMax ?? 0, waiting);
            })
            .catch(() => {});
        }, 1000)
      : undefined;
  const step = await loader.request<ChatStep>('chat', { seconds, drainSeconds: 5 }, (seconds + 60) * 1000).finally(() => clearInterval(watchPool));
  const busy = machine();
  const sample = await probeSample(server);
  const windowSeconds = (performance.now() - windowStart) / 1000;
  const problems = [
    step.latencyMs.p99 > P99_LIMIT_MS ? `p99 ${round(step.latencyMs.p99, 1)} ms > ${P99_LIMIT_MS} ms` : '',
    step.lost > 0 ? `${step.lost} deliveries lost` : '',
    step.rejected > 0 ? `${step.rejected} messages refused ${JSON.stringify(step.rejections)}` : '',
    step.unanswered > 0 ? `${step.unanswered} sends never acknowledged` : '',
  ].filter(Boolean);
  ctx.log(
    `${name} R=${r}: ${step.clients} clients, p50/p99 ${round(step.latencyMs.p50, 1)}/${round(step.latencyMs.p99, 1)} ms, ${Math.round(step.deliveriesPerSecond)} deliveries/s, lost ${step.lost}, server CPU ${sample.cpuPercent}%, client CPU ${step.clientCpuPercent}%, machine ${round(busy * 100, 0)}% busy`,
  );
  return {
    ...step,
    server: name,
    r,
    serverCpuPercent: sample.cpuPercent,
    cpuMsPer1000: step.delivered > 0 ? round(((sample.cpuPercent / 100) * windowSeconds * 1000 * 1000) / step.delivered, 1) : null,
    loopP99Ms: sample.loop.p99,
    poolWaitingMax,
    machineBusy: round(busy * 100, 0)!,
    held: problems.length === 0,
    ...(problems.length ? { why: problems.join(', ') } : {}),
  };
}

/** Waits (at most 30 s) until the server's process is nearly idle, so one step's backlog does not land in the next. */
async function settle(server: RunningServer): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    await probeReset(server);
    await new Promise((done) => setTimeout(done, 1000));
    if ((await probeSample(server)).cpuPercent < 10) return;
  }
}

/**
 * Ramps R up through `steps` while each step holds. When even the first step fails, halves R until one
 * holds, so the table still says what the machine can carry.
 */
async function ramp(
  ctx: BenchContext,
  name: string,
  server: RunningServer,
  loader: NodeChild,
  steps: number[],
  seconds: number,
  notes: string[],
  options: { single?: boolean } = {},
) {
  const results: StepResult[] = [];
  const rooms: Member[][] = [];
  let connectedRooms = 0;
  const plan = [...steps];
  let descending = false;
  while (plan.length) {
    const r = plan.shift()!;
    // A step costs its run, the drain and the handshakes of its new rooms; do not start one that cannot finish.
    const estimate = seconds + 8 + Math.max(0, r - connectedRooms) * (isPodium(name) ? 0.4 : 0.05);
    if (secondsLeft(ctx) < estimate) {
      notes.push(`${name}: stopped before R=${r}, the time budget was spent (about ${Math.round(estimate)} s needed).`);
      break;
    }
    if (rooms.length < r) {
      rooms.push(...(isPodium(name) ? await podiumMembers(server.base, r - rooms.length, MEMBERS_PER_ROOM) : baselineMembers(r - rooms.length, MEMBERS_PER_ROOM)));
    }
    if (connectedRooms > r) {
      await loader.request('close');
      connectedRooms = 0;
    }
    const connected = await loader.request<{ failed: number; errors: Record<string, number> }>(
      'connect',
      { url: server.base, members: rooms.slice(connectedRooms, r).flat(), concurrency: 50 },
      300_000,
    );
    connectedRooms = r;
    if (connected.failed > 0) {
      notes.push(`${name}: at R=${r}, ${connected.failed} sockets failed to connect (${JSON.stringify(connected.errors)}); stopped.`);
      break;
    }
    const result = await runStep(ctx, name, server, loader, r, seconds);
    results.push(result);
    if (options.single) break;
    if (descending) {
      if (result.held) break;
      if (r === 1) {
        notes.push(`${name}: not even R=1 held: ${result.why}.`);
        break;
      }
      plan.push(Math.floor(r / 2));
      await settle(server);
      continue;
    }
    if (!result.held) {
      notes.push(`${name}: the ramp stopped at R=${r}: ${result.why}.`);
      if (results.length > 1 || r === 1) break;
      descending = true;
      plan.splice(0, plan.length, Math.floor(r / 2));
      // A server that fell behind is still working through its backlog; let it finish before the next step.
      await settle(server);
      continue;
    }
    if (result.clientCpuPercent > 95) {
      notes.push(`${name}: the ramp stopped at R=${r}: the load generator used ${result.clientCpuPercent}% of a core, so larger steps would measure the client, not the server.`);
      break;
    }
  }
  await loader.request('close');
  return results;
}


const WEBINAR_MEMBERS = 500;
const WEBINAR_CHAT_PER_SECOND = 20;
const WEBINAR_VOTES_PER_SECOND = 5;

interface WebinarResult extends ChatStep {
  server: string;
  chatLatencyMs: ChatStep['latencyMs'];
  voteLatencyMs: ChatStep['latencyMs'];
  serverCpuPercent: number;
  cpuMsPer1000: number | null;
  held: boolean;
  why?: string;
}

/** One room of `members`, 20 chat messages and 5 votes a second from its members. */
async function webinar(ctx: BenchContext, name: string, server: RunningServer, loader: NodeChild, members: number, seconds: number): Promise<WebinarResult | undefined> {
  const room = isPodium(name) ? await podiumMembers(server.base, 1, members) : baselineMembers(1, members);
  const connected = await loader.request<{ failed: number; errors: Record<string, number> }>('connect', { url: server.base, members: room.flat(), concurrency: 50 }, 300_000);
  try {
    if (connected.failed > 0) {
      ctx.log(`${name} webinar: ${connected.failed} sockets failed to connect ${JSON.stringify(connected.errors)}`);
      return undefined;
    }
    await probeReset(server);
    const windowStart = performance.now();
    const step = await loader.request<ChatStep & { chatLatencyMs: ChatStep['latencyMs']; voteLatencyMs: ChatStep['latencyMs'] }>(
      'webinar',
      { seconds, chatPerSecond: WEBINAR_CHAT_PER_SECOND, votesPerSecond: WEBINAR_VOTES_PER_SECOND, drainSeconds: 5 },
      (seconds + 60) * 1000,
    );
    const sample = await probeSample(server);
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const problems = [
      step.latencyMs.p99 >= P99_LIMIT_MS ? `p99 ${round(step.latencyMs.p99, 1)} ms ≥ ${P99_LIMIT_MS} ms` : '',
      step.lost > 0 ? `${step.lost} deliveries lost` : '',
      step.rejected + step.unanswered > 0 ? `${step.rejected + step.unanswered} sends refused or unanswered ${JSON.stringify(step.rejections)}` : '',
    ].filter(Boolean);
    ctx.log(`${name} webinar ${members}: chat p99 ${round(step.chatLatencyMs.p99, 1)} ms, vote p99 ${round(step.voteLatencyMs.p99, 1)} ms, lost ${step.lost}, server CPU ${sample.cpuPercent}%`);
    return {
      ...step,
      server: name,
      serverCpuPercent: sample.cpuPercent,
      cpuMsPer1000: step.delivered > 0 ? round(((sample.cpuPercent / 100) * windowSeconds * 1e6) / step.delivered, 1) : null,
      held: problems.length === 0,
      ...(problems.length ? { why: problems.join(', ') } : {}),
    };
  } finally {
    await loader.request('close');
  }
}

const setupNames: Record<DatabaseSetup, string> = { postgres: 'Podium (PostgreSQL)', embedded: 'Podium (embedded default)' };
/** The share of bare Socket.io's largest R each setup should hold. */
const goals: Record<DatabaseSetup, number> = { postgres: 0.8, embedded: 0.5 };

/** Comma-separated overrides for a shorter run on a busy machine; the defaults are the full run. */
function listFromEnv<T extends string>(name: string, allowed: readonly T[] | undefined, fallback: T[]): T[] {
  const raw = process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!raw?.length) return fallback;
  const bad = allowed ? raw.filter((v) => !allowed.includes(v as T)) : raw.filter((v) => !/^\d+$/.test(v));
  if (bad.length) throw new Error(`${name}: unknown ${bad.join(', ')}`);
  return raw as T[];
}

export const chatBenchmark: Benchmark = {
  name: 'chat',
  title: 'chat fan-out (R rooms × 26 members, one message per member per second) and a 500-member webinar room, per database setup',
  budgetSeconds: 900,
  async run(ctx) {
    const tiny = ctx.size === 'tiny';
    const steps = listFromEnv('BENCH_CHAT_STEPS', undefined, tiny ? ['1', '2'] : ['50', '100', '200', '400']).map(Number);
    const setups = listFromEnv<DatabaseSetup>('BENCH_CHAT_SETUPS', ['postgres', 'embedded'], ['postgres', 'embedded']);
    const seconds = tiny ? 2 : 10;
    const webinarMembers = tiny ? 20 : WEBINAR_MEMBERS;
    const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
    const notes: string[] = [];
    const results: StepResult[] = [];
    const webinars: WebinarResult[] = [];
    const loader = startNode('bench/load/sockets.ts');
    // Each of 2 + setups servers gets an even share of what is left, so the last setup still has its turn.
    const share = (left: number) => ({ ...ctx, deadline: Math.min(ctx.deadline, Date.now() + (secondsLeft(ctx) * 1000) / left) });
    const start = (name: string, setup?: DatabaseSetup) =>
      setup
        ? startPodium({
            database: setup,
            env: { RATE_LIMIT_SOCKET_CHAT: '1000', RATE_LIMIT_SOCKET_SIGNALING: '10000' },
            ...(profileDir ? { cpuProfileDir: profileDir } : {}),
          })
        : startBaseline('bench/baselines/socketio.ts');
    const largest = (name: string) => {
      const held = results.filter((s) => s.server === name && s.held);
      return held.length ? Math.max(...held.map((s) => s.r)) : null;
    };
    const halfOfBare = () => {
      const bareHeld = largest(BARE);
      return bareHeld ? Math.max(1, Math.floor(bareHeld / 2)) : null;
    };
    try {
      const servers: [string, DatabaseSetup | undefined][] = [[BARE, undefined], ...setups.map((s): [string, DatabaseSetup] => [setupNames[s], s])];
      for (const [i, [name, setup]] of servers.entries()) {
        const server = await start(name, setup);
        try {
          const budget = share(servers.length - i);
          // Every server also runs at half the R bare Socket.io held, where Podium's p99 is compared with bare's.
          results.push(...(await ramp(budget, name, server, loader, steps, seconds, notes)));
          const half = halfOfBare();
          if (half && !results.some((s) => s.server === name && s.r === half)) {
            await settle(server);
            results.push(...(await ramp(budget, name, server, loader, [half], seconds, notes, { single: true })));
          }
          await settle(server);
          const shape = await webinar(ctx, name, server, loader, webinarMembers, seconds);
          if (shape) webinars.push(shape);
        } finally {
          await server.stop();
        }
      }
    } finally {
      await loader.stop();
    }
    results.sort((a, b) => (a.server === b.server ? a.r - b.r : 0));
    const rows = results.map((s): Cell[] => {
      const base = results.find((b) => b.server === BARE && b.r === s.r);
      return [
        s.server,
        s.r,
        s.clients,
        Math.round(s.deliveriesPerSecond),
        round(s.latencyMs.p50, 1),
        round(s.latencyMs.p95, 1),
        round(s.latencyMs.p99, 1),
        isPodium(s.server) && base ? ratio(s.latencyMs.p99, base.latencyMs.p99) : null,
        s.lost,
        s.rejected + s.unanswered,
        s.serverCpuPercent,
        s.cpuMsPer1000,
        s.clientCpuPercent,
        s.poolWaitingMax,
        s.held ? 'yes' : 'no',
      ];
    });
    const bareHeld = largest(BARE);
    const half = halfOfBare();
    const bareHalf = results.find((s) => s.server === BARE && s.r === half);
    const summary: Cell[][] = [[BARE, bareHeld, bareHeld === null ? null : bareHeld * MEMBERS_PER_ROOM, null, null, null, null, null]];
    for (const setup of setups) {
      const name = setupNames[setup];
      const held = largest(name);
      const atHalf = results.find((s) => s.server === name && s.r === half);
      const share = held !== null && bareHeld ? held / bareHeld : null;
      const halfRatio = atHalf && bareHalf ? atHalf.latencyMs.p99 / bareHalf.latencyMs.p99 : null;
      summary.push([
        name,
        held,
        held === null ? null : held * MEMBERS_PER_ROOM,
        share === null ? null : round(share, 2),
        `≥ ${goals[setup]}× ${share !== null && share >= goals[setup] ? 'met' : 'not met'}`,
        atHalf ? round(atHalf.latencyMs.p99, 1) : null,
        halfRatio === null ? null : round(halfRatio, 2),
        setup === 'postgres' ? `≤ 2× ${halfRatio !== null && halfRatio <= 2 && atHalf?.held ? 'met' : 'not met'}` : null,
      ]);
    }
    const webinarRows = webinars.map((w): Cell[] => [
      w.server,
      w.clients,
      Math.round(w.deliveriesPerSecond),
      round(w.chatLatencyMs.p50, 1),
      round(w.chatLatencyMs.p99, 1),
      round(w.voteLatencyMs.p50, 1),
      round(w.voteLatencyMs.p99, 1),
      w.lost,
      w.rejected + w.unanswered,
      w.serverCpuPercent,
      w.cpuMsPer1000,
      isPodium(w.server) ? `p99 < ${P99_LIMIT_MS} ms ${w.held ? 'met' : 'not met'}` : null,
    ]);
    notes.push(
      `Latency is send → receive in the load-generator process (one clock), for every copy delivered to the other ${MEMBERS_PER_ROOM - 1} members of a room; "lost" counts copies of accepted messages that had not arrived when the drain ended (5 s after the last ack, longer while copies kept arriving, at most 30 s).`,
      'Server CPU is the server process only (100% = one core); "CPU ms / 1k" is its CPU time per 1,000 deliveries over the step and its drain. Client CPU is the load generator. All share 2 cores with PostgreSQL, so the largest R is bounded by the machine, not by Podium alone.',
      '"pool waiting max" is the most queries Podium had queued for one of its PostgreSQL connections, read from /api/health once a second during the step. "refused" counts sends rejected (busy, rate_limited) or never acknowledged within 10 s.',
      `Setups: "PostgreSQL" is the external server at TEST_DATABASE_URL, a new database per run; "embedded default" is what \`npm start\` uses with no DATABASE_URL, in a new DATA_DIR. BENCH_CHAT_SETUPS=postgres or =embedded runs one; BENCH_CHAT_STEPS=25,50 changes the ramp.`,
      `Webinar: one room of ${webinarMembers} members; ${WEBINAR_CHAT_PER_SECOND} chat messages a second from attendees in turn (each to ${webinarMembers - 1} others) and ${WEBINAR_VOTES_PER_SECOND} up-votes a second on one question (each new count to all ${webinarMembers}), for ${seconds} s.`,
    );
    return {
      tables: [
        {
          title: `chat: ${seconds} s per step, ${MEMBERS_PER_ROOM} members per room, 1 message/s each`,
          columns: ['server', 'R', 'clients', 'deliveries/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 vs bare', 'lost', 'refused', 'server CPU %', 'CPU ms / 1k', 'client CPU %', 'pool waiting max', 'held'],
          rows,
        },
        {
          title: `chat: largest R that held (p99 ≤ ${P99_LIMIT_MS} ms, nothing lost), and p99 at half of bare Socket.io's R (R=${half ?? '–'})`,
          columns: ['server', 'R', 'members', 'vs bare', 'goal', 'p99 ms at half', 'vs bare at half', 'goal at half'],
          rows: summary,
        },
        {
          title: `chat: webinar room of ${webinarMembers}, ${WEBINAR_CHAT_PER_SECOND} messages/s and ${WEBINAR_VOTES_PER_SECOND} votes/s`,
          columns: ['server', 'members', 'deliveries/s', 'chat p50 ms', 'chat p99 ms', 'vote p50 ms', 'vote p99 ms', 'lost', 'refused', 'server CPU %', 'CPU ms / 1k', 'goal'],
          rows: webinarRows,
        },
      ],
      notes,
      data: { steps: results, webinars, half, largest: Object.fromEntries(summary.map((r) => [r[0], r[1]])) },
    };
  },
};
