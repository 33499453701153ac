// Test fixtures for the SFU: a managed Janus in a temp directory, and light WebRTC peers in child processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManagedJanus, type ManagedJanus } from '../managed/janus.ts';
import { startEntryProcess, type RunningProcess } from '../testing/processes.ts';
import { until } from '../testing/until.ts';
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
  await until(() => sfu.available, 'the SFU client never reached Janus', 10_000);
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

export interface PeerFact {
  at: number;
  event: string;
  [key: string]: unknown;
}

export interface TestPeer {
  facts: PeerFact[];
  /** Resolves with the first fact (from `since` on) that matches; rejects after `ms`. */
  waitFor(matches: (fact: PeerFact) => boolean, ms: number, since?: number): Promise<PeerFact>;
  /** Frames decoded so far (subscribers): of the presenter, or of one speaker. */
  frames(speaker?: string): number;
  /** Audio bytes received so far from one speaker (subscribers). */
  audioBytes(speaker: string): number;
  /** The peer's process, e.g. to lower its scheduling priority once it is only load. */
  pid: number | undefined;
  kill(): void;
}

const peers = new Set<RunningProcess>();

/**
 * A presenter (or a speaker on stage) that publishes, or an attendee that subscribes (`stage`: to the speakers only;
 * `receive`: without decoding), in its own process (see testing-sfu-peer.ts and testing-sfu-receiver.ts).
 */
export function startPeer(url: string, token: string, role: 'publish' | 'speak' | 'subscribe' | 'stage' | 'receive', measure = false): TestPeer {
  // `receive`: an attendee that receives without decoding (testing-sfu-receiver.ts), the lightest there is.
  const peer =
    role === 'receive'
      ? startEntryProcess('signaling/testing-sfu-receiver.ts', { args: [url, token], echoStderr: 'peer (receive)' })
      : startEntryProcess('signaling/testing-sfu-peer.ts', { args: [url, token, role, ...(measure ? ['measure'] : [])], echoStderr: `peer (${role})` });
  const child = peer.child;
  peers.add(peer);
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
    pid: child.pid,
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
    audioBytes(speaker) {
      const last = facts.findLast((f) => f.event === 'frames');
      const count = (last?.speakerAudio as Record<string, unknown> | undefined)?.[speaker];
      return typeof count === 'number' ? count : 0;
    },
    frames(speaker) {
      const last = facts.findLast((f) => f.event === 'frames');
      const count = speaker ? (last?.speakers as Record<string, unknown> | undefined)?.[speaker] : last?.frames;
      return typeof count === 'number' ? count : 0;
    },
    kill() {
      peers.delete(peer);
      void peer.kill();
    },
  };
}

export function killPeers(): void {
  for (const peer of peers) void peer.kill();
  peers.clear();
}
