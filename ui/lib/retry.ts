// Requests that retry: idempotent requests are sent again, with exponential backoff and full jitter, when the
// network fails or the server says it is briefly unable (502, 503, 504, 429 with its Retry-After); never on other 4xx.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The ceiling of the first retry's delay; each later retry doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the answer goes back to the caller as it is. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 300, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** GET, HEAD, PUT and DELETE mean the same done twice; a POST only when it carries an Idempotency-Key. */
export function isIdempotent(method: string, headers: Record<string, string> = {}): boolean {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD' || upper === 'PUT' || upper === 'DELETE' || upper === 'OPTIONS') return true;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key' && headers[name] !== '');
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Full jitter: a random delay between 0 and the exponential ceiling of this retry (1 for the first). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** The status that caused it, or 0 for a network error. */
  status: number;
}

export interface RetryOptions {
  policy?: RetryPolicy;
  random?: () => number;
  /** How a delay is waited for (the default is a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait; `onSettled` after the last attempt of a request that retried. */
  onRetry?: (event: RetryEvent) => void;
  onSettled?: () => void;
  fetch?: typeof fetch;
}

const sleepFor = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * fetch, sent again while it fails in a way worth retrying. Requests that are not idempotent go once. A network
 * error still failing after the last attempt is thrown; a retryable status is returned as the last response.
 */
export async function fetchWithRetry(url: string, init: RequestInit & { headers?: Record<string, string> } = {}, options: RetryOptions = {}): Promise<Response> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const doFetch = options.fetch ?? ((input: string, i?: RequestInit) => fetch(input, i));
  const sleep = options.sleep ?? sleepFor;
  const attempts = isIdempotent(init.method ?? 'GET', init.headers) ? Math.max(1, policy.attempts) : 1;
  let retried = false;
  try {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await doFetch(url, init);
      } catch (err) {
        // An abort is the caller's decision, not the network's.
        if (init.signal?.aborted) throw err;
        failure = err;
      }
      if (response && !RETRY_STATUSES.has(response.status)) return response;
      if (attempt >= attempts) {
        if (response) return response;
        throw failure;
      }
      let delayMs = backoffDelay(attempt, policy, options.random);
      if (response) {
        const asked = parseRetryAfter(response.headers.get('Retry-After'));
        if (asked !== null) {
          if (asked > policy.maxRetryAfterMs) return response;
          delayMs = asked;
        }
        // The body of an answer that is thrown away must still be read or the connection is held.
        await response.body?.cancel().catch(() => {});
      }
      retried = true;
      options.onRetry?.({ retry: attempt, delayMs, status: response?.status ?? 0 });
      await sleep(delayMs);
    }
  } finally {
    if (retried) options.onSettled?.();
  }
}
