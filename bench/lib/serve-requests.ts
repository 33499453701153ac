// The child's side of the IPC channel opened by bench/lib/children.ts: one handler per request type.

export type Handlers = Record<string, (body: Record<string, unknown>) => unknown>;

/** Answers each `{ id, type }` request with the handler's result, or with `{ error }` when it throws. */
export function serveRequests(handlers: Handlers, options: { exitOnDisconnect?: boolean } = {}): void {
  if (!process.send) throw new Error('this process must be started with an IPC channel (bench/lib/children.ts)');
  process.on('message', async (msg: { id: number; type: string } & Record<string, unknown>) => {
    const handler = handlers[msg.type];
    if (!handler) return;
    try {
      process.send!({ ...((await handler(msg)) as object), id: msg.id });
    } catch (err) {
      process.send!({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  // The parent going away means the run is over, whatever state this process is in.
  if (options.exitOnDisconnect !== false) process.on('disconnect', () => process.exit(0));
}
