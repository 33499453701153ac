// The one wait of the tests, benchmarks and e2e helpers outside Vitest's own expect.poll: poll a check until it
// gives something truthy, or fail saying what never happened.

/** Resolves with the first truthy value `check` returns; rejects naming `what` (or what it returns then) after `timeoutMs`. */
export async function until<T>(check: () => T | Promise<T>, what: string | (() => string), timeoutMs = 20_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      // A check may throw while what it reads is not there yet (a page navigating, a socket connecting).
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
