// coturn (Debian's `turnserver`) as Podium's own TURN relay: generated config and secret in DATA_DIR, supervised.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { createManagedProcess, findOnPath, pollUntil, type ManagedProcess, type ManagedProcessEvent } from './process.ts';

/**
 * Peers a public relay must never reach: this machine and the networks behind it (RFC 1918, CGNAT, link-local,
 * unique-local IPv6) and the reserved blocks. Without these a TURN user could use the relay to scan the LAN.
 */
export const DENIED_PEER_RANGES = [
  '0.0.0.0-0.255.255.255',
  '10.0.0.0-10.255.255.255',
  '100.64.0.0-100.127.255.255',
  '127.0.0.0-127.255.255.255',
  '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255',
  '192.0.0.0-192.0.0.255',
  '192.168.0.0-192.168.255.255',
  '198.18.0.0-198.19.255.255',
  '240.0.0.0-255.255.255.255',
  '::1',
  '64:ff9b::-64:ff9b::ffff:ffff',
  '::ffff:0.0.0.0-::ffff:255.255.255.255',
  'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];

export interface CoturnOptions {
  /** Holds `coturn/turnserver.conf` (rewritten on each start) and `coturn/secret` (kept across starts). */
  dataDir: string;
  command?: string;
  /** UDP and TCP listening port; 0 picks a free one. */
  port?: number;
  /** Addresses to listen on and relay from; coturn's default (all) when absent. */
  listeningIps?: string[];
  relayIp?: string;
  /** The public address behind a 1:1 NAT (a cloud VM), advertised in relay candidates. */
  externalIp?: string;
  /** Lets peers on loopback and private ranges through: tests and closed networks only. */
  allowPrivatePeers?: boolean;
  /** Relay ports (both ends included); a bounded range keeps a firewall rule short. */
  relayPorts?: [number, number];
  userQuota?: number;
  totalQuota?: number;
  onEvent?: (event: ManagedProcessEvent) => void;
  onOutput?: (line: string) => void;
}

export interface ManagedCoturn {
  process: ManagedProcess;
  port: number;
  secret: string;
  configPath: string;
  stop(): Promise<void>;
}

/** The shared secret Podium signs credentials with, created once (256 random bits) and kept readable by its owner only. */
export function coturnSecret(dataDir: string): string {
  const dir = join(dataDir, 'coturn');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return stored;
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The turnserver.conf for these options: shared-secret auth, quotas, no CLI, no TLS (see deploy/coturn for turns:). */
export function coturnConfig(options: CoturnOptions & { port: number; secret: string; pidFile: string }): string {
  const lines = [
    `listening-port=${options.port}`,
    ...(options.listeningIps ?? []).map((ip) => `listening-ip=${ip}`),
    ...(options.relayIp ? [`relay-ip=${options.relayIp}`] : []),
    ...(options.externalIp ? [`external-ip=${options.externalIp}`] : []),
    `min-port=${options.relayPorts?.[0] ?? 49152}`,
    `max-port=${options.relayPorts?.[1] ?? 65535}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    'realm=podium',
    'fingerprint',
    `user-quota=${options.userQuota ?? 12}`,
    `total-quota=${options.totalQuota ?? 1200}`,
    'stale-nonce=600',
    'no-cli',
    'no-tls',
    'no-dtls',
    'no-multicast-peers',
    'no-software-attribute',
    'no-rfc5780',
    'no-stun-backward-compatibility',
    ...(options.allowPrivatePeers ? ['allow-loopback-peers'] : DENIED_PEER_RANGES.map((range) => `denied-peer-ip=${range}`)),
    'log-file=stdout',
    'simple-log',
    `pidfile=${options.pidFile}`,
  ];
  return `# Written by Podium on each start; edits are lost. See deploy/coturn/turnserver.conf for a VPS.\n${lines.join('\n')}\n`;
}

/** A port free for both TCP and UDP on every address, since coturn listens on both. */
async function freeTurnPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, done));
    const { port } = server.address() as { port: number };
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((done) => {
      udp.once('error', () => done(false));
      udp.bind(port, () => done(true));
    });
    udp.close();
    await new Promise((done) => server.close(done));
    if (udpFree) return port;
  }
  throw new Error('coturn: no free port for TCP and UDP');
}

const answers = (host: string, port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Writes the config and starts coturn under the supervisor; resolves once it accepts TCP connections. */
export async function startCoturn(options: CoturnOptions): Promise<ManagedCoturn> {
  const dir = join(options.dataDir, 'coturn');
  const secret = coturnSecret(options.dataDir);
  const port = options.port ? options.port : await freeTurnPort();
  const configPath = join(dir, 'turnserver.conf');
  writeFileSync(configPath, coturnConfig({ ...options, port, secret, pidFile: join(dir, 'turnserver.pid') }), { mode: 0o600 });
  const probeHost = options.listeningIps?.find((ip) => !ip.includes(':')) ?? '127.0.0.1';
  const proc = createManagedProcess({
    name: 'coturn',
    command: options.command ?? 'turnserver',
    // Without -n coturn also reads /etc/turnserver.conf; the database flag keeps it out of /var/lib/turn.
    args: ['-c', configPath, '--db', join(dir, 'turndb')],
    ready: (signal) => pollUntil(answers(probeHost, port), signal, 100),
    readyTimeoutMs: 15_000,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.onOutput ? { onOutput: (line: string) => options.onOutput!(line) } : {}),
  });
  await proc.start();
  return { process: proc, port, secret, configPath, stop: () => proc.stop() };
}

export interface ManagedTurnSettings {
  MANAGED_TURN: 'auto' | 'on' | 'off';
  TURN_URLS?: string[] | undefined;
  TURN_PORT: number;
  TURN_HOST?: string | undefined;
  TURN_ALLOW_PRIVATE_PEERS: boolean;
  PUBLIC_URL?: string | undefined;
  HOST: string;
  DATA_DIR: string;
}

/**
 * Starts Podium's own coturn when no TURN_URLS is configured and `turnserver` is on PATH (or MANAGED_TURN=on).
 * Resolves with the URLs (host: TURN_HOST, else PUBLIC_URL's, else `requestHost`: the one each browser used)
 * and the secret; undefined when there is none to run. With MANAGED_TURN=auto a failed start is only logged.
 */
export async function startManagedTurn(
  settings: ManagedTurnSettings,
  requestHost: string,
  log: (line: string) => void,
): Promise<{ urls: string[]; secret: string; stop(): Promise<void>; kill(): void } | undefined> {
  if (settings.TURN_URLS || settings.MANAGED_TURN === 'off') return undefined;
  if (settings.MANAGED_TURN === 'auto' && !findOnPath('turnserver')) return undefined;
  const wildcard = settings.HOST === '0.0.0.0' || settings.HOST === '::';
  const dataDir = settings.DATA_DIR;
  try {
    const coturn = await startCoturn({
      dataDir,
      port: settings.TURN_PORT,
      ...(wildcard ? {} : { listeningIps: [settings.HOST], relayIp: settings.HOST }),
      allowPrivatePeers: settings.TURN_ALLOW_PRIVATE_PEERS,
      onEvent: (event) => {
        if (event.type === 'restarting') log(`coturn died; restarting in ${event.inMs} ms (restart ${event.restarts})`);
        if (event.type === 'failed') log(`coturn: ${event.message}`);
      },
    });
    const host = settings.TURN_HOST ?? (settings.PUBLIC_URL ? new URL(settings.PUBLIC_URL).hostname : requestHost);
    log(`coturn relay on port ${coturn.port} (UDP and TCP), config in ${coturn.configPath}`);
    return {
      urls: [`turn:${host}:${coturn.port}?transport=udp`, `turn:${host}:${coturn.port}?transport=tcp`],
      secret: coturn.secret,
      stop: coturn.stop,
      kill() {
        const pid = coturn.process.pid;
        try {
          if (pid !== undefined) process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      },
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (settings.MANAGED_TURN === 'on') throw err;
    log(`no TURN relay: ${message} (set MANAGED_TURN=off to stop trying, or TURN_URLS for a coturn of your own)`);
    return undefined;
  }
}
