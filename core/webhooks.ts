// Webhooks: room events queued in the database for the deployment's receivers (WEBHOOK_URLS) and each room's
// own, then delivered at least once, signed the Standard Webhooks way, by the worker in core/webhook-delivery.ts.
import type { Database } from '../db/client.ts';
import type { WebhookEvent } from '../db/schema.ts';
import { endpointsFor, presentCount, queueDeliveries, type NewDelivery } from '../db/webhooks.ts';

export { webhookEvents, type WebhookEvent } from '../db/schema.ts';

export interface WebhookTargets {
  /** The deployment's receivers, for every room and event. */
  urls?: string[] | undefined;
}

export interface Webhooks {
  /** Queues the event for every receiver of the room; resolves once it is stored (delivery comes later). */
  emit(roomId: string, event: WebhookEvent, data: Record<string, unknown>, options?: { once?: boolean }): Promise<void>;
  /** The room's head count changed: told at most once per throttle period, with the count at that time. */
  participantCountChanged(roomId: string): void;
  close(): void;
}

export interface WebhookOptions extends WebhookTargets {
  /** participant.count goes out at most this often per room. */
  countThrottleMs?: number;
  onError?: (err: unknown, context: { event: string; roomId: string }) => void;
}

/** A `webhook-id`: unique per message and the same on each of its attempts. */
const messageId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`;

export function createWebhooks(db: Database, options: WebhookOptions = {}): Webhooks {
  const throttleMs = options.countThrottleMs ?? 30_000;
  const countTimers = new Map<string, ReturnType<typeof setTimeout>>();

  async function emit(roomId: string, event: WebhookEvent, data: Record<string, unknown>, emitOptions: { once?: boolean } = {}) {
    const body = JSON.stringify({ type: event, timestamp: new Date().toISOString(), data });
    const endpoints = await endpointsFor(db, roomId, event);
    const deliveries: NewDelivery[] = [
      ...(options.urls ?? []).map((url) => ({ id: messageId(), roomId, endpointId: null, url, event, body })),
      ...endpoints.map((e) => ({ id: messageId(), roomId, endpointId: e.id, url: e.url, event, body })),
    ];
    if (deliveries.length) await queueDeliveries(db, deliveries, emitOptions.once);
  }

  return {
    emit,
    participantCountChanged(roomId) {
      // Trailing throttle: the first change starts the period, the count is read when it ends.
      if (countTimers.has(roomId)) return;
      const timer = setTimeout(async () => {
        countTimers.delete(roomId);
        try {
          await emit(roomId, 'participant.count', { count: await presentCount(db, roomId) });
        } catch (err) {
          options.onError?.(err, { event: 'participant.count', roomId });
        }
      }, throttleMs);
      (timer as { unref?: () => void }).unref?.();
      countTimers.set(roomId, timer);
    },
    close() {
      for (const timer of countTimers.values()) clearTimeout(timer);
      countTimers.clear();
    },
  };
}
