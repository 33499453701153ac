// Structured logs through pino, for every process and module: one JSON line per notable event, never a name,
// message, password or token.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Config } from './config.ts';
import { loggableError } from './error-log.ts';

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

/** Where code that was given no logger (a test's app or signaling server) writes its errors: standard error. */
let fallback: Logger | undefined;
export function fallbackLogger(): Logger {
  fallback ??= createLogger({ level: 'error', destination: pino.destination({ dest: 2, sync: true }) });
  return fallback;
}
