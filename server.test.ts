// The all-in-one server as a newcomer runs it: started from a bare directory, answering, keeping data across restarts.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath, processAlive } from './managed/process.ts';
import { startProcess, type RunningProcess } from './testing/processes.ts';
import { requires } from './testing/requires.ts';

const coturn = await requires('coturn');

const root = import.meta.dirname;
// What `npm start` runs after its `prestart` build: the compiled server, under node alone.
const entry = resolve(root, 'build/server.js');

interface Running {
  process: RunningProcess;
  url: string;
  output: () => string;
}

/** Starts the built server with `cwd` as its working directory and waits for its "listening" line. */
async function startServer(cwd: string, env: Record<string, string> = {}): Promise<Running> {
  const server = startProcess(process.execPath, [entry], {
    cwd,
    env: { PORT: '0', HOST: '127.0.0.1', RATE_LIMITS: 'off', DATABASE_URL: '', ICE_SERVERS: '[]', MANAGED_TURN: 'off', ...env },
  });
  try {
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
    return { process: server, url: url!.replace('localhost', '127.0.0.1'), output: server.output };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

const stop = (running: Running) => running.process.stop();

/** The postmaster of the embedded database under `cwd`/data, from its pid file. */
function postmasterPid(cwd: string): number | undefined {
  const file = join(cwd, 'data', 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podium-start-'));
  // As root, PostgreSQL runs as an unprivileged user that must be able to enter the directory.
  chmodSync(dir, 0o755);
  beforeAll(() => {
    execFileSync('npm', ['run', 'build:server', '--silent'], { cwd: root, stdio: 'inherit' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should answer /api/health with no database server and keep a room across a restart', async () => {
    const first = await startServer(dir);
    const health = await fetch(`${first.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', db: { ok: true } });
    expect(first.output()).toMatch(/database: embedded PostgreSQL 18\.\d+ in \.\/data/);
    const postmaster = postmasterPid(dir)!;
    expect(processAlive(postmaster)).toBe(true);
    const home = await fetch(`${first.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<div id="root">');

    const created = await fetch(`${first.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Kept across restarts', presenterName: 'Ada' }),
    });
    expect(created.status).toBe(201);
    const { slug } = (await created.json()) as { slug: string };

    expect(await stop(first)).toBe(0);
    expect(first.output()).not.toMatch(/\n\s+at /);
    // A clean stop takes the database down with it, and removes its pid file.
    expect(processAlive(postmaster)).toBe(false);
    expect(postmasterPid(dir)).toBeUndefined();

    const second = await startServer(dir);
    const room = await fetch(`${second.url}/api/rooms/${slug}`);
    expect(room.status).toBe(200);
    expect(await room.json()).toMatchObject({ room: { slug, title: 'Kept across restarts' } });
    expect(await stop(second)).toBe(0);
    expect(second.output()).not.toMatch(/\n\s+at /);
  });

  it('should take its database down when killed with SIGKILL, and start again on the same data', async () => {
    const first = await startServer(dir);
    const created = await fetch(`${first.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Survives a SIGKILL', presenterName: 'Ada' }),
    });
    const { slug } = (await created.json()) as { slug: string };
    const postmaster = postmasterPid(dir)!;
    await first.process.kill();
    // No postgres is left holding DATA_DIR (its parent-death signal), and the next start recovers the data.
    await expect.poll(() => processAlive(postmaster), { timeout: 10_000 }).toBe(false);
    const second = await startServer(dir);
    const room = await fetch(`${second.url}/api/rooms/${slug}`);
    expect(room.status).toBe(200);
    expect(await stop(second)).toBe(0);
  });

  it('should refuse a bad environment variable with one line naming it', async () => {
    const failed = await startServer(dir, { PORT: 'eighty' }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failed).toContain('exited with 1');
    expect(failed).toContain('Invalid environment variable PORT');
    expect(failed).not.toMatch(/\n\s+at /);
  });

  it('should stop with one line when the database cannot be reached, without printing its password', async () => {
    const failed = await startServer(dir, { DATABASE_URL: 'postgres://podium:hunter22@127.0.0.1:1/podium' }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failed).toContain('exited with 1');
    expect(failed).toContain('podium: cannot open postgres://podium:***@127.0.0.1:1/podium: ECONNREFUSED');
    expect(failed).not.toContain('hunter22');
    expect(failed).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!coturn)('should run its own coturn when turnserver is on PATH, hand out its relay, and stop it on shutdown', async () => {
    const turnDir = mkdtempSync(join(tmpdir(), 'podium-start-turn-'));
    chmodSync(turnDir, 0o755);
    try {
      const running = await startServer(turnDir, { MANAGED_TURN: 'auto', TURN_PORT: '0', DATA_DIR: join(turnDir, 'data') });
      const [, port] = /coturn relay on port (\d+)/.exec(running.output())!;
      const config = readFileSync(join(turnDir, 'data', 'coturn', 'turnserver.conf'), 'utf8');
      expect(config).toContain(`listening-port=${port}\n`);
      const pid = Number(readFileSync(join(turnDir, 'data', 'coturn', 'turnserver.pid'), 'utf8'));
      expect(processAlive(pid)).toBe(true);

      const created = await fetch(`${running.url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Relay', presenterName: 'Ada' }),
      });
      const { slug, presenterToken } = (await created.json()) as { slug: string; presenterToken: string };
      const ice = await fetch(`${running.url}/api/rooms/${slug}/ice-servers`, { headers: { authorization: `Bearer ${presenterToken}` } });
      const { iceServers, relay } = (await ice.json()) as { iceServers: Array<{ urls: string[]; username?: string }>; relay: boolean };
      expect(relay).toBe(true);
      expect(iceServers.at(-1)!.urls).toEqual([`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`]);

      expect(await stop(running)).toBe(0);
      expect(processAlive(pid)).toBe(false);
    } finally {
      rmSync(turnDir, { recursive: true, force: true });
    }
  });
});
