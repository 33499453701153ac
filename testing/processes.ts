// The one process harness for tests and benchmarks: spawn a program (Podium's entries under Node, or any
// other), collect what it prints, wait for a line, and stop it — always, even when the run is interrupted.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

export interface ProcessOptions {
  /** Working directory; the repository root by default. */
  cwd?: string;
  /** Added to this process's environment (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
  /** An IPC channel (for `child.send`), as the benchmarks' load generators use. */
  ipc?: boolean;
  /** Echo the child's standard error here, line by line, with this prefix. */
  echoStderr?: string;
}

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far, standard output and error interleaved (the last MiB). */
  output(): string;
  /** Resolves with the first match in the output; rejects when the process exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code, or the signal's name. */
  stop(graceMs?: number): Promise<number | string | null>;
  /** SIGKILL: a crash, as far as the process can tell. */
  kill(): Promise<number | string | null>;
}

const live = new Set<ChildProcess>();

// A failed or interrupted run must not leave servers behind on a shared machine.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs `command` with `args`. */
export function startProcess(command: string, args: string[], options: ProcessOptions = {}): RunningProcess {
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio });
  live.add(child);
  let output = '';
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-1_048_576);
    for (const watcher of watchers) watcher();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  if (options.echoStderr) {
    const prefix = options.echoStderr;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString().trim();
      if (text) console.error(`${prefix}: ${text}`);
    });
  }
  let exitedWith: number | string | null | undefined;
  const exited = new Promise<number | string | null>((done) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      exitedWith = code ?? signal;
      for (const watcher of watchers) watcher();
      done(exitedWith);
    }),
  );
  const name = [command, ...args].join(' ').slice(0, 120);
  const running = () => exitedWith === undefined;

  async function signalAndWait(signal: NodeJS.Signals, graceMs: number) {
    if (!running()) return exitedWith ?? null;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    isRunning: running,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${name}:\n${output.slice(-4000)}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
          else if (!running()) finish(new Error(`${name} exited with ${String(exitedWith)} before printing ${pattern}:\n${output.slice(-4000)}`));
        };
        const finish = (err?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolveMatch(match!);
        };
        watchers.add(check);
        check();
      });
    },
    stop: (graceMs = 10_000) => signalAndWait('SIGTERM', graceMs),
    kill: () => signalAndWait('SIGKILL', 0),
  };
}

/** Runs a TypeScript entry of Podium's (relative to the repository) under Node with the tsx loader. */
export function startEntryProcess(entry: string, options: ProcessOptions & { nodeArgs?: string[]; args?: string[] } = {}): RunningProcess {
  return startProcess(process.execPath, ['--import', TSX, ...(options.nodeArgs ?? []), resolve(ROOT, entry), ...(options.args ?? [])], options);
}
