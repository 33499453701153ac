// Group commit for chat: messages that arrive while an insert is running go out together in the next one.
import type { Database } from '../db/client.ts';
import { addMessages, type MessageOutcome, type NewMessage } from '../db/chat.ts';
import { RoomError } from './errors.ts';

export interface ChatWriterOptions {
  /**
   * Inserts that may run at once. Each room always uses the same lane, so its messages stay in order;
   * several lanes let commits overlap, which matters when each commit waits for a slow disk.
   */
  lanes?: number;
  /** A message queued longer than this is refused as `busy` instead of waiting on (it was never stored). */
  maxWaitMs?: number;
  /** Messages queued per lane at most; beyond it new ones are refused as `busy`. */
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
  /** Messages waiting for their insert, the running ones included. */
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

interface Lane {
  queue: Pending[];
  running?: { startedAt: number; size: number; done: Promise<void> };
  scheduled: boolean;
}

/** FNV-1a over the room id: a stable lane per room. */
function laneOf(roomId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) hash = Math.imul(hash ^ roomId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/**
 * One insert at a time per lane, and a room always in the same lane, so messages are stored, acked and
 * broadcast in the order they arrived: nothing within a room is reordered, however slow the database.
 * While an insert runs the next group gathers, so a slower database means bigger groups, not more
 * statements. When the database falls too far behind, new messages are refused with a retry hint rather
 * than queued without bound.
 */
export function createChatWriter(db: Database, options: ChatWriterOptions = {}): ChatWriter {
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const maxQueued = options.maxQueued ?? 5000;
  const maxGroup = options.maxGroup ?? 500;
  const lanes: Lane[] = Array.from({ length: Math.max(1, options.lanes ?? 4) }, () => ({ queue: [], scheduled: false }));
  let closed = false;

  const depth = () => lanes.reduce((sum, lane) => sum + lane.queue.length + (lane.running?.size ?? 0), 0);
  const reportDepth = () => options.depthChanged?.(depth());

  const busy = (lane: Lane, reason: 'queue_full' | 'queue_slow') => {
    options.refused?.(reason);
    const waited = lane.running ? Date.now() - lane.running.startedAt : 0;
    return new RoomError('busy', 'The server is busy storing messages; try again shortly', Math.min(5000, Math.max(250, waited)));
  };

  /** Queued messages that waited too long are refused: they were never sent to the database. */
  function expire(lane: Lane, now: number): void {
    if (lane.queue.length === 0 || now - lane.queue[0]!.queuedAt <= maxWaitMs) return;
    const keep: Pending[] = [];
    for (const p of lane.queue) {
      if (now - p.queuedAt > maxWaitMs) p.reject(busy(lane, 'queue_slow'));
      else keep.push(p);
    }
    lane.queue = keep;
    reportDepth();
  }

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const lane of lanes) expire(lane, now);
  }, Math.max(50, Math.floor(maxWaitMs / 4)));
  // Deno and Node both have unref on interval handles, under different types.
  (sweeper as unknown as { unref?: () => void }).unref?.();

  function schedule(lane: Lane): void {
    if (lane.scheduled || lane.running || lane.queue.length === 0) return;
    lane.scheduled = true;
    // Everything that arrives in this turn of the event loop joins the group.
    setTimeout(() => flush(lane), 0);
  }

  function flush(lane: Lane): void {
    lane.scheduled = false;
    expire(lane, Date.now());
    if (lane.running || lane.queue.length === 0) return;
    const group = lane.queue.slice(0, maxGroup);
    lane.queue = lane.queue.slice(group.length);
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
    lane.running = { startedAt: Date.now(), size: group.length, done };
    void done.finally(() => {
      lane.running = undefined;
      reportDepth();
      schedule(lane);
    });
  }

  return {
    write(message) {
      if (closed) return Promise.reject(new RoomError('busy', 'The server is shutting down', 1000));
      const lane = lanes[laneOf(message.roomId, lanes.length)]!;
      const now = Date.now();
      expire(lane, now);
      if (lane.queue.length >= maxQueued) return Promise.reject(busy(lane, 'queue_full'));
      if (lane.running && now - lane.running.startedAt > maxWaitMs) return Promise.reject(busy(lane, 'queue_slow'));
      return new Promise<MessageOutcome>((resolve, reject) => {
        lane.queue.push({ message, queuedAt: now, resolve, reject });
        reportDepth();
        schedule(lane);
      });
    },
    depth,
    async close() {
      closed = true;
      for (const lane of lanes) {
        while (lane.running || lane.queue.length) {
          schedule(lane);
          await (lane.running?.done ?? new Promise((r) => setTimeout(r, 1)));
        }
      }
      clearInterval(sweeper);
    },
  };
}
