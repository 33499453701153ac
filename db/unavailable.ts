// Telling a database that is not there from a query that failed: the one error a client may simply retry.
/**
 * Codes of a database that is not there: the server unreachable or gone mid-query (postgres.js's connection
 * errors, Node's socket errors) or shutting down, starting up or in recovery (PostgreSQL's class 57P).
 */
const UNAVAILABLE_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
]);

/** Whether an error (or one it wraps, as Drizzle's query errors do) says the database is unreachable right now. */
export function databaseUnavailable(err: unknown): boolean {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  }
  return false;
}
