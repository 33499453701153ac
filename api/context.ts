// What every handler can reach: dependencies injected at start, and the caller once authenticated.
import type { Context } from 'hono';
import type { Config } from '../core/config.ts';
import type { Broadcaster } from '../core/broadcast.ts';
import type { PasswordHasher } from './passwords.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { RequestCountSink } from '../db/request-counts.ts';
import type { Logger } from '../core/logger.ts';
import type { MediaServerStatus, Metrics } from '../core/metrics.ts';
import type { Participant, Room } from '../db/rooms.ts';
import type { RoomCore } from '../core/room.ts';
import type { Limiters, LimitStore, PasswordGuard } from '../core/rate-limiter.ts';

export interface AppDeps {
  config: Config;
  database: Pick<DatabaseHandle, 'db' | 'ping' | 'pool'>;
  broadcaster: Broadcaster;
  passwords: PasswordHasher;
  version: string;
  /** ms since the epoch; defaults to when the app was created. */
  startedAt?: number;
  /**
   * The address of the peer that sent the request, for rate limiting. The app is runtime-neutral, so each
   * entry passes what its server knows (Node: getConnInfo); without it the app reads the Node and Deno
   * request environments itself. X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
   */
  clientIp?: (c: Context) => string | undefined;
  /** Where rate-limit counts live (core/rate-limiter.ts); this process's memory when absent. */
  limitStore?: LimitStore;
  /** One JSON line per request and unhandled errors; without it (tests not about logs) no request lines are written. */
  logger?: Logger;
  /** With it the app times every request and serves GET /metrics (behind METRICS_TOKEN when set). */
  metrics?: Metrics;
  /** The Janus servers of this process, for /api/health; absent where there is no SFU. */
  mediaServers?: () => MediaServerStatus[];
  /** Persistent per-day request counts behind the analytics error rates; fed with the metrics. */
  requestCounts?: RequestCountSink;
  /** The room core shared with signaling in the same process; one is made on the database and broadcaster when absent. */
  core?: RoomCore;
}

/** What handlers see: the dependencies with the room core and the password guard always there. */
export type ResolvedDeps = AppDeps & { core: RoomCore; limiters: Limiters; passwordGuard: PasswordGuard };

/** Who is calling, resolved once from the bearer token. */
export interface Caller {
  participant: Participant;
  room: Room;
  role: Participant['role'];
}

declare module 'hono' {
  interface ContextVariableMap {
    deps: ResolvedDeps;
    caller: Caller;
    /** The bearer token's participant and room, looked up at most once per request (see `tokenOwner`). */
    tokenOwner: Promise<{ participant: Participant; room: Room } | undefined>;
  }
}
