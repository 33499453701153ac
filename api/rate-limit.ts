// Per-client request limits. hono-rate-limiter was chosen because it is Hono-native middleware with no
// Node imports (so it runs on Deno too), writes the standard RateLimit-* and Retry-After headers, and
// takes a pluggable store, so a shared store can replace the in-process one when the API scales out.
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { AppDeps } from './context.ts';
import { ApiError } from './errors.ts';

export interface RateLimitOptions {
  /** Separates the counters of different limits for the same client. */
  name: string;
  limit: number;
  windowSeconds: number;
  /** Requests this limit does not count (another method on the same path, say). */
  skip?: (c: Context) => boolean;
}

/** Counts requests per client address; past the limit it answers 429 `rate_limited`. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const limiter = rateLimiter({
    windowMs: options.windowSeconds * 1000,
    limit: options.limit,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => `${options.name}:${clientAddress(c) ?? 'unknown'}`,
    skip: (c) => c.get('deps').config.RATE_LIMITS === 'off' || (options.skip?.(c) ?? false),
    handler: () => {
      // Thrown rather than answered here, so the 429 takes the one error path; the limiter has already
      // set Retry-After and RateLimit-* on the context, and they stay on the error response.
      throw new ApiError(429, 'rate_limited', `Too many requests; the ${options.name} limit is ${options.limit} per ${options.windowSeconds} s`);
    },
  });
  return async function rateLimit(c, next) {
    return limiter(c, next);
  };
}

/** The limits of the spec, each configurable; RATE_LIMITS=off switches every one of them off. */
export function apiRateLimits(config: AppDeps['config']) {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const onlyPost = (c: Context) => c.req.method !== 'POST';
  return {
    // Health checks come from monitors and load balancers on a fixed beat; throttling them would only
    // make a healthy process look dead.
    api: rateLimit({ name: 'api', limit: config.RATE_LIMIT_API, windowSeconds, skip: (c) => c.req.path === '/api/health' }),
    createRoom: rateLimit({ name: 'create-room', limit: config.RATE_LIMIT_CREATE_ROOM, windowSeconds, skip: onlyPost }),
    join: rateLimit({ name: 'join', limit: config.RATE_LIMIT_JOIN, windowSeconds, skip: onlyPost }),
    // Sending is what floods a room; reading history is covered by the overall limit.
    messages: rateLimit({ name: 'messages', limit: config.RATE_LIMIT_MESSAGES, windowSeconds, skip: onlyPost }),
  };
}

/**
 * The client's address. Behind a proxy (TRUST_PROXY=true) it is the first X-Forwarded-For address;
 * otherwise the header is ignored, since any client can send it.
 */
export function clientAddress(c: Context): string | undefined {
  const { config, clientIp } = c.get('deps');
  if (config.TRUST_PROXY) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return clientIp ? clientIp(c) : peerAddress(c.env);
}

/**
 * Reads the peer address from what the server put in the request environment, without importing any
 * runtime module: @hono/node-server passes `{ incoming }` (a Node IncomingMessage), Deno.serve passes
 * `{ remoteAddr }` as the second argument of `fetch`.
 */
function peerAddress(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, remoteAddr } = env as {
    incoming?: { socket?: { remoteAddress?: unknown } };
    remoteAddr?: { hostname?: unknown };
  };
  const address = incoming?.socket?.remoteAddress ?? remoteAddr?.hostname;
  return typeof address === 'string' && address.length > 0 ? address : undefined;
}
