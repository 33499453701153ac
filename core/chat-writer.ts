// Group commit for chat: messages that arrive while an insert is running go out together in the next one.
import type { Database } from '../db/client.ts';
import { addMessages, type MessageOutcome, type NewMessage } from '../db/chat.ts';
import { RoomError } from './errors.ts';

export interface ChatWriterOptions {
  /** A message queued longer than this is refused as `busy` instead of waiting on (it was never stored). */
  maxWaitMs?: number;
  /** Messages queued at most; beyond it new ones are refused as `busy`. */
  maxQueued?: number;
  /** Rows per insert at most. */
  maxGroup?: number;
  /** Told how long each stored message waited, in seconds, and how big each group was. */
  observe?: (event: { waitedSeconds: number[]; groupSize: number }) => void;
  /** Told about each refusal. */
  refused?: (reason: 'queue_full' | 'queue_slow') => void;
  /** Told the number of messages waiting whenever it changes. */
  depthChanged?: (depth: number) => void;
}

export interface ChatWriter {
  /** Resolves once the message is committed (or was stored before); rejects with RoomError `busy` when behind. */
  write(message: NewMessage): Promise<MessageOutcome>;
  /** Messages waiting for their insert, the one running included. */
  depth(): number;
  /** Waits for what is queued, then refuses new writes. */
  close(): Promise<void>;
}

interface Pending {
  message: NewMessage;
  queuedAt: number;
  resolve: (outcome: MessageOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * One insert at a time per process, so messages are stored, acked and broadcast in the order they arrived:
 * nothing within a room is reordered, however slow the database. While an insert runs the next group gathers,
 * so a slower database means bigger groups, not more statements. When the database falls too far behind,
 * new messages are refused with a retry hint rather than queued without bound.
 */
export function createChatWriter(db: Database, options: ChatWriterOptions = {}): ChatWriter {
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const maxQueued = options.maxQueued ?? 5000;
  const maxGroup = options.maxGroup ?? 500;
  let queue: Pending[] = [];
  let running: { startedAt: number; size: number; done: Promise<void> } | undefined;
  let scheduled = false;
  let closed = false;

  const busy = (reason: 'queue_full' | 'queue_slow') => {
    options.refused?.(reason);
    const waited = running ? Date.now() - running.startedAt : 0;
    return new RoomError('busy', 'The server is busy storing messages; try again shortly', Math.min(5000, Math.max(250, waited)));
  };

  /** Queued messages that waited too long are refused: they were never sent to the database. */
  function expire(now: number): void {
    if (queue.length === 0 || now - queue[0]!.queuedAt <= maxWaitMs) return;
    const keep: Pending[] = [];
    for (const p of queue) {
      if (now - p.queuedAt > maxWaitMs) p.reject(busy('queue_slow'));
      else keep.push(p);
    }
    queue = keep;
    reportDepth();
  }

  const sweeper = setInterval(() => expire(Date.now()), Math.max(50, Math.floor(maxWaitMs / 4)));
  // Deno and Node both have unref on interval handles, under different types.
  (sweeper as unknown as { unref?: () => void }).unref?.();

  const depth = () => queue.length + (running?.size ?? 0);
  const reportDepth = () => options.depthChanged?.(depth());

  function schedule(): void {
    if (scheduled || running || queue.length === 0) return;
    scheduled = true;
    // Everything that arrives in this turn of the event loop joins the group.
    setTimeout(flush, 0);
  }

  function flush(): void {
    scheduled = false;
    expire(Date.now());
    if (running || queue.length === 0) return;
    const group = queue.slice(0, maxGroup);
    queue = queue.slice(group.length);
    const startedAt = Date.now();
    const done = addMessages(
      db,
      group.map((p) => p.message),
    ).then(
      (outcomes) => {
        const now = Date.now();
        options.observe?.({ waitedSeconds: group.map((p) => (now - p.queuedAt) / 1000), groupSize: group.length });
        group.forEach((p, i) => p.resolve(outcomes[i]!));
      },
      (err: unknown) => {
        for (const p of group) p.reject(err);
      },
    );
    running = { startedAt, size: group.length, done };
    void done.finally(() => {
      running = undefined;
      reportDepth();
      schedule();
    });
  }

  return {
    write(message) {
      if (closed) return Promise.reject(new RoomError('busy', 'The server is shutting down', 1000));
      const now = Date.now();
      expire(now);
      if (queue.length >= maxQueued) return Promise.reject(busy('queue_full'));
      if (running && now - running.startedAt > maxWaitMs) return Promise.reject(busy('queue_slow'));
      return new Promise<MessageOutcome>((resolve, reject) => {
        queue.push({ message, queuedAt: now, resolve, reject });
        reportDepth();
        schedule();
      });
    },
    depth,
    async close() {
      closed = true;
      while (running || queue.length) {
        schedule();
        await (running?.done ?? new Promise((r) => setTimeout(r, 1)));
      }
      clearInterval(sweeper);
    },
  };
}
