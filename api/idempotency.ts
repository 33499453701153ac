// Idempotency-Key for POSTs: a request sent again with the same key (a client retrying after a lost answer)
// gets the first answer back instead of creating a second room, participant, message or question.
import type { MiddlewareHandler } from 'hono';
import { z } from '@hono/zod-openapi';
import { ApiError } from './errors.ts';

export const IDEMPOTENCY_TTL_MS = 10 * 60_000;
export const IDEMPOTENCY_MAX_ENTRIES = 10_000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The header as the routes that honour it declare it in the OpenAPI document. */
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(KEY_PATTERN, 'expected 1 to 255 visible ASCII characters')
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description: 'Any unique string (a UUID): the same request sent again with it within 10 minutes gets the first answer (marked `Idempotent-Replayed: true`)',
    }),
});

interface Stored {
  status: number;
  contentType: string | null;
  body: string;
}

interface Entry {
  fingerprint: string;
  expiresAt: number;
  answer: Promise<Stored | null>;
}

export interface IdempotencyOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Remembers the answer to each keyed POST for `ttlMs`, per route, caller (Authorization) and key. Answers that
 * invite a retry (429 and 5xx) are not remembered, so the retry runs again. Held in this process's memory: a
 * retry that reaches another API process is done there anew.
 */
export function idempotency(options: IdempotencyOptions = {}): MiddlewareHandler {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const maxEntries = options.maxEntries ?? IDEMPOTENCY_MAX_ENTRIES;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const prune = () => {
    const time = now();
    for (const [scope, entry] of entries) {
      // Insertion order is expiry order (one ttl for all), so the first live entry ends the sweep.
      if (entry.expiresAt > time && entries.size < maxEntries) break;
      entries.delete(scope);
    }
  };

  return async function idempotency(c, next) {
    const key = c.req.header('Idempotency-Key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      const details = [{ path: 'Idempotency-Key', message: 'expected 1 to 255 visible ASCII characters' }];
      throw new ApiError(400, 'validation_error', 'The request is not valid: Idempotency-Key: expected 1 to 255 visible ASCII characters', { details });
    }
    const scope = `${c.req.path}\n${await sha256(c.req.header('Authorization') ?? '')}\n${key}`;
    const fingerprint = await sha256(await c.req.text());
    prune();
    const earlier = entries.get(scope);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request');
      }
      const stored = await earlier.answer;
      if (stored) {
        const headers: Record<string, string> = { 'Idempotent-Replayed': 'true' };
        if (stored.contentType) headers['Content-Type'] = stored.contentType;
        return new Response(stored.body, { status: stored.status, headers });
      }
    }
    let settle: (stored: Stored | null) => void = () => {};
    entries.set(scope, { fingerprint, expiresAt: now() + ttlMs, answer: new Promise((done) => (settle = done)) });
    try {
      await next();
    } catch (err) {
      entries.delete(scope);
      settle(null);
      throw err;
    }
    const status = c.res.status;
    if (status === 429 || status >= 500) {
      entries.delete(scope);
      settle(null);
    } else {
      settle({ status, contentType: c.res.headers.get('Content-Type'), body: await c.res.clone().text() });
    }
  };
}
