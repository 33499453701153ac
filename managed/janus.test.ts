import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManagedJanus, janusAnswers, janusRequest, parsePortRange, type ManagedJanus } from './janus.ts';

const dirs: string[] = [];
const started: ManagedJanus[] = [];
afterAll(async () => {
  await Promise.all(started.map((j) => j.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function janus(options: { rtpPorts?: string } = {}): Promise<{ janus: ManagedJanus; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'podium-managed-janus-'));
  dirs.push(dir);
  const managed = await createManagedJanus({ dir, eventLoops: 1, restartDelayMs: 50, ...options });
  started.push(managed);
  await managed.start();
  return { janus: managed, dir };
}

/** A non-loopback IPv4 address of this machine, if it has one. */
const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('managed Janus', () => {
  it('should run the VideoRoom alone behind the WebSocket API on loopback, each start with its own secrets', async () => {
    const [{ janus: a, dir }, { janus: b }] = await Promise.all([janus({ rtpPorts: '42000-42999' }), janus()]);
    const info = await janusRequest(a.url, { janus: 'info' });
    expect(Object.keys(info.plugins ?? {})).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info.transports ?? {})).toEqual(['janus.transport.websockets']);
    expect(a.apiSecret).not.toBe(b.apiSecret);
    expect(a.url).not.toBe(b.url);
    expect(await janusRequest(a.url, { janus: 'create', apisecret: b.apiSecret })).toMatchObject({ janus: 'error', error: { code: 403 } });
    expect(await janusRequest(a.url, { janus: 'create', apisecret: a.apiSecret })).toMatchObject({ janus: 'success' });
    expect(readFileSync(join(dir, 'janus.jcfg'), 'utf8')).toContain('rtp_port_range = "42000-42999"');
    const lan = lanAddress();
    if (lan) await expect(janusRequest(a.url.replace('127.0.0.1', lan), { janus: 'info' })).rejects.toThrow();
    const admin = new URL(a.adminUrl);
    expect(admin.hostname).toBe('127.0.0.1');
  });

  it('should restart Janus after SIGKILL and stop it for good on stop()', async () => {
    const { janus: managed } = await janus();
    const first = managed.process.pid!;
    process.kill(first, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    await managed.process.whenReady();
    expect(managed.process.pid).not.toBe(first);
    expect(managed.process.restarts).toBe(1);
    expect(await janusAnswers(managed.url)).toBe(true);
    const pid = managed.process.pid!;
    await managed.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await janusAnswers(managed.url)).toBe(false);
  });

  it('should refuse a port range that is not one', () => {
    expect(parsePortRange('20000-40000')).toEqual({ min: 20000, max: 40000 });
    for (const bad of ['', '20000', '40000-20000', '80-90', '20000-70000', 'a-b']) expect(() => parsePortRange(bad)).toThrow();
  });
});

describe('managed Janus, its parent gone', () => {
  it('should die with a parent that was SIGKILLed', async () => {
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'podium-orphan-janus-'));
    dirs.push(dir);
    // A parent that starts a managed Janus, prints its pid, and waits to be killed.
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(import.meta.dirname, 'janus.ts')}').then(async ({ createManagedJanus }) => {
          const j = await createManagedJanus({ dir: ${JSON.stringify(dir)}, eventLoops: 1 });
          await j.start();
          console.log('janus', j.process.pid);
          setInterval(() => {}, 1000);
        });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((resolve) =>
      parent.stdout!.on('data', (chunk: Buffer) => {
        const match = /janus (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      }),
    );
    expect(() => process.kill(pid, 0)).not.toThrow();
    parent.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});
