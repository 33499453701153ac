// Test helper: runs Podium's Node entries (signaling/main.ts, api/node.ts, server.ts) as child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const tsx = resolve(root, 'node_modules/tsx/dist/esm/index.mjs');

export interface ChildEntry {
  process: ChildProcess;
  /** http://127.0.0.1:<port> from the entry's "listening" line. */
  url: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `entry` (relative to the repository) with `env` on top of this process's, and waits for its "listening" line. */
export function startEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ChildEntry> {
  const child = spawn(process.execPath, ['--import', tsx, resolve(root, entry)], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ICE_SERVERS: '[]', MANAGED_TURN: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${entry} did not start:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(new Error(`${entry} exited with ${code}:\n${output}`));
    };
    const onData = () => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      const port = Number(match[1]);
      done({
        process: child,
        url: `http://127.0.0.1:${port}`,
        port,
        output: () => output,
        stop: () =>
          new Promise((stopped) => {
            if (child.exitCode !== null || child.signalCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
