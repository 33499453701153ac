// Structured logs: one JSON line per request and per notable event, never a name, message, password or token.
import { loggableError } from '../core/error-log.ts';
import type { Context, MiddlewareHandler } from 'hono';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Config } from '../core/config.ts';
import { methodLabel, routePattern } from './http-metrics.ts';

export type Logger = PinoLogger;

/**
 * A second line of defence: nothing logs bodies on purpose, but a field with one of these names, at the
 * top or one level down, is censored whatever put it there.
 */
export const REDACTED_FIELDS = ['password', 'token', 'name', 'presenterName', 'message', 'question', 'answer', 'body', 'authorization', 'cookie'];

const redactPaths = [
  ...REDACTED_FIELDS,
  ...REDACTED_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level: Config['LOG_LEVEL'];
  /** Where the lines go; standard output when absent. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. `{ process: 'signaling' }`. */
  base?: Record<string, string | number>;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/**
 * Only the type, code, message and stack of an error: drivers attach the failing query's parameters and
 * details (which hold names and messages) as extra fields or inside the message, and those must not reach the log.
 */
export const serializeError = loggableError;

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
