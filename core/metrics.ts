// Prometheus metrics: one registry per process, with every series Podium exports defined here.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/client.ts';

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
   * Event-loop lag in seconds. core/ and api/ stay free of `node:` imports (api/ also runs on Deno), so Node entries
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
  /** Chat messages and reactions accepted and not yet committed (queued or in the running insert). */
  chatWriteQueue: Gauge;
  /** From accepted to committed, per stored message. */
  chatWriteWait: Histogram;
  chatWriteGroup: Histogram;
  /** Socket events received and not yet handled (each socket's events are handled in order). */
  socketEventQueue: Gauge;
  /** From received to handled, per socket event. */
  socketEventWait: Histogram;
  busyRefusals: Counter<'reason'>;
  webrtcPeerConnections: Counter<'outcome'>;
  webrtcTimeToConnect: Histogram;
  /** Records what a client's `webrtc-report` says about one peer connection. */
  recordWebrtcReport(report: { outcome: WebrtcOutcome; timeToConnectMs?: number }): void;
  /** Adds sources; entries call it once the socket server or the pool exists. */
  setSources(sources: MetricSources): void;
}

/** The counters that room actions move; the room core feeds them, whichever transport the action came by. */
export type RoomActivityMetrics = Pick<
  Metrics,
  'chatMessages' | 'questions' | 'reactions' | 'screenShares' | 'chatWriteQueue' | 'chatWriteWait' | 'chatWriteGroup' | 'busyRefusals'
>;

/** Why an action was refused as `busy` (or `rate_limited`, for a socket that sends faster than it is served). */
export const busyReasons = ['queue_full', 'queue_slow', 'socket_backlog', 'late'] as const;
export type BusyReason = (typeof busyReasons)[number];

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

  const busyRefusals = new Counter({
    name: 'podium_busy_refusals_total',
    help: 'Actions refused with busy or rate_limited because the server was behind, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of busyReasons) busyRefusals.inc({ reason }, 0);

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
    chatWriteQueue: new Gauge({
      name: 'podium_chat_write_queue_depth',
      help: 'Chat messages and reactions accepted and waiting for their group insert to commit',
      registers,
    }),
    chatWriteWait: new Histogram({
      name: 'podium_chat_write_wait_seconds',
      help: 'Time from accepting a chat message or reaction to its commit (time in the write queue included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    chatWriteGroup: new Histogram({
      name: 'podium_chat_write_group_size',
      help: 'Messages stored by one multi-row insert',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    socketEventQueue: new Gauge({
      name: 'podium_socket_events_queued',
      help: 'Socket events received and waiting for the events before them on the same socket',
      registers,
    }),
    socketEventWait: new Histogram({
      name: 'podium_socket_event_wait_seconds',
      help: 'Time a socket event waited between arriving and being handled',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    busyRefusals,
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
