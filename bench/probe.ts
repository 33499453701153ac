// Preloaded into a server under test (node --import): reports its event-loop delay, CPU and memory over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { serveRequests } from './lib/serve-requests.ts';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpuFrom = process.cpuUsage();
  let wallFrom = performance.now();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;

  serveRequests({
    /** Starts a new measuring window for event-loop delay and CPU. */
    reset() {
      delay.reset();
      cpuFrom = process.cpuUsage();
      wallFrom = performance.now();
      return {};
    },
    /** Everything since the last reset; with `gc: true` memory is read after full collections. */
    sample(body) {
      const cpu = process.cpuUsage(cpuFrom);
      const wallMs = performance.now() - wallFrom;
      const loop = {
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
        mean: ms(delay.mean),
      };
      if (body.gc && typeof globalThis.gc === 'function') {
        // Two passes: the first can leave objects that only become unreachable once finalizers ran.
        globalThis.gc();
        globalThis.gc();
        // `compact`: then the collection V8 runs before it gives up on an allocation, which also compacts sparse
        // pages and gives freed ones back, so that less of what is read is how fragmented a peak left the heap.
        if (body.gc === 'compact') (globalThis.gc as (options: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      }
      const memory = process.memoryUsage();
      return {
        loop,
        cpuPercent: wallMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10 : 0,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        rss: memory.rss,
        external: memory.external,
        gcAvailable: typeof globalThis.gc === 'function',
        // Committed and live bytes per V8 space: where committed memory sits that no live object uses.
        spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }])),
      };
    },
  }, { exitOnDisconnect: false });
  // The IPC channel must not keep a server alive once it has been told to stop.
  process.channel?.unref();
}
