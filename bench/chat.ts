// chat: R rooms × 26 members each sending a message a second; delivery latency and loss, Podium vs a bare Socket.io broadcast.
import { startNode, type NodeChild } from './lib/children.ts';
import { cpuMeter } from './lib/machine.ts';
import {
  baselineMembers,
  podiumMembers,
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
  loopP99Ms: number;
  /** Most queries seen waiting for a pooled PostgreSQL connection, from /api/health once a second (Podium only). */
  poolWaitingMax: number | null;
  machineBusy: number;
  held: boolean;
  why?: string;
}

async function runStep(ctx: BenchContext, name: string, server: RunningServer, loader: NodeChild, r: number, seconds: number): Promise<StepResult> {
  await probeReset(server);
  const machine = cpuMeter();
  let poolWaitingMax: number | null = null;
  const watchPool =
    name === 'Podium'
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
async function ramp(ctx: BenchContext, name: string, server: RunningServer, loader: NodeChild, steps: number[], seconds: number, notes: string[]) {
  const results: StepResult[] = [];
  const rooms: Member[][] = [];
  let connectedRooms = 0;
  const plan = [...steps];
  let descending = false;
  while (plan.length) {
    const r = plan.shift()!;
    // A step costs its run, the drain and the handshakes of its new rooms; do not start one that cannot finish.
    const estimate = seconds + 8 + Math.max(0, r - connectedRooms) * (name === 'Podium' ? 0.4 : 0.05);
    if (secondsLeft(ctx) < estimate) {
      notes.push(`${name}: stopped before R=${r}, the time budget was spent (about ${Math.round(estimate)} s needed).`);
      break;
    }
    if (rooms.length < r) {
      rooms.push(...(name === 'Podium' ? await podiumMembers(server.base, r - rooms.length, MEMBERS_PER_ROOM) : baselineMembers(r - rooms.length, MEMBERS_PER_ROOM)));
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

export const chatBenchmark: Benchmark = {
  name: 'chat',
  title: 'chat fan-out: R rooms × 26 members, one message per member per second',
  budgetSeconds: 200,
  async run(ctx) {
    const tiny = ctx.size === 'tiny';
    const steps = tiny ? [1, 2] : [50, 100, 200, 400];
    const seconds = tiny ? 2 : 10;
    const notes: string[] = [];
    const results: StepResult[] = [];
    const loader = startNode('bench/load/sockets.ts');
    try {
      for (const name of ['bare Socket.io', 'Podium']) {
        const started = name === 'Podium'
          ? await startPodium({ env: { RATE_LIMIT_SOCKET_CHAT: '1000', RATE_LIMIT_SOCKET_SIGNALING: '10000' } })
          : await startBaseline('bench/baselines/socketio.ts');
        try {
          // The baseline gets at most 40% of the chat budget, so Podium's ramp always has its turn.
          const share = name === 'Podium' ? ctx : { ...ctx, deadline: Math.min(ctx.deadline, Date.now() + secondsLeft(ctx) * 400) };
          results.push(...(await ramp(share, name, started, loader, steps, seconds, notes)));
        } finally {
          await started.stop();
        }
      }
    } finally {
      await loader.stop();
    }
    results.sort((a, b) => (a.server === b.server ? a.r - b.r : 0));
    const rows = results.map((s): Cell[] => {
      const base = results.find((b) => b.server === 'bare Socket.io' && b.r === s.r);
      return [
        s.server,
        s.r,
        s.clients,
        Math.round(s.deliveriesPerSecond),
        round(s.latencyMs.p50, 1),
        round(s.latencyMs.p95, 1),
        round(s.latencyMs.p99, 1),
        s.server === 'Podium' && base ? ratio(s.latencyMs.p99, base.latencyMs.p99) : null,
        s.lost,
        s.rejected + s.unanswered,
        s.serverCpuPercent,
        s.clientCpuPercent,
        s.poolWaitingMax,
        s.held ? 'yes' : 'no',
      ];
    });
    const largest = (name: string) => {
      const held = results.filter((s) => s.server === name && s.held);
      return held.length ? Math.max(...held.map((s) => s.r)) : null;
    };
    const summary = ['bare Socket.io', 'Podium'].map((name): Cell[] => {
      const r = largest(name);
      return [name, r, r === null ? null : r * MEMBERS_PER_ROOM];
    });
    notes.push(
      `Latency is send → receive in the load-generator process (one clock), for every copy delivered to the other ${MEMBERS_PER_ROOM - 1} members of a room; "lost" counts copies of accepted messages that had not arrived when the drain ended (5 s after the last ack, longer while copies kept arriving, at most 30 s).`,
      'Server CPU is the server process only (100% = one core); client CPU is the load generator. Both share 2 cores with PostgreSQL, so the largest R is bounded by the machine, not by Podium alone.',
      '"pool waiting max" is the most queries Podium had queued for one of its 20 PostgreSQL connections, read from /api/health once a second during the step; a queue there means the database, not the event loop, is what the messages wait for. "refused" counts sends rejected or never acknowledged within 10 s.',
    );
    return {
      tables: [
        {
          title: `chat: ${seconds} s per step, ${MEMBERS_PER_ROOM} members per room, 1 message/s each`,
          columns: ['server', 'R', 'clients', 'deliveries/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 vs bare', 'lost', 'refused', 'server CPU %', 'client CPU %', 'pool waiting max', 'held'],
          rows,
        },
        { title: `chat: largest R that held (p99 ≤ ${P99_LIMIT_MS} ms, nothing lost)`, columns: ['server', 'R', 'members'], rows: summary },
      ],
      notes,
      data: { steps: results, largest: Object.fromEntries(summary.map((r) => [r[0], r[1]])) },
    };
  },
};
