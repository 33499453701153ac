// Shared end-to-end plumbing: the all-in-one server as a child process, headless Chromium, and video probes.
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase } from '../db/testing.ts';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { freePort, processAlive } from '../managed/process.ts';
import { startEntryProcess, type RunningProcess } from '../testing/processes.ts';

export { CHROMIUM_PATH };

export const ROOT = resolve(import.meta.dirname, '..');
export const SCREENSHOT_DIR = join(ROOT, 'e2e', 'screenshots');

/** Whether the suite can run; outside CI a missing browser skips it with one line, in CI it fails. */
export const CHROMIUM_ARGS = [
  ...CHROMIUM_BASE_ARGS,
  // Headless screen capture: pick the (fake) screen without a picker.
  '--auto-select-desktop-capture-source=Entire screen',
  '--autoplay-policy=no-user-gesture-required',
];

const BROWSER_LOCK = join(tmpdir(), 'podium-e2e-browser.lock');

/**
 * Chromium is heavy on a small machine, so e2e files take turns: one browser at a time across test
 * workers. A lock left by a crashed worker (its process is gone) is taken over.
 */
async function acquireBrowserSlot(): Promise<() => void> {
  for (;;) {
    try {
      const fd = openSync(BROWSER_LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(BROWSER_LOCK, { force: true });
    } catch {
      const holder = Number(existsSync(BROWSER_LOCK) ? readFileSync(BROWSER_LOCK, 'utf8') : 0);
      if (!holder || !processAlive(holder)) rmSync(BROWSER_LOCK, { force: true });
      else await new Promise((done) => setTimeout(done, 500));
    }
  }
}

/**
 * Launches several headless Chromiums in one turn (each its own executable, e.g. a wrapper that runs it in a
 * network namespace); the turn ends when the last of them closes.
 */
export async function launchBrowsers(launches: Array<{ executablePath: string; args?: string[] }>): Promise<Browser[]> {
  const release = await acquireBrowserSlot();
  const browsers: Browser[] = [];
  try {
    for (const launch of launches) {
      browsers.push(await chromium.launch({ executablePath: launch.executablePath, args: [...CHROMIUM_ARGS, ...(launch.args ?? [])], headless: true }));
    }
  } catch (err) {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    release();
    throw err;
  }
  let open = browsers.length;
  for (const browser of browsers) browser.on('disconnected', () => --open === 0 && release());
  return browsers;
}

/** Launches headless Chromium once this worker's turn comes; closing the browser ends the turn. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const release = await acquireBrowserSlot();
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
    browser.on('disconnected', release);
    return browser;
  } catch (err) {
    release();
    throw err;
  }
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** A fresh context per participant, so each has its own localStorage (its own tokens). */
export async function openPage(
  browser: Browser,
  base: string,
  viewport = DESKTOP,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, colorScheme, baseURL: base, permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`e2e page error: ${err.message}`));
  return { context, page };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.includes('.test.')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the UI when dist/ is missing or older than ui/, so the server serves what is being tested. */
export async function ensureUiBuild(): Promise<void> {
  const index = join(ROOT, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'ui'))) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

export { freePort };

export interface RunningServer {
  url: string;
  /** Milliseconds from spawning the process to its ready line (the last start). */
  startupMs: number;
  /** Everything the process printed so far. */
  output(): string;
  /** The server process's id (the programs it manages, Janus, are its children). */
  pid(): number;
  /** Stops the process and starts a new one on the same port and database: every socket has to reconnect. */
  restart(): Promise<void>;
  /** Kills the process with SIGKILL (no shutdown of any kind) and starts a new one on the same port and data. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

async function spawnServer(env: Record<string, string | undefined>, readyLine: RegExp, log: { output: string; startupMs: number }): Promise<RunningProcess> {
  const startedAt = performance.now();
  const started = startEntryProcess('server.ts', { env, echoStderr: 'server' });
  // Everything every start printed, restarts included.
  const before = log.output;
  started.child.stdout!.on('data', () => (log.output = before + started.output()));
  started.child.stderr!.on('data', () => (log.output = before + started.output()));
  try {
    await started.waitFor(readyLine, 60_000);
  } catch (err) {
    await started.kill();
    throw err;
  }
  log.startupMs = performance.now() - startedAt;
  return started;
}

export interface ServerOptions {
  /** Added to (and overriding) the test environment, e.g. HTTPS settings. */
  env?: NodeJS.ProcessEnv;
  /** The app's base URL when it is not plain HTTP on PORT at 127.0.0.1. */
  url?: string;
  /** The line that means the server is ready; "listening" by default. */
  readyLine?: RegExp;
  /** The embedded PostgreSQL in a fresh DATA_DIR instead of a test database on the external one. */
  embedded?: boolean;
}

/** Starts `node --import tsx server.ts` on a free port with its own database and waits for "listening". */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  await ensureUiBuild();
  const port = await freePort();
  // The server migrates on start; this handle only owns the database's lifetime (postgres.js connects lazily).
  const database = await createTestDatabase({ migrate: false });
  const dataDir = options.embedded ? mkdtempSync(join(tmpdir(), 'podium-e2e-data-')) : undefined;
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    ICE_SERVERS: '[]',
    MANAGED_TURN: 'off',
    ...(dataDir ? { DATA_DIR: dataDir } : { DATABASE_URL: database.url }),
    // The star's own tests keep every room a star, however busy the machine makes the presenter's encoder.
    MEDIA_MODE: 'star',
    ...options.env,
  };
  if (dataDir) {
    delete env.DATABASE_URL;
    // As root, the embedded PostgreSQL runs as an unprivileged user that must be able to enter the directory.
    chmodSync(dataDir, 0o755);
  }
  // Podium's own line: the embedded PostgreSQL's log says "listening on Unix socket" first.
  const readyLine = options.readyLine ?? /podium \S+: listening on /;
  const log = { output: '', startupMs: 0 };
  let child = await spawnServer(env, readyLine, log);
  return {
    url: options.url ?? `http://127.0.0.1:${port}`,
    get startupMs() {
      return log.startupMs;
    },
    output: () => log.output,
    pid: () => child.pid,
    async restart() {
      await child.stop();
      child = await spawnServer(env, readyLine, log);
    },
    async crash() {
      await child.kill();
      child = await spawnServer(env, readyLine, log);
    },
    async stop() {
      await child.stop();
      await database.destroy().catch(() => {});
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface VideoProbe {
  width: number;
  frames: number;
}

/** Width and decoded-frame count of the first video matching the selector (zeros when absent). */
export function probeVideo(page: Page, selector: string): Promise<VideoProbe> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (!video) return { width: 0, frames: 0 };
    return { width: video.videoWidth, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  }, selector);
}

/** Waits until the video shows a picture and its decoded-frame count keeps rising; resolves with the count. */
export async function waitForDecodedFrames(page: Page, selector: string, timeoutMs = 30_000): Promise<VideoProbe> {
  const deadline = Date.now() + timeoutMs;
  let last: VideoProbe = { width: 0, frames: 0 };
  while (Date.now() < deadline) {
    const now = await probeVideo(page, selector);
    if (now.width > 0 && now.frames > 0 && last.frames > 0 && now.frames > last.frames) return now;
    last = now;
    await page.waitForTimeout(250);
  }
  throw new Error(`no rising decoded frames on ${selector} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Every RTCPeerConnection the page makes, kept (in `window.__pcs`) so a test can count them and read their stats. */
export const KEEP_PEER_CONNECTIONS = `
  window.__pcs = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  Object.assign(window.RTCPeerConnection, Original);
`;

/** Removes WebRTC and media devices before any page script runs: the join-only browser. */
export const WITHOUT_WEBRTC = `
  delete window.RTCPeerConnection;
  delete window.webkitRTCPeerConnection;
  if (navigator.mediaDevices) Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: undefined });
`;

/** The pid of `parentPid`'s child process whose command name is `name` (Linux /proc), if there is one. */
export function childProcessNamed(parentPid: number, name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8').trim()) ?? [];
      if (comm === name && Number(rest?.split(' ')[1]) === parentPid) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks are 100 per second there). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').trim().replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
