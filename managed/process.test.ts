import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createManagedProcess, freePort, pollUntil, type ManagedProcessEvent } from './process.ts';


const answers = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

// A program that listens on a port, like the services Podium manages.
const listener = (port: number) => [
  '-e',
  `require('node:net').createServer(() => {}).listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000);`,
];

describe('createManagedProcess', () => {
  it('should start a program, restart it after SIGKILL, and stop it', async () => {
    const port = await freePort();
    const events: ManagedProcessEvent[] = [];
    const proc = createManagedProcess({
      name: 'listener',
      command: process.execPath,
      args: listener(port),
      ready: (signal) => pollUntil(answers(port), signal, 50),
      restartDelayMs: 50,
      onEvent: (e) => events.push(e),
    });
    await proc.start();
    expect(proc.healthy).toBe(true);
    const first = proc.pid!;
    process.kill(first, 'SIGKILL');
    await expect.poll(() => proc.restarts, { timeout: 5000 }).toBe(1);
    await proc.whenReady();
    expect(proc.pid).not.toBe(first);
    expect(await answers(port)()).toBe(true);
    await proc.stop();
    expect(proc.healthy).toBe(false);
    expect(await answers(port)()).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['started', 'ready', 'exited', 'restarting', 'started', 'ready', 'exited']);
    expect(events.at(-1)).toMatchObject({ type: 'exited', expected: true });
  });

  it('should reject the first start of a program that is not on the machine', async () => {
    const proc = createManagedProcess({ name: 'missing', command: '/nonexistent/podium-no-such-program' });
    await expect(proc.start()).rejects.toThrow(/missing: cannot start/);
    expect(proc.restarts).toBe(0);
  });

  it('should reject a start whose program exits before it is ready, and not restart it', async () => {
    const proc = createManagedProcess({
      name: 'quitter',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      ready: (signal) => pollUntil(async () => false, signal),
      restartDelayMs: 10,
    });
    await expect(proc.start()).rejects.toThrow(/quitter: exited before it was ready \(code 3/);
    await new Promise((r) => setTimeout(r, 100));
    expect(proc.restarts).toBe(0);
  });

  it('should give up waiting after readyTimeoutMs and kill the program', async () => {
    const proc = createManagedProcess({
      name: 'silent',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      ready: (signal) => pollUntil(async () => false, signal, 20),
      readyTimeoutMs: 200,
    });
    await expect(proc.start()).rejects.toThrow(/silent: not ready after 200 ms/);
    expect(proc.pid).toBeUndefined();
  });
});
