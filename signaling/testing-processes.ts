// Test helper: runs Podium's Node entries (signaling/main.ts, api/node.ts, server.ts) as child processes.
import type { ChildProcess } from 'node:child_process';
import { startEntryProcess } from '../testing/processes.ts';

export interface ChildEntry {
  process: ChildProcess;
  /** http://127.0.0.1:<port> from the entry's "listening" line. */
  url: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `entry` (relative to the repository) with `env` on top of this process's, and waits for its "listening" line. */
export async function startEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ChildEntry> {
  const started = startEntryProcess(entry, { env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn', ICE_SERVERS: '[]', MANAGED_TURN: 'off', ...env } });
  try {
    const [, port] = await started.waitFor(/listening on http:\/\/localhost:(\d+)/, timeoutMs);
    return {
      process: started.child,
      url: `http://127.0.0.1:${port}`,
      port: Number(port),
      output: started.output,
      stop: async () => {
        await started.stop();
      },
    };
  } catch (err) {
    await started.kill();
    throw err;
  }
}
