// Per-client request limits: per participant when the request carries a valid token, per address (an IPv6 /64) otherwise.
import type { Context, MiddlewareHandler } from 'hono';
import { addressKey, clientAddressResolver } from '../core/client-address.ts';
import type { Config } from '../core/config.ts';
import type { Limiter, Limiters } from '../core/rate-limiter.ts';
import { tokenOwner } from './auth.ts';
import { ApiError } from './errors.ts';

export interface RateLimitOptions {
  /** Separates the counters of different limits for the same client. */
  name: string;
  /** Requests per window from one address (an IPv6 /64), and, without `perParticipant`, every request. */
  perAddress: number;
  /** Requests per window from one participant, for requests whose bearer token is valid. */
  perParticipant?: number;
  windowSeconds: number;
  /** Requests this limit does not count (another method on the same path, say). */
  skip?: (c: Context) => boolean;
}

/**
 * Counts requests and answers 429 `rate_limited` past the limit, with Retry-After and RateLimit-* headers.
 * People behind one office NAT share an address but not a token: once joined, each is counted alone.
 */
export function rateLimit(limiters: Limiters, options: RateLimitOptions): MiddlewareHandler {
  const durationSeconds = options.windowSeconds;
  const byAddress = limiters.create({ name: `${options.name}-address`, points: options.perAddress, durationSeconds });
  const byParticipant =
    options.perParticipant === undefined
      ? undefined
      : limiters.create({ name: `${options.name}-participant`, points: options.perParticipant, durationSeconds });
  return async function rateLimit(c, next) {
    if (c.get('deps').config.RATE_LIMITS === 'off' || options.skip?.(c)) return next();
    const owner = byParticipant ? await tokenOwner(c) : undefined;
    const [limiter, key]: [Limiter, string] =
      owner && byParticipant ? [byParticipant, `participant:${owner.participant.id}`] : [byAddress, `address:${addressKey(clientAddress(c) ?? 'unknown')}`];
    const answer = await limiter.consume(key);
    const resetSeconds = Math.max(1, Math.ceil(answer.resetMs / 1000));
    c.header('RateLimit-Limit', String(answer.limit));
    c.header('RateLimit-Remaining', String(answer.remaining));
    c.header('RateLimit-Reset', String(resetSeconds));
    if (!answer.allowed) {
      // Thrown rather than answered here, so the 429 takes the one error path; the headers set above stay on it.
      c.header('Retry-After', String(resetSeconds));
      const per = limiter === byParticipant ? 'participant' : 'address';
      throw new ApiError(429, 'rate_limited', `Too many requests; the ${options.name} limit is ${answer.limit} per ${per} per ${durationSeconds} s`);
    }
    await next();
  };
}

/** The limits of the spec, each configurable; RATE_LIMITS=off switches every one of them off. */
export function apiRateLimits(config: Config, limiters: Limiters) {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const onlyPost = (c: Context) => c.req.method !== 'POST';
  return {
    // Health checks come from monitors and load balancers on a fixed beat; throttling them would only
    // make a healthy process look dead.
    api: rateLimit(limiters, {
      name: 'api',
      perAddress: config.RATE_LIMIT_API,
      perParticipant: config.RATE_LIMIT_API_PARTICIPANT,
      windowSeconds,
      skip: (c) => c.req.path === '/api/health',
    }),
    createRoom: rateLimit(limiters, { name: 'create-room', perAddress: config.RATE_LIMIT_CREATE_ROOM, windowSeconds, skip: onlyPost }),
    join: rateLimit(limiters, { name: 'join', perAddress: config.RATE_LIMIT_JOIN, windowSeconds, skip: onlyPost }),
    // Sending is what floods a room; reading history is covered by the overall limit.
    messages: rateLimit(limiters, {
      name: 'messages',
      perAddress: config.RATE_LIMIT_MESSAGES,
      perParticipant: config.RATE_LIMIT_MESSAGES,
      windowSeconds,
      skip: onlyPost,
    }),
  };
}

const resolvers = new WeakMap<readonly string[], ReturnType<typeof clientAddressResolver>>();

/**
 * The client's address: the peer's, or, when the peer is one of TRUST_PROXY's proxies, the client that
 * X-Forwarded-For names (see core/client-address.ts). A header from anyone else is ignored.
 */
export function clientAddress(c: Context): string | undefined {
  const { config, clientIp } = c.get('deps');
  let resolve = resolvers.get(config.TRUST_PROXY);
  if (!resolve) resolvers.set(config.TRUST_PROXY, (resolve = clientAddressResolver(config.TRUST_PROXY)));
  return resolve(peerAddress(c, clientIp), c.req.header('x-forwarded-for'));
}

/**
 * The peer address: what the entry's server knows (Node: getConnInfo), else what the server put in the
 * request environment, read without importing any runtime module: @hono/node-server passes `{ incoming }`
 * (a Node IncomingMessage), Deno.serve passes `{ remoteAddr }` as the second argument of `fetch`.
 */
export function peerAddress(c: Context, clientIp?: (c: Context) => string | undefined): string | undefined {
  if (clientIp) return clientIp(c);
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, remoteAddr } = env as {
    incoming?: { socket?: { remoteAddress?: unknown } };
    remoteAddr?: { hostname?: unknown };
  };
  const address = incoming?.socket?.remoteAddress ?? remoteAddr?.hostname;
  return typeof address === 'string' && address.length > 0 ? address : undefined;
}
