import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../api/testing.ts';
import { createDatabase } from '../db/client.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { resolveHost } from '../jobs.ts';
import { backoffMs, isPublicAddress, refusedTarget, startWebhookDelivery, type DeliveryOptions, type DeliveryWorker } from './webhook-delivery.ts';
import { createWebhooks } from './webhooks.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback; `answers` are the statuses of successive requests (then 200). */
async function receiver(answers: number[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/podium`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let database: TestDatabase;
const closers: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
afterAll(() => database.destroy());

const options = (overrides: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
  deploymentSecret: SECRET,
  allowPrivate: true,
  maxAttempts: 5,
  retryBaseMs: 40,
  timeoutMs: 2000,
  // Passes are driven by the tests through runOnce; the timer stays out of their way.
  pollMs: 600_000,
  resolve: resolveHost,
  ...overrides,
});

async function appWithReceiver(url: string): Promise<TestApp> {
  const t = await createTestApp({ database, env: { WEBHOOK_URLS: url, WEBHOOK_SECRET: SECRET } });
  closers.push(() => t.close());
  return t;
}

function worker(overrides: Partial<DeliveryOptions> = {}, db = database.db): DeliveryWorker {
  const w = startWebhookDelivery(db, options(overrides));
  closers.push(() => w.stop());
  return w;
}

/** Runs passes until `done` holds, waiting out backoffs between them. */
async function deliverUntil(w: DeliveryWorker, done: () => boolean | Promise<boolean>, passes = 100) {
  for (let i = 0; i < passes && !(await done()); i++) {
    await w.runOnce();
    await new Promise((r) => setTimeout(r, 30));
  }
  expect(await done()).toBe(true);
}

const deliveryRows = async (roomSlug: string) =>
  (await database.db.execute(sql`select d.* from webhook_deliveries d join rooms r on r.id = d.room_id where r.slug = ${roomSlug} order by d.created_at`)) as unknown as {
    id: string;
    event: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }[];

describe('webhook delivery', () => {
  it('should sign each event so that a Standard Webhooks receiver verifies it, for every room event', async () => {
    const hook = await receiver();
    closers.push(hook.close);
    const t = await appWithReceiver(hook.url);
    const room = await t.createRoom({ title: 'Hooked' });
    const ann = await t.join(room.slug, 'Ann');
    const asked = await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: ann.token, body: { question: 'Slides?' } });
    const { questionId } = (await asked.json()) as { questionId: string };
    await t.call('POST', `/api/rooms/${room.slug}/questions/${questionId}/answer`, { token: room.presenterToken, body: { answer: 'Yes.' } });
    const created = await t.call('POST', `/api/rooms/${room.slug}/polls`, { token: room.presenterToken, body: { question: 'Good?', options: ['Yes', 'No'] } });
    const { poll } = (await created.json()) as { poll: { id: string } };
    await t.call('POST', `/api/rooms/${room.slug}/polls/${poll.id}/launch`, { token: room.presenterToken });
    await t.call('PUT', `/api/rooms/${room.slug}/polls/${poll.id}/vote`, { token: ann.token, body: { choices: [0] } });
    await t.call('POST', `/api/rooms/${room.slug}/polls/${poll.id}/close`, { token: room.presenterToken });
    await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken });

    const w = worker();
    await deliverUntil(w, () => hook.received.length >= 5);
    const verifier = new Webhook(SECRET);
    const events = hook.received.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, unknown> });
    expect(events.map((e) => e.type).sort()).toEqual(['poll.closed', 'question.answered', 'question.asked', 'room.created', 'room.ended']);
    expect(events.find((e) => e.type === 'poll.closed')!.data).toMatchObject({ question: 'Good?', results: { counts: [1, 0], voters: 1 } });
    expect(events.find((e) => e.type === 'room.ended')!.data).toMatchObject({ stats: { totalParticipants: 2, totalQuestions: 1 } });
    expect(events.find((e) => e.type === 'question.answered')!.data).toMatchObject({ questionId, answer: 'Yes.' });
    // A tampered body or another secret does not verify.
    const first = hook.received[0]!;
    expect(() => verifier.verify(first.body.replace('}', ',"x":1}'), first.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook('whsec_' + btoa('another secret of 24 b.')).verify(first.body, first.headers as Record<string, string>)).toThrow();
    // The delivery log over REST, for the presenter, after the end.
    const log = await t.call('GET', `/api/rooms/${room.slug}/webhooks/deliveries`, { token: room.presenterToken });
    expect(log.status).toBe(200);
    const { deliveries } = (await log.json()) as { deliveries: { status: string; attempts: number }[] };
    expect(deliveries).toHaveLength(5);
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
  });

  it('should deliver on the third try to a receiver that fails twice, with the same id each time', async () => {
    const hook = await receiver([500, 503]);
    closers.push(hook.close);
    const t = await appWithReceiver(hook.url);
    const room = await t.createRoom();
    const w = worker();
    await deliverUntil(w, async () => (await deliveryRows(room.slug))[0]?.status === 'delivered');
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect((await deliveryRows(room.slug))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(backoffMs(1, 40)).toBe(40);
    expect(backoffMs(2, 40)).toBe(80);
    expect(backoffMs(3, 40)).toBe(160);
  });

  it('should still deliver when the process restarts between tries: the queue is in the database', async () => {
    const hook = await receiver([500]);
    closers.push(hook.close);
    const t = await appWithReceiver(hook.url);
    const room = await t.createRoom();
    // The first process tries once, fails, and goes away with its database connection.
    const firstHandle = await createDatabase({ url: database.url, poolMax: 2 });
    const first = startWebhookDelivery(firstHandle.db, options());
    await first.runOnce();
    await first.stop();
    await firstHandle.close();
    expect(hook.received).toHaveLength(1);
    expect((await deliveryRows(room.slug))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    // A new process, knowing nothing but the database, delivers it.
    const secondHandle = await createDatabase({ url: database.url, poolMax: 2 });
    closers.push(() => secondHandle.close());
    const second = worker({}, secondHandle.db);
    await deliverUntil(second, async () => (await deliveryRows(room.slug))[0]?.status === 'delivered');
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]!.headers['webhook-id']).toBe(hook.received[0]!.headers['webhook-id']);
  });

  it('should refuse a private target unless allowed, by its resolved addresses', async () => {
    const hook = await receiver();
    closers.push(hook.close);
    const t = await appWithReceiver(hook.url);
    const room = await t.createRoom();
    const w = worker({ allowPrivate: false });
    await w.runOnce();
    expect(hook.received).toHaveLength(0);
    const [row] = await deliveryRows(room.slug);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.last_error).toMatch(/private or local address \(127\.0\.0\.1\)/);
    // A name is judged by what it resolves to, not by how it is spelt.
    expect(await refusedTarget('http://localhost:9/x', false, resolveHost)).toMatch(/private or local/);
    expect(await refusedTarget('http://public.example/x', false, async () => ['93.184.216.34', '10.1.2.3'])).toMatch(/10\.1\.2\.3/);
    expect(await refusedTarget('http://public.example/x', false, async () => ['93.184.216.34'])).toBeNull();
    expect(await refusedTarget('http://[::ffff:127.0.0.1]:80/', false, resolveHost)).toMatch(/private or local/);
    expect(await refusedTarget('ftp://example.org/', true, resolveHost)).toMatch(/http/);
    for (const address of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(isPublicAddress(address), address).toBe(true);
  });

  it('should let a room add its own receiver with its own secret, and refuse bad input', async () => {
    const hook = await receiver();
    closers.push(hook.close);
    const t = await createTestApp({ database });
    closers.push(() => t.close());
    const room = await t.createRoom();
    const ann = await t.join(room.slug, 'Ann');
    const base = `/api/rooms/${room.slug}/webhooks`;
    expect((await t.call('POST', base, { token: ann.token, body: { url: hook.url } })).status).toBe(403);
    expect((await t.call('POST', base, { token: room.presenterToken, body: { url: 'not a url' } })).status).toBe(400);
    expect((await t.call('POST', base, { token: room.presenterToken, body: { url: hook.url, events: ['room.exploded'] } })).status).toBe(400);
    const added = await t.call('POST', base, { token: room.presenterToken, body: { url: hook.url, events: ['question.asked'] } });
    expect(added.status).toBe(201);
    const { secret } = (await added.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_/);
    const listed = (await (await t.call('GET', base, { token: room.presenterToken })).json()) as { webhooks: Record<string, unknown>[] };
    expect(listed.webhooks).toMatchObject([{ url: hook.url, events: ['question.asked'] }]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: ann.token, body: { message: 'not an event' } });
    await t.call('POST', `/api/rooms/${room.slug}/questions`, { token: ann.token, body: { question: 'Only this one' } });
    const w = worker({ deploymentSecret: undefined });
    await deliverUntil(w, () => hook.received.length >= 1);
    expect(hook.received).toHaveLength(1);
    expect(new Webhook(secret).verify(hook.received[0]!.body, hook.received[0]!.headers as Record<string, string>)).toMatchObject({
      type: 'question.asked',
      data: { question: 'Only this one' },
    });
  });

  it('should say participant.count once per throttle period, with the count at its end', async () => {
    const t = await createTestApp({ database });
    closers.push(() => t.close());
    const room = await t.createRoom();
    await t.join(room.slug, 'Ann');
    await database.db.execute(sql`insert into webhook_endpoints (room_id, url, secret) values (${room.roomId}, 'http://receiver.test/', ${SECRET})`);
    const hooks = createWebhooks(database.db, { countThrottleMs: 1000 });
    for (let i = 0; i < 5; i++) hooks.participantCountChanged(room.roomId);
    await t.join(room.slug, 'Ben');
    for (let i = 0; i < 50 && (await deliveryRows(room.slug)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const rows = (await deliveryRows(room.slug)).filter((r) => r.event === 'participant.count');
    expect(rows).toHaveLength(1);
    const [body] = (await database.db.execute(sql`select body from webhook_deliveries where id = ${rows[0]!.id}`)) as unknown as { body: string }[];
    expect(JSON.parse(body!.body)).toMatchObject({ type: 'participant.count', data: { count: 3 } });
    hooks.close();
  });
});
