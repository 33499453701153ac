// What of an error may be logged: its type, code, message and stack, never the data of the query that failed.

/**
 * Drizzle wraps a failing query in an error whose message (and so its stack) holds the SQL and every parameter —
 * names, chat messages, token hashes — with the driver's error as its cause; postgres.js adds `parameters`,
 * `detail` and `where` fields with the same data. Only the driver error's code and message are kept.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  let shown: Error = err;
  for (let depth = 0; depth < 4 && carriesQuery(shown); depth++) {
    if (!(shown.cause instanceof Error)) return { type: shown.name, msg: 'a database query failed' };
    shown = shown.cause;
  }
  const code = (shown as { code?: unknown }).code;
  return {
    type: shown.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    msg: shown.message,
    stack: shown.stack,
  };
}

/** Drizzle's wrapper; the driver's own error also has a `query` field, but its message is only PostgreSQL's. */
function carriesQuery(err: Error): boolean {
  return 'params' in err || err.message.startsWith('Failed query:');
}
