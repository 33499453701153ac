// Request logging: one JSON line per request through the process's pino logger (core/logger.ts).
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../core/logger.ts';
import { methodLabel, routePattern } from './http-metrics.ts';

/** One line per request: method, route pattern, status, duration and request id; 5xx at error level. */
export function requestLogger(logger: Logger): MiddlewareHandler {
  return async function requestLogger(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const line = {
        requestId: requestIdOf(c),
        method: methodLabel(c.req.method),
        route: routePattern(c),
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      };
      if (status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    }
  };
}

function requestIdOf(c: Context): string | undefined {
  return c.get('requestId');
}
