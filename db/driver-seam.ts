// The one place Podium reaches past Drizzle into postgres.js: prepared statements and a count of queries in
// flight. db/client.test.ts fails if a release of either library changes the calls this relies on
// (Drizzle sending every query through `unsafe()`, and transactions through `begin()`).
import type postgres from 'postgres';

/**
 * Drizzle sends every query through unsafe() without preparing it (it prepares only queries given a name),
 * so PostgreSQL parses and plans each statement anew, one more round trip per query. Podium's statements are
 * a small fixed set: preparing them once per connection is what the hand-written baseline of bench/db does.
 * postgres.js keeps its pool private, so the count of what is in flight is kept here: every query and every
 * transaction holds one connection while it runs, and waits for one when all are taken.
 */
export function preparedAndCounted(client: postgres.Sql): {
  client: postgres.Sql;
  inFlight(): number;
  track<T>(work: PromiseLike<T>): Promise<T>;
} {
  let inFlight = 0;
  const track = <T>(work: PromiseLike<T>): Promise<T> => {
    inFlight++;
    return Promise.resolve(work).finally(() => inFlight--);
  };
  type Unsafe = typeof client.unsafe;
  const prepared = (run: Unsafe): Unsafe =>
    ((query: string, params: unknown[] = [], options: object = {}) =>
      run(query, params as never, { ...options, prepare: true })) as Unsafe;
  const unsafe = prepared(client.unsafe.bind(client));
  const begin = client.begin.bind(client);
  const wrapped = Object.assign(Object.create(client) as postgres.Sql, {
    unsafe: ((...args: Parameters<Unsafe>) => {
      const query = unsafe(...args);
      // drizzle chains .values() on the pending query, so count the query object without awaiting it here.
      inFlight++;
      query.then(
        () => inFlight--,
        () => inFlight--,
      );
      return query;
    }) as Unsafe,
    begin: ((...args: unknown[]) => {
      // The transaction's own connection gets the same treatment as the pool's.
      const withPrepared = args.map((arg) =>
        typeof arg === 'function'
          ? (tx: { unsafe: Unsafe }) => (arg as (t: unknown) => unknown)(Object.assign(tx, { unsafe: prepared(tx.unsafe.bind(tx)) }))
          : arg,
      );
      return track((begin as (...a: unknown[]) => Promise<unknown>)(...withPrepared));
    }) as typeof begin,
  });
  return { client: wrapped, inFlight: () => inFlight, track };
}
