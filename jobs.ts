// What the API and all-in-one processes both run: their room core, the data retention sweep and webhook delivery.
import { lookup } from 'node:dns/promises';
import type { Logger } from './core/logger.ts';
import type { Config } from './core/config.ts';
import { startRetention } from './core/retention.ts';
import { startWebhookDelivery } from './core/webhook-delivery.ts';
import { createWebhooks } from './core/webhooks.ts';
import type { Broadcaster } from './core/broadcast.ts';
import { createRoomCore, type RoomCore } from './core/room.ts';
import type { RoomActivityMetrics } from './core/metrics.ts';
import type { Database } from './db/client.ts';

/** Every address the host name resolves to (IPv4 and IPv6), so a private one among them is seen. */
export const resolveHost = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * A process's room core: webhooks go to the deployment's receivers from WEBHOOK_URLS on top of each room's own,
 * and what fails after a write committed is logged.
 */
export function deploymentCore(config: Config, db: Database, deps: { broadcaster: Broadcaster; metrics: RoomActivityMetrics; logger: Logger }): RoomCore {
  const { broadcaster, metrics, logger } = deps;
  return createRoomCore({
    db,
    broadcaster,
    metrics,
    webhooks: createWebhooks(db, { urls: config.WEBHOOK_URLS, onError: (err, context) => logger.error({ ...context, err }, 'webhook not queued') }),
    onError: (err, context) => logger.error({ ...context, err }, 'broadcast failed'),
  });
}

export function startJobs(config: Config, db: Database, logger: Logger): { stop(): Promise<void> } {
  const stopRetention = startRetention(db, {
    days: config.REPORT_RETENTION_DAYS,
    everyMs: config.RETENTION_SWEEP_SECONDS * 1000,
    onDeleted: (rooms) => logger.info({ rooms }, 'rooms past their retention period deleted'),
    onError: (err) => logger.error({ err }, 'retention sweep failed'),
  });
  const delivery = startWebhookDelivery(db, {
    deploymentSecret: config.WEBHOOK_SECRET,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollMs: config.WEBHOOK_POLL_MS,
    resolve: resolveHost,
    onAttempt: (d, outcome) =>
      (outcome.delivered ? logger.debug.bind(logger) : logger.warn.bind(logger))(
        { deliveryId: d.id, roomId: d.roomId, event: d.event, attempt: d.attempts, status: outcome.status, error: outcome.error },
        outcome.delivered ? 'webhook delivered' : 'webhook not delivered',
      ),
    onError: (err) => logger.error({ err }, 'webhook delivery failed'),
  });
  return {
    async stop() {
      stopRetention();
      await delivery.stop();
    },
  };
}
