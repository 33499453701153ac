// What every Node entry adds for operations: the logger, metrics with Node-only sources, request counts, and a drain.
import type { Server as HttpServer } from 'node:http';
import { Hono } from 'hono';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Config } from './core/config.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { metricsHandler } from './api/http-metrics.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { countActiveRooms } from './db/analytics.ts';
import type { DatabaseHandle } from './db/client.ts';
import { createRequestCounter, type RequestCounter } from './db/request-counts.ts';
import type { SignalingDeps } from './signaling/server.ts';

export type ProcessRole = 'all-in-one' | 'api' | 'signaling';

export interface Operations {
  logger: Logger;
  metrics: Metrics;
  /** Present where HTTP requests are answered (not on signaling processes). */
  requestCounts?: RequestCounter;
  /** Spread into createSignaling's deps: counters, WebRTC reports, and errors into the log. */
  signaling: Required<Pick<SignalingDeps, 'metrics' | 'onWebrtcReport' | 'onError'>>;
  /** Writes the last request counts and stops the samplers; call before closing the database. */
  close(): Promise<void>;
}

/** The 99th percentile of event-loop delay since the previous read, in seconds. */
export function eventLoopLagSampler(): { read: () => number; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return {
    read() {
      const p99 = histogram.count === 0 ? 0 : histogram.percentile(99) / 1e9;
      histogram.reset();
      return p99;
    },
    stop: () => histogram.disable(),
  };
}

/** glibc's `malloc_trim`, called through koffi; null where it cannot be (not Linux, another C library). */
export async function loadMallocTrim(): Promise<((pad: number) => number) | null> {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = (await import('koffi')).default;
    return koffi.load('libc.so.6').func('int malloc_trim(size_t)') as (pad: number) => number;
  } catch {
    return null;
  }
}

/**
 * Every `seconds`, gives the memory glibc's allocator holds free back to the system. What a burst frees (a few
 * hundred joins at once: request bodies, query results, V8's own worklists) stays in the allocator's arenas
 * in pieces below the top of each heap, which glibc only returns on `malloc_trim`; measured at 50 rooms of 26, that
 * was 10–15 MiB of the server's resident memory, and how much of it was left varied from run to run. koffi is a
 * maintained FFI whose package carries prebuilt binaries for each platform, so nothing compiles at install. A
 * trim took 2–4 ms of the event loop at 50 rooms of 26.
 */
export function startMallocTrim(seconds: number, logger: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = seconds === 0;
  if (!stopped) {
    void loadMallocTrim().then((trim) => {
      if (!trim) return logger.info('malloc_trim is not available here: freed memory is left to the allocator');
      if (stopped) return;
      timer = setInterval(() => trim(0), seconds * 1000);
      timer.unref();
    });
  }
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

export function createOperations(config: Config, database: DatabaseHandle, role: ProcessRole): Operations {
  const logger = createLogger({ level: config.LOG_LEVEL, base: { process: role, pid: process.pid } });
  const lag = eventLoopLagSampler();
  const trimmer = startMallocTrim(config.MALLOC_TRIM_SECONDS, logger);
  const metrics = createMetrics({
    pool: () => database.pool(),
    eventLoopLag: lag.read,
    activeRooms: () => countActiveRooms(database.db),
  });
  const requestCounts =
    role === 'signaling'
      ? undefined
      : createRequestCounter(database.db, {
          onError: (err) => logger.warn({ err }, 'request counts not written; kept for the next flush'),
        });
  return {
    logger,
    metrics,
    ...(requestCounts ? { requestCounts } : {}),
    signaling: {
      metrics,
      onWebrtcReport(report) {
        metrics.recordWebrtcReport(report);
        // Ids only: which room and peer failed is what an operator needs to look into it.
        if (report.outcome === 'failed') {
          logger.warn({ roomId: report.roomId, participantId: report.participantId, peerId: report.peerId, iceRestarts: report.iceRestarts }, 'webrtc peer failed');
        }
      },
      onError: (err, context) => logger.error({ ...context, err }, 'signaling error'),
    },
    async close() {
      lag.stop();
      trimmer.stop();
      await requestCounts?.close();
      const pending = requestCounts?.pending() ?? 0;
      if (pending === 0) logger.info({ requestCountsPending: 0 }, 'shutdown: request counts written');
      else logger.warn({ requestCountsPending: pending }, 'shutdown: request counts could not be written and are lost');
      logger.flush();
    },
  };
}

/**
 * Stops accepting connections and resolves once every open one has ended: requests in flight finish,
 * idle keep-alive connections are closed as soon as they are idle.
 */
export function drain(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A tiny app serving only GET /metrics, for processes without the API (signaling). */
export function createMetricsApp(metrics: Metrics, token: string | undefined) {
  return new Hono().get('/metrics', metricsHandler(metrics, token));
}
