// Counting for every rate limit, REST and sockets alike: rate-limiter-flexible on one store per deployment.
import {
  RateLimiterDrizzle,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Database } from '../db/client.ts';
import { rateLimits } from '../db/schema.ts';
import { PASSWORD_GUESS_WINDOW_SECONDS, PASSWORD_MAX_DELAY_SECONDS, passwordDelaySeconds } from './limits.ts';
import { hashToken } from './tokens.ts';

/**
 * Where counts live. `memory` for a process that is alone (the all-in-one server); `redis` or `postgres` when
 * several processes serve the same people, so that a client who reaches two of them is counted once.
 * rate-limiter-flexible was chosen because one library covers both transports and all three stores behind
 * the same `consume`, with atomic increments on Redis (a Lua script) and PostgreSQL (one upsert).
 */
export type LimitStore =
  | { kind: 'memory' }
  /** A connected node-redis client. */
  | { kind: 'redis'; client: object }
  | { kind: 'postgres'; db: Database };

export interface LimitOptions {
  /** Separates the counters of different limits for the same key. */
  name: string;
  points: number;
  durationSeconds: number;
}

export interface LimitAnswer {
  allowed: boolean;
  limit: number;
  /** Points left in the window after this one. */
  remaining: number;
  /** Until the window's counts are forgotten; when refused, the wait before trying again makes sense. */
  resetMs: number;
}

export interface Limiter {
  readonly limit: number;
  /** Spends `points` for `key`; refused when that would pass the limit (nothing is spent then beyond the count). */
  consume(key: string, points?: number): Promise<LimitAnswer>;
  /** Points spent for `key` in the current window, and how long until they are forgotten. */
  spent(key: string): Promise<{ points: number; resetMs: number }>;
  /** Makes every `consume` of `key` refused for `seconds`. */
  block(key: string, seconds: number): Promise<void>;
}

export interface Limiters {
  readonly kind: LimitStore['kind'];
  create(options: LimitOptions): Limiter;
}

/**
 * The limiters of one process on its store. Keys sent to Redis or PostgreSQL are SHA-256 hashes (with the
 * limit's name), so neither holds a participant id or a client address; memory keeps them as they are.
 * When the shared store fails, counting goes on in this process's memory (rate-limiter-flexible's
 * insurance limiter) rather than letting every request through or refusing them all.
 */
export function createLimiters(store: LimitStore): Limiters {
  const shared = store.kind !== 'memory';
  const toKey = async (name: string, key: string) => (shared ? await hashToken(`${name}\u0000${key}`) : key);
  return {
    kind: store.kind,
    create(options) {
      const base = { keyPrefix: `podium-${options.name}`, points: options.points, duration: options.durationSeconds };
      const limiter = makeLimiter(store, base);
      return {
        limit: options.points,
        async consume(key, points = 1) {
          try {
            const res = await limiter.consume(await toKey(options.name, key), points);
            return { allowed: true, limit: options.points, remaining: res.remainingPoints, resetMs: Math.max(0, res.msBeforeNext) };
          } catch (err) {
            if (!(err instanceof RateLimiterRes)) throw err;
            return { allowed: false, limit: options.points, remaining: 0, resetMs: Math.max(1, err.msBeforeNext) };
          }
        },
        async spent(key) {
          const res = await limiter.get(await toKey(options.name, key));
          return res ? { points: res.consumedPoints, resetMs: Math.max(0, res.msBeforeNext) } : { points: 0, resetMs: 0 };
        },
        async block(key, seconds) {
          await limiter.block(await toKey(options.name, key), seconds);
        },
      };
    },
  };
}

type Base = { keyPrefix: string; points: number; duration: number };

function makeLimiter(store: LimitStore, base: Base): RateLimiterAbstract {
  if (store.kind === 'memory') return new RateLimiterMemory(base);
  const insuranceLimiter = new RateLimiterMemory(base);
  if (store.kind === 'redis') return new RateLimiterRedis({ ...base, storeClient: store.client, useRedisPackage: true, insuranceLimiter });
  return new RateLimiterDrizzle({ ...base, storeClient: store.db, schema: rateLimits, insuranceLimiter });
}

/** Wrong room passwords, counted per room whatever address they come from (see core/limits.ts for the delays). */
export interface PasswordGuard {
  /** How long this room's password refuses every try, in ms (0: it may be tried now). */
  waitMs(roomId: string): Promise<number>;
  /** Counts a wrong guess; answers how long the next try must wait, in ms. */
  wrongGuess(roomId: string): Promise<number>;
}

export function createPasswordGuard(limiters: Limiters): PasswordGuard {
  // Only counts: nothing is refused by this one, so its allowance is beyond reach.
  const guesses = limiters.create({ name: 'password-guesses', points: 1_000_000, durationSeconds: PASSWORD_GUESS_WINDOW_SECONDS });
  const delay = limiters.create({ name: 'password-delay', points: 1, durationSeconds: PASSWORD_MAX_DELAY_SECONDS });
  return {
    async waitMs(roomId) {
      const spent = await delay.spent(roomId);
      return spent.points > delay.limit ? spent.resetMs : 0;
    },
    async wrongGuess(roomId) {
      const counted = await guesses.consume(roomId);
      const seconds = passwordDelaySeconds(counted.limit - counted.remaining);
      if (seconds > 0) await delay.block(roomId, seconds);
      return seconds * 1000;
    },
  };
}

/**
 * RATE_LIMIT_STORE decides when set. Otherwise a process that is alone counts in its memory, and the split
 * entries (an API process and signaling processes, any number of each) count on Redis with REDIS_URL, else
 * on the PostgreSQL they share anyway.
 */
export function limitStoreKind(
  config: { RATE_LIMIT_STORE?: LimitStore['kind'] | undefined; REDIS_URL?: string | undefined },
  deployment: 'alone' | 'split',
): LimitStore['kind'] {
  if (config.RATE_LIMIT_STORE) return config.RATE_LIMIT_STORE;
  if (deployment === 'alone') return 'memory';
  return config.REDIS_URL ? 'redis' : 'postgres';
}
