// Child processes for servers under test and load generators: started, spoken to over IPC, always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const live = new Set<ChildProcess>();

// A crashed or interrupted run must not leave servers and load generators behind on a shared machine.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
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
  const child = spawn(process.execPath, [...loader, ...(options.nodeArgs ?? []), entry, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(child);
  let output = '';
  let exited: string | undefined;
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
    for (const w of watchers) w();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { id?: number; error?: string }) => {
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error));
    else waiter.resolve(msg);
  });
  child.on('exit', (code, signal) => {
    live.delete(child);
    exited = `${entry} exited (${signal ?? code})`;
    for (const w of watchers) w();
    for (const waiter of pending.values()) waiter.reject(new Error(`${exited}: ${output.slice(-2000)}`));
    pending.clear();
  });

  return {
    pid: child.pid!,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} from ${entry}: ${output.slice(-2000)}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
          else if (exited) finish(new Error(`${exited} before printing ${pattern}: ${output.slice(-2000)}`));
        };
        const finish = (err?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve(match!);
        };
        watchers.add(check);
        check();
      });
    },
    request<T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 120_000) {
      const id = nextRequestId++;
      return new Promise<T>((resolve, reject) => {
        if (exited) return reject(new Error(`${exited}: ${output.slice(-2000)}`));
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
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
