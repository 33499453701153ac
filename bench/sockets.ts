// sockets: server memory per connected participant, Podium against a bare Socket.io server holding the same sockets.
import { startNode, type NodeChild } from './lib/children.ts';
import {
  baselineMembers,
  podiumMembers,
  probeSample,
  startBaseline,
  startPodium,
  type Member,
  type RunningServer,
} from './lib/podium.ts';
import { ratio, round } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

interface Step {
  clients: number;
  rooms: number;
}

interface Held {
  server: string;
  clients: number;
  rooms: number;
  connected: number;
  failed: number;
  connectSeconds: number;
  heapMiB: number;
  rssMiB: number;
  heapPerParticipantKiB: number | null;
  rssPerParticipantKiB: number | null;
  errors: Record<string, number>;
}

const MiB = 2 ** 20;

/** Spreads `clients` members over `rooms` rooms as evenly as the numbers allow. */
function roomSizes(clients: number, rooms: number): number[] {
  return Array.from({ length: rooms }, (_, i) => Math.floor(clients / rooms) + (i < clients % rooms ? 1 : 0));
}

async function membersFor(server: string, base: string, sizes: number[]): Promise<Member[]> {
  const groups = await Promise.all(
    [...new Set(sizes)].map(async (size) => {
      const count = sizes.filter((s) => s === size).length;
      return server === 'Podium' ? podiumMembers(base, count, size) : baselineMembers(count, size);
    }),
  );
  return groups.flat(2);
}

async function measureServer(ctx: BenchContext, name: string, server: RunningServer, loader: NodeChild, steps: Step[], notes: string[]) {
  const held: Held[] = [];
  // Settle, then the idle footprint: everything after it is what the sockets cost.
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await probeSample(server, true);
  if (!idle.gcAvailable) notes.push(`${name}: the server was started without --expose-gc, so memory is read without a forced GC.`);
  let open = 0;
  let rooms = 0;
  for (const step of steps) {
    if (secondsLeft(ctx) < 20) {
      notes.push(`${name}: stopped before ${step.clients} clients, the time budget was spent.`);
      break;
    }
    const members = await membersFor(name, server.base, roomSizes(step.clients - open, step.rooms - rooms));
    const result = await loader.request<{ connected: number; failed: number; total: number; seconds: number; errors: Record<string, number> }>(
      'connect',
      { url: server.base, members, concurrency: 50 },
      300_000,
    );
    open = result.total;
    rooms = step.rooms;
    await new Promise((r) => setTimeout(r, 2000));
    const sample = await probeSample(server, true);
    const heapGrowth = sample.heapUsed - idle.heapUsed;
    const rssGrowth = sample.rss - idle.rss;
    held.push({
      server: name,
      clients: step.clients,
      rooms: step.rooms,
      connected: open,
      failed: result.failed,
      connectSeconds: round(result.seconds, 1)!,
      heapMiB: round(sample.heapUsed / MiB, 1)!,
      rssMiB: round(sample.rss / MiB, 1)!,
      heapPerParticipantKiB: open ? round(heapGrowth / open / 1024, 1) : null,
      rssPerParticipantKiB: open ? round(rssGrowth / open / 1024, 1) : null,
      errors: result.errors,
    });
    ctx.log(`${name}: ${open} sockets in ${step.rooms} rooms, heap ${round(sample.heapUsed / MiB, 1)} MiB, rss ${round(sample.rss / MiB, 1)} MiB`);
    if (result.failed > 0) {
      notes.push(`${name}: ${result.failed} of ${members.length} sockets failed to connect at ${step.clients}: ${JSON.stringify(result.errors)}.`);
      if (open === 0) break;
    }
  }
  held.unshift({
    server: name,
    clients: 0,
    rooms: 0,
    connected: 0,
    failed: 0,
    connectSeconds: 0,
    heapMiB: round(idle.heapUsed / MiB, 1)!,
    rssMiB: round(idle.rss / MiB, 1)!,
    heapPerParticipantKiB: null,
    rssPerParticipantKiB: null,
    errors: {},
  });
  await loader.request('close');
  return held;
}

export const socketsBenchmark: Benchmark = {
  name: 'sockets',
  title: 'memory per connected participant, Podium vs a bare Socket.io server',
  budgetSeconds: 120,
  async run(ctx) {
    const steps: Step[] =
      ctx.size === 'tiny'
        ? [
            { clients: 10, rooms: 2 },
            { clients: 20, rooms: 4 },
          ]
        : [
            { clients: 1300, rooms: 50 },
            { clients: 5000, rooms: 200 },
          ];
    const notes: string[] = [];
    const held: Held[] = [];
    const loader = startNode('bench/load/sockets.ts');
    try {
      for (const name of ['bare Socket.io', 'Podium']) {
        const server = name === 'Podium' ? await startPodium({ exposeGc: true }) : await startBaseline('bench/baselines/socketio.ts', { exposeGc: true });
        try {
          held.push(...(await measureServer(ctx, name, server, loader, steps, notes)));
        } finally {
          await server.stop();
        }
      }
    } finally {
      await loader.stop();
    }
    const rows = held.map((h): Cell[] => {
      const base = held.find((b) => b.server === 'bare Socket.io' && b.clients === h.clients);
      return [
        h.server,
        h.connected,
        h.rooms,
        h.heapMiB,
        h.rssMiB,
        h.heapPerParticipantKiB,
        h.rssPerParticipantKiB,
        h.server === 'Podium' && base?.heapPerParticipantKiB ? ratio(h.heapPerParticipantKiB ?? Number.NaN, base.heapPerParticipantKiB) : null,
        h.connectSeconds,
      ];
    });
    notes.push(
      'Memory is read inside the server process (bench/probe.ts) after two forced full GCs (node --expose-gc); growth is against the same server idle, divided by the sockets open.',
      'Clients are socket.io-client over websocket only, one engine.io connection each, all in one load-generator process; each one sends join-room and waits for its ack.',
    );
    return {
      tables: [
        {
          title: 'sockets: server memory after forced GC',
          columns: ['server', 'sockets', 'rooms', 'heap MiB', 'RSS MiB', 'heap KiB/participant', 'RSS KiB/participant', 'heap vs bare', 'connect s'],
          rows,
        },
      ],
      notes,
      data: { steps, held },
    };
  },
};
