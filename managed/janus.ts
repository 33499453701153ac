// Runs Podium's own Janus (VideoRoom only, control sockets on loopback) under the one supervisor.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { createManagedProcess, findOnPath, freePort, pollUntil, type ManagedProcess, type ManagedProcessEvent } from './process.ts';

export interface ManagedJanusOptions {
  /** Where the generated configuration and the plugin links go (`<DATA_DIR>/janus`). */
  dir: string;
  /** The `janus` binary; found on PATH when omitted. */
  binary?: string;
  /** Janus's own library folder (plugins/, transports/); found next to the usual install paths when omitted. */
  libDir?: string;
  /** WebSocket API port on 127.0.0.1; 0 picks a free one. */
  wsPort?: number;
  /** Admin API port on 127.0.0.1; 0 picks a free one. */
  adminPort?: number;
  /** RTP/RTCP port range, `min-max`. */
  rtpPorts?: string;
  /** The public address to put in host candidates when the machine sits behind a 1:1 NAT (a VPS, EC2). */
  natMapping?: string;
  /** Janus's media event loops; default: one per core. */
  eventLoops?: number;
  onEvent?: (event: ManagedProcessEvent) => void;
  onOutput?: (line: string) => void;
  restartDelayMs?: number;
}

export interface ManagedJanus {
  /** The WebSocket API address Podium's client connects to. */
  readonly url: string;
  readonly apiSecret: string;
  readonly adminUrl: string;
  readonly adminSecret: string;
  readonly process: ManagedProcess;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The folders Debian, Ubuntu and a source build put Janus's plugins and transports in. */
const LIB_DIR_CANDIDATES = [
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/janus`,
  '/usr/lib/janus',
  '/usr/local/lib/janus',
  '/opt/janus/lib/janus',
];

export function findJanusLibDir(): string | undefined {
  return LIB_DIR_CANDIDATES.find((dir) => existsSync(join(dir, 'plugins')) && existsSync(join(dir, 'transports')));
}


/** `20000-40000` → valid range, or an Error naming what is wrong. */
export function parsePortRange(range: string): { min: number; max: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(range.trim());
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (!match || min < 1024 || max > 65535 || min >= max) throw new Error('expected a port range such as 20000-40000');
  return { min, max };
}

const secret = () => randomBytes(24).toString('base64url');

interface JanusConfig {
  dir: string;
  libDir: string;
  wsPort: number;
  adminPort: number;
  apiSecret: string;
  adminSecret: string;
  rtpPorts: string;
  natMapping?: string;
  eventLoops: number;
}

const quote = (s: string) => JSON.stringify(s);

/**
 * Writes janus.jcfg, the WebSocket transport and the VideoRoom plugin configuration, and a plugins/ and
 * transports/ folder holding links to only the VideoRoom plugin and the WebSocket transport: Janus loads
 * every library in its folders, and each unused one costs memory and threads.
 */
export function writeJanusConfig(c: JanusConfig): void {
  for (const sub of ['plugins', 'transports', 'events', 'loggers']) {
    rmSync(join(c.dir, sub), { recursive: true, force: true });
    mkdirSync(join(c.dir, sub), { recursive: true });
  }
  const link = (kind: 'plugins' | 'transports', prefix: string) => {
    const file = readdirSync(join(c.libDir, kind)).find((f) => f.startsWith(prefix) && /\.so(\.|$)/.test(f));
    if (!file) throw new Error(`${join(c.libDir, kind)} has no ${prefix}*.so`);
    symlinkSync(join(c.libDir, kind, file), join(c.dir, kind, `${prefix}.so`));
  };
  link('plugins', 'libjanus_videoroom');
  link('transports', 'libjanus_websockets');

  writeFileSync(
    join(c.dir, 'janus.jcfg'),
    `general: {
\tconfigs_folder = ${quote(c.dir)}
\tplugins_folder = ${quote(join(c.dir, 'plugins'))}
\ttransports_folder = ${quote(join(c.dir, 'transports'))}
\tevents_folder = ${quote(join(c.dir, 'events'))}
\tloggers_folder = ${quote(join(c.dir, 'loggers'))}
\tdebug_level = 3
\tapi_secret = ${quote(c.apiSecret)}
\tadmin_secret = ${quote(c.adminSecret)}
\tserver_name = "podium"
\tsession_timeout = 60
\t# A fixed pool of media loops instead of one thread per handle: hundreds of subscribers on a few cores.
\tevent_loops = ${c.eventLoops}
\thide_dependencies = true
\tprotected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var"]
}
media: {
\trtp_port_range = ${quote(c.rtpPorts)}
\tno_media_timer = 2
}
nat: {
\tignore_mdns = true
\tice_ignore_list = "vmnet,docker,veth"
${c.natMapping ? `\tnat_1_1_mapping = ${quote(c.natMapping)}\n\tkeep_private_host = true\n` : ''}}
plugins: {
}
transports: {
}
events: {
\tbroadcast = false
}
`,
  );
  writeFileSync(
    join(c.dir, 'janus.transport.websockets.jcfg'),
    `general: {
\tjson = "compact"
\tws = true
\tws_port = ${c.wsPort}
\tws_ip = "127.0.0.1"
\twss = false
}
admin: {
\tadmin_ws = true
\tadmin_ws_port = ${c.adminPort}
\tadmin_ws_ip = "127.0.0.1"
\tadmin_wss = false
}
`,
  );
  // Rooms are created by Podium through the API only (each with its own random secret); none are static.
  writeFileSync(join(c.dir, 'janus.plugin.videoroom.jcfg'), `general: {\n\tadmin_key = ${quote(c.adminSecret)}\n}\n`);
}

export interface JanusAnswer {
  janus: string;
  error?: { code: number; reason: string };
  plugins?: Record<string, unknown>;
  transports?: Record<string, unknown>;
}

/** One request on a Janus WebSocket API and its first answer; rejects when Janus does not answer in time. */
export function janusRequest(url: string, body: Record<string, unknown>, timeoutMs = 1000): Promise<JanusAnswer> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const timer = setTimeout(() => settle(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
    function settle(outcome: Error | JanusAnswer) {
      clearTimeout(timer);
      ws.removeAllListeners();
      // A close before the handshake ends emits an error; nobody listens any more.
      ws.on('error', () => {});
      ws.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolvePromise(outcome);
    }
    ws.on('open', () => ws.send(JSON.stringify({ transaction: 'podium', ...body })));
    ws.on('message', (data) => {
      try {
        settle(JSON.parse(String(data)) as JanusAnswer);
      } catch {
        settle(new Error('Janus answered something that is not JSON'));
      }
    });
    ws.on('error', (err) => settle(err));
    ws.on('close', () => settle(new Error('Janus closed the connection')));
  });
}

/** Whether Janus answers `info` with the VideoRoom plugin loaded. */
export async function janusAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const info = await janusRequest(url, { janus: 'info' }, timeoutMs).catch(() => undefined);
  return info?.janus === 'server_info' && 'janus.plugin.videoroom' in (info.plugins ?? {});
}

export async function createManagedJanus(options: ManagedJanusOptions): Promise<ManagedJanus> {
  const binary = options.binary ?? findOnPath('janus');
  if (!binary) throw new Error('janus is not on PATH');
  const libDir = options.libDir ?? findJanusLibDir();
  if (!libDir) throw new Error(`cannot find Janus's plugins folder (looked in ${LIB_DIR_CANDIDATES.join(', ')})`);
  const dir = resolve(options.dir);
  const wsPort = options.wsPort || (await freePort());
  const adminPort = options.adminPort || (await freePort());
  const rtpPorts = options.rtpPorts ?? '20000-40000';
  parsePortRange(rtpPorts);
  const apiSecret = secret();
  const adminSecret = secret();
  const { availableParallelism } = await import('node:os');
  writeJanusConfig({
    dir,
    libDir,
    wsPort,
    adminPort,
    apiSecret,
    adminSecret,
    rtpPorts,
    natMapping: options.natMapping,
    eventLoops: options.eventLoops ?? availableParallelism(),
  });
  const url = `ws://127.0.0.1:${wsPort}`;
  const janusArgs = ['--config', join(dir, 'janus.jcfg'), '--configs-folder', dir, '--disable-colors', '--log-stdout'];
  // Janus must not outlive Podium, even when Podium is SIGKILLed: setpriv (util-linux) asks the kernel to
  // kill it when its parent dies, then execs it in place, so the pid and the signals stay Janus's own.
  const setpriv = findOnPath('setpriv');
  const proc = createManagedProcess({
    name: 'janus',
    command: setpriv ?? binary,
    args: setpriv ? ['--pdeathsig', 'KILL', '--', binary, ...janusArgs] : janusArgs,
    cwd: dir,
    ready: (signal) => pollUntil(() => janusAnswers(url), signal, 100),
    readyTimeoutMs: 20_000,
    restartDelayMs: options.restartDelayMs ?? 200,
    maxRestartDelayMs: 5_000,
    // SIGINT is Janus's documented clean stop (it closes sessions and handles before exiting).
    stopSignal: 'SIGINT',
    stopTimeoutMs: 5_000,
    onEvent: options.onEvent,
    onOutput: options.onOutput ? (line) => options.onOutput!(line) : undefined,
  });
  return {
    url,
    apiSecret,
    adminUrl: `ws://127.0.0.1:${adminPort}`,
    adminSecret,
    process: proc,
    start: () => proc.start(),
    stop: () => proc.stop(),
  };
}
