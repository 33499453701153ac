// Test fixtures for the SFU: a managed Janus in a temp directory, and light WebRTC peers in child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createManagedJanus, type ManagedJanus } from '../managed/janus.ts';
import { createSfu, type Sfu } from './sfu.ts';

export interface TestJanus {
  janus: ManagedJanus;
  sfu: Sfu;
  close(): Promise<void>;
}

/** A Janus of its own on free ports, and the SFU client connected to it. */
export async function startTestJanus(): Promise<TestJanus> {
  const dir = mkdtempSync(join(tmpdir(), 'podium-janus-'));
  const janus = await createManagedJanus({ dir, rtpPorts: '40000-60000', eventLoops: 2, restartDelayMs: 100 });
  await janus.start();
  const sfu = createSfu({ servers: [{ url: janus.url, apiSecret: janus.apiSecret, adminKey: janus.adminSecret }], healthIntervalMs: 250 });
  await until(() => sfu.available, 10_000, 'the SFU client never reached Janus');
  return {
    janus,
    sfu,
    async close() {
      await sfu.close();
      await janus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function until(check: () => boolean, ms: number, message: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface PeerFact {
  at: number;
  event: string;
  [key: string]: unknown;
}

export interface TestPeer {
  facts: PeerFact[];
  /** Resolves with the first fact (from `since` on) that matches; rejects after `ms`. */
  waitFor(matches: (fact: PeerFact) => boolean, ms: number, since?: number): Promise<PeerFact>;
  /** Frames decoded so far (subscribers). */
  frames(): number;
  kill(): void;
}

const PEER = resolve(import.meta.dirname, 'testing-sfu-peer.ts');
const peers = new Set<ChildProcess>();

/** A presenter that publishes or an attendee that subscribes, in its own process (see testing-sfu-peer.ts). */
export function startPeer(url: string, token: string, role: 'publish' | 'subscribe'): TestPeer {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, url, token, role], { stdio: ['ignore', 'pipe', 'inherit'] });
  peers.add(child);
  const facts: PeerFact[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        facts.push(JSON.parse(line) as PeerFact);
      } catch {
        continue;
      }
      for (const w of waiters) w();
    }
  });
  return {
    facts,
    waitFor(matches, ms, since = 0) {
      return new Promise((resolvePromise, reject) => {
        const look = () => {
          const found = facts.find((f) => f.at >= since && matches(f));
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolvePromise(found);
          return true;
        };
        const check = () => void look();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`peer (${role}): nothing matched within ${ms} ms; last facts: ${JSON.stringify(facts.slice(-5))}`));
        }, ms);
        if (!look()) waiters.add(check);
      });
    },
    frames() {
      const last = facts.findLast((f) => f.event === 'frames');
      return typeof last?.frames === 'number' ? last.frames : 0;
    },
    kill() {
      peers.delete(child);
      child.kill('SIGKILL');
    },
  };
}

export function killPeers(): void {
  for (const child of peers) child.kill('SIGKILL');
  peers.clear();
}
