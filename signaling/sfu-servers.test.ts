import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManagedJanus, type ManagedJanus } from '../managed/janus.ts';
import { createSfu, type Sfu } from './sfu.ts';
import { until } from '../testing/until.ts';

const dirs: string[] = [];
const januses: ManagedJanus[] = [];
let sfu: Sfu | undefined;
afterAll(async () => {
  await sfu?.close();
  await Promise.all(januses.map((j) => j.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function janus(): Promise<ManagedJanus> {
  const dir = mkdtempSync(join(tmpdir(), 'podium-janus-pair-'));
  dirs.push(dir);
  const managed = await createManagedJanus({ dir, eventLoops: 1 });
  januses.push(managed);
  await managed.start();
  return managed;
}

describe('several Janus servers', () => {
  it('should place rooms on the least-loaded server and move a stopped server’s rooms to the other', async () => {
    const [first, second] = await Promise.all([janus(), janus()]);
    const moved: string[] = [];
    const changes: Array<{ url: string; healthy: boolean }> = [];
    sfu = createSfu({
      servers: [first, second].map((j) => ({ url: j.url, apiSecret: j.apiSecret, adminKey: j.adminSecret })),
      healthIntervalMs: 200,
      onServerChange: ({ url, healthy }) => changes.push({ url, healthy }),
    });
    const current = sfu;
    current.listen({ roomMoved: (roomId) => moved.push(roomId), feedChanged: () => {}, speakersChanged: () => {} });
    await until(() => current.status().every((s) => s.healthy), 'both servers should answer', 10_000);

    await current.ensureRoom('room-a');
    await current.ensureRoom('room-b');
    expect(current.status().map((s) => s.rooms)).toEqual([1, 1]);

    // Stopped for good (not restarted): the first server's room goes to the second.
    await first.stop();
    await until(() => moved.includes('room-a'), 'room-a was not moved', 10_000);
    expect(moved).toEqual(['room-a']);
    expect(current.status()).toMatchObject([
      { url: first.url, healthy: false, rooms: 0 },
      { url: second.url, healthy: true, rooms: 2 },
    ]);
    expect(changes).toContainEqual({ url: first.url, healthy: false });
    expect(current.hasRoom('room-a')).toBe(true);
    await current.destroyRoom('room-a');
    await current.destroyRoom('room-b');
    expect(current.status()[1]!.rooms).toBe(0);
  });

  it('should give up on a server that stops answering (SIGSTOP) and move its rooms', async () => {
    const [first, second] = await Promise.all([janus(), janus()]);
    const moved: string[] = [];
    const local = createSfu({
      servers: [first, second].map((j) => ({ url: j.url, apiSecret: j.apiSecret, adminKey: j.adminSecret })),
      healthIntervalMs: 200,
    });
    try {
      local.listen({ roomMoved: (roomId) => moved.push(roomId), feedChanged: () => {}, speakersChanged: () => {} });
      await until(() => local.status().every((s) => s.healthy), 'both servers should answer', 10_000);
      await local.ensureRoom('room-c');
      const holder = local.status().findIndex((s) => s.rooms === 1);
      const frozen = [first, second][holder]!;
      process.kill(frozen.process.pid!, 'SIGSTOP');
      try {
        await until(() => moved.includes('room-c'), 'room-c was not moved off the frozen server', 10_000);
        expect(local.status()[holder]).toMatchObject({ healthy: false, rooms: 0 });
        expect(local.status()[1 - holder]).toMatchObject({ healthy: true, rooms: 1 });
      } finally {
        process.kill(frozen.process.pid!, 'SIGCONT');
      }
    } finally {
      await local.close();
    }
  });

  it('should destroy an ended room’s Janus room, one being placed included, and make none for its late requests', async () => {
    const only = await janus();
    const local = createSfu({ servers: [{ url: only.url, apiSecret: only.apiSecret, adminKey: only.adminSecret }], healthIntervalMs: 200 });
    try {
      await until(() => local.status()[0]!.healthy, 'the server should answer', 10_000);
      // The room ends while its Janus room is being made: that one is destroyed once it exists.
      const placing = local.ensureRoom('room-e');
      await Promise.all([placing, local.endRoom('room-e')]);
      expect(local.status()[0]!.rooms).toBe(0);
      expect(local.hasRoom('room-e')).toBe(false);
      // A subscription or a reload's publication still on its way finds the room ended and makes nothing.
      await expect(local.ensureRoom('room-e')).rejects.toMatchObject({ code: 'unavailable', message: 'The room has ended' });
      await expect(local.publish('room-e', 'presenter', 'v=0')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(local.refresh('room-e')).resolves.toBe(false);
      expect(local.status()[0]!.rooms).toBe(0);
      // Other rooms are untouched.
      await local.ensureRoom('room-f');
      expect(local.status()[0]!.rooms).toBe(1);
    } finally {
      await local.close();
    }
  });
});
