// Prometheus metrics: one registry per process, the HTTP middleware that feeds it, and GET /metrics.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/client.ts';
import type { RequestCountSink } from '../db/request-counts.ts';
import type { RoomEvents } from './broadcast.ts';
import type { ErrorBody } from './errors.ts';

/** One Janus server as /api/health and /metrics show it; `name` (janus-1, …) keeps its address private. */
export interface MediaServerStatus {
  name: string;
  healthy: boolean;
  rooms: number;
  publishers: number;
  subscribers: number;
  latencyMs: number | null;
}

/** Values read when Prometheus scrapes; each process passes the ones it has. */
export interface MetricSources {
  /** The Janus servers this process drives (signaling/sfu.ts), if any. */
  mediaServers?: () => MediaServerStatus[];
  connectedSockets?: () => number | Promise<number>;
  activeRooms?: () => number | Promise<number>;
  pool?: () => PoolStats;
  /**
   * Event-loop lag in seconds. api/ stays free of `node:` imports (it also runs on Deno), so Node entries
   * pass a sampler built on perf_hooks (see node-operations.ts).
   */
  eventLoopLag?: () => number;
}

export type WebrtcOutcome = 'connected' | 'failed';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  chatMessages: Counter;
  questions: Counter;
  reactions: Counter;
  screenShares: Counter;
  webrtcPeerConnections: Counter<'outcome'>;
  webrtcTimeToConnect: Histogram;
  /** Records what a client's `webrtc-report` says about one peer connection. */
  recordWebrtcReport(report: { outcome: WebrtcOutcome; timeToConnectMs?: number }): void;
  /** Adds sources; entries call it once the socket server or the pool exists. */
  setSources(sources: MetricSources): void;
}

/** The counters that live events move; signaling handlers and REST writes both feed them. */
export type RoomActivityMetrics = Pick<Metrics, 'chatMessages' | 'questions' | 'reactions' | 'screenShares'>;

/** Counts what a REST write told the room (the socket handlers count their own events). */
export function countPublished<E extends keyof RoomEvents>(metrics: RoomActivityMetrics | undefined, event: E, payload: RoomEvents[E]): void {
  if (!metrics) return;
  if (event === 'new-question') metrics.questions.inc();
  if (event === 'new-chat-message') {
    const { messageType } = (payload as RoomEvents['new-chat-message']).message;
    if (messageType === 'chat') metrics.chatMessages.inc();
    if (messageType === 'reaction') metrics.reactions.inc();
  }
}

/** A source that does not answer within this long leaves its gauge at the last value, so a scrape never hangs. */
const SOURCE_TIMEOUT_MS = 1000;

export function createMetrics(initial: MetricSources = {}): Metrics {
  const registry = new Registry();
  const sources: MetricSources = { ...initial };
  const registers = [registry];

  const gauge = (name: string, help: string, read: () => number | Promise<number> | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          const value = await withTimeout(read());
          if (value !== undefined && Number.isFinite(value)) this.set(value);
        } catch {
          // A failing source (the database is down) must not fail the scrape; the gauge keeps its last value.
        }
      },
    });

  gauge('podium_active_rooms', 'Rooms not yet ended, across the deployment (the same on every process: use max())', () =>
    sources.activeRooms?.(),
  );
  gauge('podium_connected_sockets', 'Socket.io connections held by this process', () => sources.connectedSockets?.());
  gauge('podium_db_pool_max', 'Size of the database connection pool', () => sources.pool?.().max);
  gauge('podium_db_pool_in_use', 'Database connections running a query', () => sources.pool?.().inUse);
  gauge('podium_db_pool_waiting', 'Queries waiting for a free database connection', () => sources.pool?.().waiting);
  gauge('podium_event_loop_lag_seconds', 'Event-loop delay, 99th percentile since the previous scrape', () => sources.eventLoopLag?.());

  const perServer = (name: string, help: string, read: (s: MediaServerStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['server'] as const,
      registers,
      collect() {
        this.reset();
        for (const server of sources.mediaServers?.() ?? []) this.set({ server: server.name }, read(server));
      },
    });
  perServer('podium_janus_up', 'Whether the Janus server answers (1) or not (0)', (s) => (s.healthy ? 1 : 0));
  perServer('podium_janus_rooms', 'Rooms placed on the Janus server', (s) => s.rooms);
  perServer('podium_janus_publishers', 'Presenters publishing into the Janus server', (s) => s.publishers);
  perServer('podium_janus_subscribers', 'Attendees subscribed through the Janus server', (s) => s.subscribers);

  const webrtcPeerConnections = new Counter({
    name: 'podium_webrtc_peer_connections_total',
    help: 'WebRTC peer connections reported by clients, by outcome (connected or failed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Both series exist from the start, so a success rate is defined before the first failure.
  webrtcPeerConnections.inc({ outcome: 'connected' }, 0);
  webrtcPeerConnections.inc({ outcome: 'failed' }, 0);
  const webrtcTimeToConnect = new Histogram({
    name: 'podium_webrtc_time_to_connect_seconds',
    help: 'Time from the first offer to a connected peer, as reported by clients',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
    registers,
  });

  return {
    registry,
    httpRequests: new Counter({
      name: 'podium_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'podium_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    chatMessages: new Counter({ name: 'podium_chat_messages_total', help: 'Chat messages stored', registers }),
    questions: new Counter({ name: 'podium_questions_total', help: 'Questions asked', registers }),
    reactions: new Counter({ name: 'podium_reactions_total', help: 'Reactions sent', registers }),
    screenShares: new Counter({ name: 'podium_screen_shares_total', help: 'Screen shares started', registers }),
    webrtcPeerConnections,
    webrtcTimeToConnect,
    recordWebrtcReport(report) {
      webrtcPeerConnections.inc({ outcome: report.outcome });
      if (report.outcome === 'connected' && report.timeToConnectMs !== undefined) {
        webrtcTimeToConnect.observe(report.timeToConnectMs / 1000);
      }
    },
    setSources(more) {
      Object.assign(sources, more);
    },
  };
}

async function withTimeout<T>(value: T | Promise<T>): Promise<T | undefined> {
  if (!(value instanceof Promise)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      value,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Requests that matched no route share one label, so scanners probing random paths cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route pattern that answered (`/api/rooms/:slug`), never the raw path: the first matched route that
 * is a handler for a method, not a middleware registered for every method. Handlers answer in the order
 * they were registered, so a catch-all added later (the UI shell's `GET *`) does not take the label.
 */
export function routePattern(c: Context): string {
  return matchedRoutes(c).find((route) => route.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
}

export function methodLabel(method: string): string {
  return knownMethods.has(method) ? method : 'OTHER';
}

/** Times every request and counts it in the metrics and, when given, in the persistent request counts. */
export function httpMetrics(metrics: Metrics, requestCounts?: RequestCountSink): MiddlewareHandler {
  return async function httpMetrics(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const labels = { method: methodLabel(c.req.method), route: routePattern(c), status: String(c.res.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, (performance.now() - started) / 1000);
      requestCounts?.add(labels.method, labels.route, c.res.status);
    }
  };
}

/** Compares two secrets in time that does not depend on where they differ. */
export async function secretsMatch(given: string, expected: string): Promise<boolean> {
  const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Whether the request carries `Authorization: Bearer <token>`; always true when no token is configured. */
export async function bearerAllowed(c: Context, token: string | undefined): Promise<boolean> {
  if (!token) return true;
  const header = c.req.header('Authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? secretsMatch(match[1]!, token) : false;
}

/** GET /metrics in the Prometheus text format, behind `METRICS_TOKEN` when it is set. */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async function metricsEndpoint(c: Context) {
    if (!(await bearerAllowed(c, token))) {
      const body: ErrorBody = { error: { code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' } };
      return c.json(body, 401, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
  };
}

/** A tiny app serving only GET /metrics, for processes without the API (signaling). */
export function createMetricsApp(metrics: Metrics, token: string | undefined) {
  return new Hono().get('/metrics', metricsHandler(metrics, token));
}
