// Child processes for servers under test and load generators: started, spoken to over IPC, always stopped.
import { ROOT, startProcess } from '../../testing/processes.ts';

export { ROOT };

// A crashed or interrupted run must not leave servers and load generators behind on a shared machine
// (testing/processes.ts kills what is left when the process exits).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

export interface ChildOptions {
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Flags for node itself, e.g. --expose-gc or --import of the probe. */
  nodeArgs?: string[];
  /** False runs compiled JavaScript (build/…) under node alone, without the tsx loader. */
  typescript?: boolean;
}

export interface NodeChild {
  pid: number;
  /** Everything printed so far, stdout and stderr interleaved (last 64 KB). */
  output(): string;
  /** Resolves with the first match in the output, rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `{ type, ...body }` over IPC and resolves with the child's answer to it. */
  request<T>(type: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

let nextRequestId = 1;

/** Runs an entry under Node (TypeScript through tsx, unless `typescript: false`), from the repository root, with an IPC channel. */
export function startNode(entry: string, options: ChildOptions = {}): NodeChild {
  const loader = options.typescript === false ? [] : ['--import', 'tsx'];
  const started = startProcess(process.execPath, [...loader, ...(options.nodeArgs ?? []), entry, ...(options.args ?? [])], { env: options.env, ipc: true });
  const { child } = started;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { id?: number; error?: string }) => {
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error));
    else waiter.resolve(msg);
  });
  void started.exited.then((code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${entry} exited (${String(code)}): ${started.output().slice(-2000)}`));
    pending.clear();
  });

  return {
    pid: started.pid,
    output: started.output,
    waitFor: started.waitFor,
    request<T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 120_000) {
      const id = nextRequestId++;
      return new Promise<T>((resolve, reject) => {
        if (!started.isRunning()) return reject(new Error(`${entry} exited: ${started.output().slice(-2000)}`));
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${entry} did not answer ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ ...body, id, type });
      });
    },
    async stop() {
      await started.stop(5000);
    },
  };
}
