// A small internet in Linux network namespaces: a server, two homes each behind its own symmetric-like NAT.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../managed/process.ts';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH } from './chromium.ts';
import { launchBrowsers, ROOT } from './harness.ts';

const IP = '/usr/sbin/ip';
const NFT = '/usr/sbin/nft';

/** Public side (documentation range 203.0.113.0/24) and the two private home networks. */
export const ADDRESSES = {
  server: '203.0.113.10',
  routerA: '203.0.113.21',
  routerB: '203.0.113.22',
  homeA: '10.1.0.2',
  homeB: '192.168.2.2',
} as const;

export interface Internet {
  /** Namespace names by role. */
  ns: { inet: string; server: string; routerA: string; routerB: string; homeA: string; homeB: string };
  /** Writes an executable that runs `command` (with its arguments) inside `namespace`. */
  wrapper(namespace: string, command: string, dir: string): string;
  /** Stops every process still inside the namespaces and deletes them; safe to call twice. */
  destroy(): void;
}

const PREFIX = 'podium-nat-';

function run(command: string, args: string[], input?: string): void {
  execFileSync(command, args, { stdio: ['pipe', 'ignore', 'pipe'], input });
}

function listNamespaces(): string[] {
  return execFileSync(IP, ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}

function removeNamespace(name: string): void {
  // Only processes inside a namespace this test family created: its own children, or those of a crashed run.
  const pids = spawnSync(IP, ['netns', 'pids', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  spawnSync(IP, ['netns', 'del', name]);
}

/** Removes namespaces of an earlier run of this test whose process (named in the namespace) is dead. */
export function removeLeftovers(): void {
  for (const name of listNamespaces()) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match && !processAlive(Number(match[1]))) removeNamespace(name);
  }
}

/**
 * Builds: `inet` (a bridge, the internet), `server` on 203.0.113.10, and two routers on the bridge, each
 * masquerading its home network with random source ports (a new public port per destination, as a symmetric
 * NAT does) and forwarding nothing inbound that its home did not start.
 */
export function buildInternet(): Internet {
  const tag = `${PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const ns = {
    inet: `${tag}-inet`,
    server: `${tag}-srv`,
    routerA: `${tag}-rta`,
    routerB: `${tag}-rtb`,
    homeA: `${tag}-hma`,
    homeB: `${tag}-hmb`,
  };
  const created: string[] = [];
  const destroy = () => {
    for (const name of created.splice(0).reverse()) removeNamespace(name);
  };
  const inNs = (name: string, ...args: string[]) => run(IP, ['-n', name, ...args]);
  try {
    for (const name of Object.values(ns)) {
      run(IP, ['netns', 'add', name]);
      created.push(name);
      inNs(name, 'link', 'set', 'lo', 'up');
    }
    inNs(ns.inet, 'link', 'add', 'br0', 'type', 'bridge');
    inNs(ns.inet, 'link', 'set', 'br0', 'up');
    const attach = (name: string, port: string, address: string) => {
      inNs(ns.inet, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'wan', 'netns', name);
      inNs(ns.inet, 'link', 'set', port, 'master', 'br0', 'up');
      inNs(name, 'addr', 'add', `${address}/24`, 'dev', 'wan');
      inNs(name, 'link', 'set', 'wan', 'up');
    };
    attach(ns.server, 'p-srv', ADDRESSES.server);
    attach(ns.routerA, 'p-rta', ADDRESSES.routerA);
    attach(ns.routerB, 'p-rtb', ADDRESSES.routerB);
    const home = (router: string, homeNs: string, gateway: string, address: string) => {
      inNs(router, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', homeNs);
      inNs(router, 'addr', 'add', `${gateway}/24`, 'dev', 'lan');
      inNs(router, 'link', 'set', 'lan', 'up');
      inNs(homeNs, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      inNs(homeNs, 'link', 'set', 'eth0', 'up');
      inNs(homeNs, 'route', 'add', 'default', 'via', gateway);
      run(IP, ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      run(IP, ['netns', 'exec', router, NFT, '-f', '-'], [
        'table ip nat {',
        '  chain postrouting { type nat hook postrouting priority 100; oifname "wan" masquerade random; }',
        '}',
        'table ip filter {',
        '  chain forward { type filter hook forward priority 0; policy drop; ct state established,related accept; iifname "lan" accept; }',
        '}',
      ].join('\n'));
    };
    home(ns.routerA, ns.homeA, '10.1.0.1', ADDRESSES.homeA);
    home(ns.routerB, ns.homeB, '192.168.2.1', ADDRESSES.homeB);
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    ns,
    wrapper(namespace, command, dir) {
      const path = join(dir, `in-${namespace}.sh`);
      writeFileSync(path, `#!/bin/sh\nexec ${IP} netns exec '${namespace}' '${command}' "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    },
    destroy,
  };
}

/** The command line that runs `args` inside a namespace. */
export function inNamespace(namespace: string, args: string[]): [string, string[]] {
  return [IP, ['netns', 'exec', namespace, ...args]];
}

export interface NamespacedPodium {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Podium's all-in-one server (embedded database) inside the server namespace, on ADDRESSES.server:`port`. */
export function spawnPodium(internet: Internet, port: number, env: Record<string, string>): Promise<NamespacedPodium> {
  const [command, args] = inNamespace(internet.ns.server, [process.execPath, '--import', 'tsx', 'server.ts']);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: ADDRESSES.server,
      PORT: String(port),
      DATABASE_URL: '',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`Podium did not start in the server namespace:\n${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // Podium's own line: the embedded PostgreSQL's log says "listening on Unix socket" first.
      if (/podium \S+: listening on /.test(output)) {
        clearTimeout(timer);
        ready({ child, stop });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      failed(new Error(`Podium exited with ${code}:\n${output}`));
    });
  });
}

/**
 * One Chromium in each home (A, then B), for pages served over plain http from `origin` on the public side: the
 * origin counts as secure there, so the (fake) camera works as on an https site.
 */
export async function launchHomeBrowsers(internet: Internet, origin: string, dir: string): Promise<[Browser, Browser]> {
  const args = [`--unsafely-treat-insecure-origin-as-secure=${origin}`];
  return (await launchBrowsers([
    { executablePath: internet.wrapper(internet.ns.homeA, CHROMIUM_PATH, dir), args },
    { executablePath: internet.wrapper(internet.ns.homeB, CHROMIUM_PATH, dir), args },
  ])) as [Browser, Browser];
}
