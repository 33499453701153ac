// Requests answered per day, method, route pattern and status: counted in memory, upserted in batches.
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { requestCounts } from './schema.ts';

export interface RequestCountRow {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  method: string;
  route: string;
  status: number;
  count: number;
}

/** Adds the rows' counts to what is stored; one statement however many rows. */
export async function addRequestCounts(db: Database, rows: RequestCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(requestCounts)
    .values(rows)
    .onConflictDoUpdate({
      target: [requestCounts.day, requestCounts.method, requestCounts.route, requestCounts.status],
      set: { count: sql`${requestCounts.count} + excluded.count` },
    });
}

/** What the HTTP middleware feeds: one call per answered request. */
export interface RequestCountSink {
  add(method: string, route: string, status: number): void;
}

export interface RequestCounter extends RequestCountSink {
  /** Writes what has been counted so far; counts that fail to write are kept for the next flush. */
  flush(): Promise<void>;
  /** Stops the timer and flushes one last time. */
  close(): Promise<void>;
  /** Distinct (day, method, route, status) keys waiting to be written. */
  pending(): number;
}

export interface RequestCounterOptions {
  /** How often the counts are written; 10 s keeps the table a few statements a minute per process. */
  flushIntervalMs?: number;
  now?: () => Date;
  /** Told when a flush fails; the counts stay buffered. */
  onError?: (err: unknown) => void;
}

/**
 * Counts requests in memory and upserts them every `flushIntervalMs`, so the hot path never waits on
 * the database and the table grows by one row per day, endpoint and status, not per request.
 */
export function createRequestCounter(db: Database, options: RequestCounterOptions = {}): RequestCounter {
  const now = options.now ?? (() => new Date());
  let buffer = new Map<string, RequestCountRow>();
  let writing: Promise<void> = Promise.resolve();

  const merge = (row: RequestCountRow) => {
    const key = `${row.day} ${row.method} ${row.route} ${row.status}`;
    const existing = buffer.get(key);
    if (existing) existing.count += row.count;
    else buffer.set(key, { ...row });
  };

  const flushOnce = async () => {
    if (buffer.size === 0) return;
    const rows = [...buffer.values()];
    buffer = new Map();
    try {
      await addRequestCounts(db, rows);
    } catch (err) {
      rows.forEach(merge);
      options.onError?.(err);
    }
  };

  // Flushes run one after another so that a slow write never races the next one over the same rows.
  const flush = () => {
    writing = writing.then(flushOnce);
    return writing;
  };

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 10_000);
  // A pending flush must not keep a stopping process alive; close() writes the rest.
  (timer as { unref?: () => void }).unref?.();

  return {
    add(method, route, status) {
      merge({ day: now().toISOString().slice(0, 10), method, route, status, count: 1 });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    pending: () => buffer.size,
  };
}
