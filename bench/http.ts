// http: autocannon against a bare node:http hello, a bare Hono hello and Podium's room routes; bcrypt at 50 req/s.
import { hash } from '@node-rs/bcrypt';
import { startNode } from './lib/children.ts';
import {
  createRoom,
  joinRoom,
  mapLimit,
  probeReset,
  probeSample,
  roomsApiAvailable,
  startBaseline,
  startPodium,
  type ProbeSample,
  type RunningServer,
} from './lib/podium.ts';
import { round, summarize } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type Cell } from './lib/types.ts';
import type { HttpLoad, HttpLoadResult } from './load/http.ts';

interface Target {
  name: string;
  load: Omit<HttpLoad, 'url' | 'connections' | 'pipelining' | 'duration'>;
}

interface Measured {
  name: string;
  result: HttpLoadResult;
  server: ProbeSample;
}

const BCRYPT_RATE = 50;

export const httpBenchmark: Benchmark = {
  name: 'http',
  title: 'REST throughput and latency against bare node:http and Hono hellos',
  budgetSeconds: 100,
  async run(ctx) {
    const tiny = ctx.size === 'tiny';
    const duration = tiny ? 1 : 10;
    const notes: string[] = [];
    const loader = startNode('bench/load/http.ts');
    const measured: Measured[] = [];

    const hammer = async (server: RunningServer, target: Target, shape: Pick<HttpLoad, 'connections' | 'pipelining' | 'duration' | 'overallRate'>) => {
      // A short unmeasured run first, so the JIT and the connection pool are warm for the measured one.
      if (!tiny) await loader.request('run', { url: server.base, ...target.load, connections: 10, pipelining: 1, duration: 1 });
      await probeReset(server);
      const result = await loader.request<HttpLoadResult>('run', { url: server.base, ...target.load, ...shape });
      const sample = await probeSample(server);
      ctx.log(`${target.name}: ${round(result.requestsPerSecond, 0)} req/s, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}`);
      return { name: target.name, result, server: sample };
    };
    // The tiny size runs every path for one second: 1,000 requests in flight would leave the slowest route with none
    // answered by then, so it keeps 10 in flight.
    const flat = tiny ? { connections: 10, pipelining: 1, duration } : { connections: 100, pipelining: 10, duration };

    try {
      for (const [name, entry] of [
        ['node:http hello', 'bench/baselines/node-http.ts'],
        ['Hono hello', 'bench/baselines/hono.ts'],
      ] as const) {
        const server = await startBaseline(entry);
        try {
          measured.push(await hammer(server, { name, load: { path: '/' } }, flat));
        } finally {
          await server.stop();
        }
      }

      const podium = await startPodium();
      let bcrypt: { result: HttpLoadResult; server: ProbeSample; hashMs: ReturnType<typeof summarize> } | undefined;
      try {
        if (!(await roomsApiAvailable(podium.base))) {
          notes.push('Podium answered 404 on POST /api/rooms: the room routes are not mounted in this build, so only the baselines ran.');
        } else {
          const room = await createRoom(podium.base, { maxParticipants: 50 });
          for (let i = 0; i < 5; i++) await joinRoom(podium.base, room.slug, `Attendee ${i + 1}`);
          measured.push(await hammer(podium, { name: 'GET /api/rooms/:slug', load: { path: `/api/rooms/${room.slug}` } }, flat));

          // Rooms hold at most 500, so joins rotate over enough rooms that none fills during the run.
          const seats = await mapLimit(Array.from({ length: tiny ? 2 : 80 }), 8, () => createRoom(podium.base, { maxParticipants: 500 }));
          measured.push(
            await hammer(
              podium,
              { name: 'POST /api/rooms/:slug/join', load: { method: 'POST', path: '/api/rooms/:slug/join', slugs: seats.map((s) => s.slug), body: { name: 'Attendee' } } },
              flat,
            ),
          );
          measured.push(
            await hammer(podium, { name: 'POST /api/rooms', load: { method: 'POST', path: '/api/rooms', body: { title: 'Weekly demo', presenterName: 'Ada' } } }, flat),
          );

          if (secondsLeft(ctx) < duration + 5) {
            notes.push('The bcrypt run was skipped: the time budget was spent.');
          } else {
            // Open loop at a fixed rate: autocannon corrects for coordinated omission, so queueing shows in p99.
            const bcryptLoad = {
              method: 'POST' as const,
              path: '/api/rooms',
              body: { title: 'Private demo', presenterName: 'Ada', password: 'correct horse battery' },
            };
            await probeReset(podium);
            const result = await loader.request<HttpLoadResult>('run', {
              url: podium.base,
              ...bcryptLoad,
              // One request a second per connection: enough connections that slow answers do not lower the offered rate.
              connections: BCRYPT_RATE,
              pipelining: 1,
              duration,
              overallRate: BCRYPT_RATE,
            });
            const server = await probeSample(podium);
            // CPU time rather than wall time: on a busy machine a hash waits for a core, and that wait is not its cost.
            // Nothing else runs in this process meanwhile, so its CPU usage is the hash's.
            const hashTimes: number[] = [];
            for (let i = 0; i < (tiny ? 2 : 10); i++) {
              const cpu = process.cpuUsage();
              await hash('correct horse battery', 10);
              const used = process.cpuUsage(cpu);
              hashTimes.push((used.user + used.system) / 1000);
            }
            bcrypt = { result, server, hashMs: summarize(hashTimes) };
            ctx.log(`bcrypt at ${BCRYPT_RATE}/s: p99 ${result.latencyMs.p99} ms, event-loop p99 ${server.loop.p99} ms`);
          }
        }
      } finally {
        await podium.stop();
      }

      const hono = measured.find((m) => m.name === 'Hono hello');
      const tables = [
        {
          title: `http: autocannon -c ${flat.connections} -p ${flat.pipelining}, ${duration} s per target`,
          columns: ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'req/s vs Hono', 'server CPU %', 'loop p99 ms'],
          rows: measured.map((m): Cell[] => [
            m.name,
            round(m.result.requestsPerSecond, 0),
            m.result.latencyMs.p50,
            m.result.latencyMs.p99,
            m.result.non2xx,
            m.result.errors + m.result.timeouts,
            hono ? round(m.result.requestsPerSecond / hono.result.requestsPerSecond, 3) : null,
            m.server.cpuPercent,
            m.server.loop.p99,
          ]),
        },
      ];
      if (bcrypt) {
        tables.push({
          title: `http: POST /api/rooms with a password (bcrypt cost 10), open loop at ${BCRYPT_RATE} req/s for ${duration} s`,
          columns: ['req/s done', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'loop p50 ms', 'loop p99 ms', 'loop max ms', 'server CPU %', 'one hash, CPU ms'],
          rows: [
            [
              round(bcrypt.result.requestsPerSecond, 1),
              bcrypt.result.latencyMs.p50,
              bcrypt.result.latencyMs.p99,
              bcrypt.result.latencyMs.max,
              bcrypt.result.non2xx,
              bcrypt.server.loop.p50,
              bcrypt.server.loop.p99,
              bcrypt.server.loop.max,
              bcrypt.server.cpuPercent,
              round(bcrypt.hashMs.p50, 1),
            ],
          ],
        });
        notes.push(
          'Event-loop lag is measured inside the server process by bench/probe.ts (preloaded with node --import): perf_hooks.monitorEventLoopDelay at 10 ms resolution, reset before the run and read after it, so a 10 ms figure means no measurable lag.',
          `A bcrypt hash runs on libuv's thread pool (4 threads by default); "one hash" is the CPU time of one cost-10 hash measured in the bench process after the run (median of 10), the work each password costs whatever the load.`,
        );
      }
      const failures = measured.filter((m) => m.result.non2xx > 0);
      for (const m of failures) notes.push(`${m.name}: status codes ${JSON.stringify(m.result.statusCodes)}.`);
      notes.push('Latencies come from autocannon in its own process; with 100 connections × 10 pipelined requests, 1,000 requests are in flight, so p50 is mostly queueing.');
      const clientBound = measured.filter((m) => m.name.endsWith('hello') && m.server.cpuPercent < 90);
      if (clientBound.length) {
        notes.push(
          `${clientBound.map((m) => `${m.name} (server at ${m.server.cpuPercent}% of a core)`).join(' and ')}: the server had CPU to spare, so autocannon's single thread (sharing 2 cores) was the limit; the hellos' req/s is a floor, and Podium's ratios to them are upper bounds.`,
        );
      }
      return { tables, notes, data: { measured, bcrypt } };
    } finally {
      await loader.stop();
    }
  },
};
