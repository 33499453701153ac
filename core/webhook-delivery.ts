// Delivers queued webhooks: claims due rows, refuses private targets by their resolved addresses, signs with
// the Standard Webhooks scheme (the `standardwebhooks` package), and reschedules failures with exponential backoff.
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../db/client.ts';
import { claimDueDeliveries, endpointSecret, recordAttempt, type WebhookDelivery } from '../db/webhooks.ts';

/** Resolves a host name to its addresses (Node: dns.lookup with `all`); runtime-neutral code gets it injected. */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface DeliveryOptions {
  /** The deployment's secret, for deliveries to WEBHOOK_URLS. */
  deploymentSecret?: string | undefined;
  allowPrivate: boolean;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  pollMs: number;
  resolve: ResolveHost;
  /** Per attempt, for logs and metrics. */
  onAttempt?: (delivery: Pick<WebhookDelivery, 'id' | 'roomId' | 'event' | 'attempts'>, outcome: { delivered: boolean; status: number | null; error?: string }) => void;
  onError?: (err: unknown) => void;
  fetch?: typeof fetch;
}

const MAX_BACKOFF_MS = 3_600_000;
const BATCH = 20;

/** Address ranges no webhook reaches unless allowed: everything ipaddr.js does not call `unicast` (public). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** Why a URL may not receive webhooks, or null when every address it resolves to is public (or private ones are allowed). */
export async function refusedTarget(url: string, allowPrivate: boolean, resolve: ResolveHost): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'only http and https receivers are allowed';
  if (allowPrivate) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch {
    return `cannot resolve ${host}`;
  }
  if (addresses.length === 0) return `cannot resolve ${host}`;
  const inner = addresses.find((a) => !isPublicAddress(a));
  return inner ? `${host} resolves to a private or local address (${inner}); set WEBHOOK_ALLOW_PRIVATE=true to allow it` : null;
}

/** The wait before attempt `attempts + 1`: base, 2×base, 4×base, … up to an hour. */
export const backoffMs = (attempts: number, baseMs: number) => Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));

export interface DeliveryWorker {
  /** One pass over due deliveries; resolves when they have been tried. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startWebhookDelivery(db: Database, options: DeliveryOptions): DeliveryWorker {
  const send = options.fetch ?? fetch;
  // A claimed row is tried again by anyone once the lease ends: a process that died mid-attempt loses nothing.
  const leaseMs = options.timeoutMs + 30_000;
  let stopped = false;
  let pass: Promise<number> | undefined;

  async function attempt(delivery: WebhookDelivery): Promise<void> {
    const report = (delivered: boolean, status: number | null, error?: string) =>
      options.onAttempt?.(delivery, { delivered, status, ...(error === undefined ? {} : { error }) });
    const refused = await refusedTarget(delivery.url, options.allowPrivate, options.resolve);
    if (refused) {
      await recordAttempt(db, delivery.id, { delivered: false, status: null, error: `refused: ${refused}`, retryInMs: null });
      return report(false, null, refused);
    }
    const secret = delivery.endpointId ? await endpointSecret(db, delivery.endpointId) : options.deploymentSecret;
    if (!secret) {
      await recordAttempt(db, delivery.id, { delivered: false, status: null, error: 'no signing secret', retryInMs: null });
      return report(false, null, 'no signing secret');
    }
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Podium-Webhooks',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(delivery.id, now, delivery.body),
    };
    let status: number | null = null;
    let error: string;
    try {
      // Redirects are not followed: they could lead anywhere, the checked address included.
      const res = await send(delivery.url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      status = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) {
        await recordAttempt(db, delivery.id, { delivered: true, status: res.status });
        return report(true, res.status);
      }
      error = `answered ${res.status}`;
    } catch (err) {
      error = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : 'could not connect';
    }
    const retryInMs = delivery.attempts >= options.maxAttempts ? null : backoffMs(delivery.attempts, options.retryBaseMs);
    await recordAttempt(db, delivery.id, { delivered: false, status, error, retryInMs });
    report(false, status, error);
  }

  async function runOnce(): Promise<number> {
    const due = await claimDueDeliveries(db, BATCH, leaseMs);
    await Promise.all(due.map((d) => attempt(d).catch((err: unknown) => options.onError?.(err))));
    return due.length;
  }

  const timer = setInterval(() => {
    if (stopped || pass) return;
    pass = runOnce()
      .catch((err: unknown) => {
        options.onError?.(err);
        return 0;
      })
      .finally(() => (pass = undefined));
  }, options.pollMs);
  (timer as { unref?: () => void }).unref?.();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
