// Drill: one of two signaling processes killed mid-session; its clients move to the other and resume, nothing lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillRoom, expectNothingLostNoDuplicate, resumingClient, traffic, type ResumingClient } from '../e2e/drill.ts';
import { startTcpProxy, type TcpProxy } from '../e2e/tcp-proxy.ts';
import { createPostgresTestDatabase } from '../db/testing.ts';
import { startEntry, type ChildEntry } from './testing-processes.ts';

const adapters = [
  { adapter: 'postgres', adapterEnv: { REDIS_URL: '', SOCKET_ADAPTER: 'postgres' } },
  { adapter: 'redis-streams', adapterEnv: { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', SOCKET_ADAPTER: 'redis' } },
];

describe.each(adapters)('one of two signaling processes killed ($adapter adapter)', ({ adapterEnv }) => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let a: ChildEntry;
  let b: ChildEntry;
  let api: ChildEntry;
  let balancer: TcpProxy;

  function started(entry: ChildEntry): ChildEntry {
    cleanups.push(() => entry.process.kill('SIGKILL'));
    return entry;
  }

  // Three processes start at once on a shared machine (tsx compiles each): up to 90 s each, in this hook.
  beforeAll(async () => {
    const database = await createPostgresTestDatabase({ migrate: true });
    cleanups.push(() => database.destroy());
    const env = { DATABASE_URL: database.url, MIGRATE_ON_START: 'false', RECONNECT_GRACE_MS: '30000', RATE_LIMITS: 'off', ...adapterEnv };
    const entries = await Promise.allSettled([
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }, 90_000),
      startEntry('signaling/main.ts', { ...env, SIGNALING_PORT: '0' }, 90_000),
      startEntry('api/node.ts', { ...env, PORT: '0' }, 90_000),
    ]);
    for (const entry of entries) if (entry.status === 'fulfilled') started(entry.value);
    const failed = entries.find((entry) => entry.status === 'rejected');
    if (failed) throw failed.reason;
    [a, b, api] = entries.map((entry) => (entry as PromiseFulfilledResult<ChildEntry>).value) as [ChildEntry, ChildEntry, ChildEntry];
    // What nginx does in front of the signaling processes: spread connections, skip one that refuses.
    balancer = await startTcpProxy(() => [a.port, b.port]);
    cleanups.push(() => balancer.close());
  }, 180_000);

  // Every process, proxy and socket the drill started goes, whether it passed or failed.
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }, 60_000);

  // Settling the adapters and the drill itself take longer than 30 s on a busy shared machine: 60 s.
  it('should move the killed process\'s clients to the other one, resumed, with every acked message there once', async () => {
    const room = await drillRoom(api.url, 3);
    const clients: ResumingClient[] = [
      resumingClient(balancer.url, room.presenterToken, room.slug, 'Presenter', api.url),
      ...room.tokens.map((token, i) => resumingClient(balancer.url, token, room.slug, `Attendee ${i}`, api.url)),
    ];
    cleanups.push(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => c.liveSince(0)));
    // Each process subscribes to the adapter a moment after it listens: wait until a message reaches everyone.
    await expect
      .poll(
        async () => {
          const said = await clients[0]!.say(`Settling ${Math.random()}`, performance.now() + 5_000);
          await new Promise((done) => setTimeout(done, 200));
          return clients.every((c) => said && c.messages.has(said.id));
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);

    const sending = traffic(clients, 40);
    await new Promise((done) => setTimeout(done, 1_000));
    a.process.kill('SIGKILL');
    // The killed process's sockets all close at once; the others never drop.
    await expect.poll(() => clients.some((c) => c.drops > 0), { timeout: 10_000, interval: 50 }).toBe(true);
    await new Promise((done) => setTimeout(done, 500));
    await Promise.all(clients.map((c) => c.resumed()));
    await new Promise((done) => setTimeout(done, 1_000));
    const acked = await sending.stop();

    // Every client is on the survivor now; at least one had to move there.
    const moved = clients.filter((c) => c.drops > 0);
    expect(moved.length).toBeGreaterThan(0);
    for (const client of moved) expect(client.rejoins + client.recoveries).toBeGreaterThan(0);
    expect(a.process.exitCode !== null || a.process.signalCode !== null).toBe(true);
    await expectNothingLostNoDuplicate(api.url, room, clients, acked);
    // The participants who moved are still present: none was announced as gone.
    const present = await fetch(`${api.url}/api/rooms/${room.slug}`, { headers: { authorization: `Bearer ${room.presenterToken}` } });
    expect(((await present.json()) as { participants: unknown[] }).participants).toHaveLength(4);
  }, 60_000);
});
