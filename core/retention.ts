// Data retention: a sweep that deletes each ended room, with everything it holds, once its retention period is over.
import type { Database } from '../db/client.ts';
import { deleteExpiredRooms } from '../db/report.ts';

export interface RetentionOptions {
  days: number;
  everyMs: number;
  onDeleted?: (rooms: number) => void;
  onError?: (err: unknown) => void;
}

/** Sweeps at once and then every `everyMs`; returns the stop function. Several processes sweeping at once is harmless. */
export function startRetention(db: Database, options: RetentionOptions): () => void {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= deleteExpiredRooms(db, options.days)
      .then((n) => {
        if (n > 0) options.onDeleted?.(n);
      })
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => (running = undefined));
  };
  sweep();
  const timer = setInterval(sweep, options.everyMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
