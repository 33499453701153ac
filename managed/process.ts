// Supervises a program Podium runs for itself (its database, media server, relay): start, wait until it
// answers, restart it with backoff when it dies, stop it with the process.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export interface ManagedProcessOptions {
  /** Short name used in logs and metrics: `postgres`, `janus`, `coturn`. */
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra spawn options (uid/gid to drop privileges, for instance). */
  spawn?: Pick<SpawnOptions, 'uid' | 'gid'>;
  /** Resolves once the program answers; called after every (re)start. Rejects or times out otherwise. */
  ready?: (signal: AbortSignal) => Promise<void>;
  readyTimeoutMs?: number;
  /** First restart delay; doubles up to `maxRestartDelayMs` while the program keeps dying soon after start. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A run longer than this resets the backoff. */
  stableAfterMs?: number;
  stopSignal?: NodeJS.Signals;
  /** After this, SIGKILL. */
  stopTimeoutMs?: number;
  /** Each line the program writes (stdout and stderr). Defaults to nothing: the program's own log is its own. */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Told about starts, exits and restarts, for the log and metrics. */
  onEvent?: (event: ManagedProcessEvent) => void;
}

export type ManagedProcessEvent =
  | { type: 'started'; name: string; pid: number }
  | { type: 'ready'; name: string; pid: number; ms: number }
  | { type: 'exited'; name: string; code: number | null; signal: NodeJS.Signals | null; expected: boolean }
  | { type: 'restarting'; name: string; inMs: number; restarts: number }
  | { type: 'failed'; name: string; message: string };

export interface ManagedProcess {
  readonly name: string;
  /** The running child's pid, if any. */
  readonly pid: number | undefined;
  /** How many times the program was restarted after dying. */
  readonly restarts: number;
  /** Whether the program is running and answered its readiness check. */
  readonly healthy: boolean;
  /** Starts the program and resolves when it is ready; rejects if the first start fails. */
  start(): Promise<void>;
  /** Resolves when the program is ready again (immediately when it is). */
  whenReady(): Promise<void>;
  /** Stops the program (SIGTERM, then SIGKILL after `stopTimeoutMs`) and stops restarting it. */
  stop(): Promise<void>;
}

export class ManagedProcessError extends Error {
  override name = 'ManagedProcessError';
}

export function createManagedProcess(options: ManagedProcessOptions): ManagedProcess {
  const {
    name,
    readyTimeoutMs = 20_000,
    restartDelayMs = 500,
    maxRestartDelayMs = 30_000,
    stableAfterMs = 30_000,
    stopSignal = 'SIGTERM',
    stopTimeoutMs = 5_000,
  } = options;
  let child: ChildProcess | undefined;
  let healthy = false;
  let stopping = false;
  // Restarts begin once the first start succeeded: a program that cannot start at all is the caller's error.
  let supervising = false;
  let restarts = 0;
  let delay = restartDelayMs;
  let restartTimer: NodeJS.Timeout | undefined;
  let readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const emit = (event: ManagedProcessEvent) => options.onEvent?.(event);

  function settleWaiters(err?: Error) {
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const w of waiters) (err ? w.reject(err) : w.resolve());
  }

  function pipeLines(stream: NodeJS.ReadableStream | null, kind: 'stdout' | 'stderr') {
    if (!stream) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        options.onOutput?.(buffered.slice(0, nl), kind);
        buffered = buffered.slice(nl + 1);
      }
    });
  }

  async function launch(): Promise<void> {
    const startedAt = Date.now();
    const proc = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.spawn,
    });
    child = proc;
    pipeLines(proc.stdout, 'stdout');
    pipeLines(proc.stderr, 'stderr');
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', (err) => {
        if (child === proc) child = undefined;
        reject(new ManagedProcessError(`${name}: cannot start ${options.command}: ${err.message}`));
      });
    });
    emit({ type: 'started', name, pid: proc.pid! });
    proc.once('exit', (code, signal) => {
      if (child === proc) child = undefined;
      healthy = false;
      emit({ type: 'exited', name, code, signal, expected: stopping });
      if (Date.now() - startedAt > stableAfterMs) delay = restartDelayMs;
      scheduleRestart();
    });
    if (!options.ready) {
      healthy = true;
      settleWaiters();
      return;
    }
    const abort = new AbortController();
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (message: string) => {
          abort.abort();
          reject(new ManagedProcessError(`${name}: ${message}`));
        };
        const timer = setTimeout(() => fail(`not ready after ${readyTimeoutMs} ms`), readyTimeoutMs);
        const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
          fail(`exited before it was ready (code ${String(code)}, signal ${String(signal)})`);
        proc.once('exit', onExit);
        options.ready!(abort.signal).then(
          () => {
            clearTimeout(timer);
            proc.off('exit', onExit);
            resolve();
          },
          (err: unknown) => {
            clearTimeout(timer);
            proc.off('exit', onExit);
            fail(`readiness check failed: ${err instanceof Error ? err.message : String(err)}`);
          },
        );
      });
    } finally {
      abort.abort();
    }
    if (child !== proc) throw new ManagedProcessError(`${name}: exited before it was ready`);
    healthy = true;
    emit({ type: 'ready', name, pid: proc.pid!, ms: Date.now() - startedAt });
    settleWaiters();
  }

  function scheduleRestart() {
    if (stopping || !supervising) return;
    const inMs = delay;
    delay = Math.min(delay * 2, maxRestartDelayMs);
    restarts += 1;
    emit({ type: 'restarting', name, inMs, restarts });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      launch().catch((err: Error) => {
        emit({ type: 'failed', name, message: err.message });
        // A program that cannot even be spawned is retried on the same schedule; one that started and then
        // failed its readiness check is restarted by its exit (or killed here so that it exits).
        if (child) child.kill('SIGKILL');
        else scheduleRestart();
      });
    }, inMs);
    restartTimer.unref();
  }

  async function kill(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(stopSignal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }

  return {
    name,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    get healthy() {
      return healthy;
    },
    async start() {
      stopping = false;
      try {
        await launch();
        supervising = true;
      } catch (err) {
        stopping = true;
        if (child) await kill(child);
        throw err;
      }
    },
    whenReady() {
      if (healthy) return Promise.resolve();
      if (stopping) return Promise.reject(new ManagedProcessError(`${name}: stopped`));
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    async stop() {
      stopping = true;
      supervising = false;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      settleWaiters(new ManagedProcessError(`${name}: stopped`));
      if (child) await kill(child);
      healthy = false;
    },
  };
}

/** Polls `check` every `intervalMs` until it resolves true or the signal aborts. */
export async function pollUntil(check: () => Promise<boolean>, signal: AbortSignal, intervalMs = 100): Promise<void> {
  while (!signal.aborted) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The executable `command` names: a path to one, or the first on PATH; undefined when there is none. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

/** Whether a process with this id is still running. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
