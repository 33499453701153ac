// Failure drills on real processes: the all-in-one process killed, its PostgreSQL restarted, a client's network cut.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../managed/postgres.ts';
import { processAlive } from '../managed/process.ts';
import { childProcessNamed, launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';
import { requires } from '../testing/requires.ts';
import { allMessages, drillRoom, expectNothingLostNoDuplicate, repeated, resumingClient, traffic, type DrillRoom, type ResumingClient } from './drill.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { CHAT_WINDOW } from '../ui/room/room-store.ts';

const available = await requires('chromium');
const poll = { timeout: 30_000, interval: 200 };

/** Joins through the page's own form and opens the chat; marks the window so that a reload would show. */
async function joinInChromium(browser: Browser, base: string, slug: string, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await openPage(browser, base);
  const { page } = opened;
  await page.goto(`/r/${slug}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect.poll(() => page.getByTestId('stage').count(), poll).toBe(1);
  await expect.poll(() => connectionText(page), poll).not.toMatch(/Connecting…|Reconnecting/);
  await page.getByRole('tab', { name: /Chat/ }).click();
  await page.evaluate(() => ((window as unknown as { drillMark: number }).drillMark = 1));
  return opened;
}

/** Logs how long each stage of a drill took, so a slow or stuck stage shows in the output. */
function stages(drill: string) {
  const started = performance.now();
  return (stage: string) => console.log(`drill ${drill}: ${stage} at ${Math.round(performance.now() - started)} ms`);
}

const connectionText = (page: Page) => page.getByTestId('connection-status').textContent();
const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { drillMark?: number }).drillMark === 1);
const missingFrom = (shown: string[], expected: string[]) => expected.filter((text) => !shown.includes(text));
const pageMessages = (page: Page) => page.locator('[data-testid=chat-message] .message-text').allTextContents();

async function sendInChromium(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send message' }).click();
  await expect.poll(() => pageMessages(page), poll).toContain(text);
}

describe.skipIf(!available)('drills', () => {
  let browser: Browser;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  // e2e files take turns with one browser at a time: the wait for the turn is part of this hook.
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 180_000);

  // Every process, proxy, socket and page a drill started goes, whether the drill passed or failed.
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
    const started = await startServer(options);
    cleanups.push(() => started.stop());
    return started;
  }

  function clientsFor(url: string, room: DrillRoom): ResumingClient[] {
    const clients = [
      resumingClient(url, room.presenterToken, room.slug, 'Presenter'),
      ...room.tokens.map((token, i) => resumingClient(url, token, room.slug, `Attendee ${i}`)),
    ];
    cleanups.push(() => clients.forEach((c) => c.close()));
    return clients;
  }

  async function page(base: string, slug: string, name: string): Promise<Page> {
    const opened = await joinInChromium(browser, base, slug, name);
    cleanups.push(() => opened.context.close());
    return opened.page;
  }

  describe('a network cut of 20 s', () => {
    // The cut itself lasts 20 s, after the all-in-one process and two browsers start on a shared machine:
    // 120 s instead of the suite's 30 s.
    it.each([
      { adapter: 'memory', env: {} },
      { adapter: 'postgres', env: { SOCKET_ADAPTER: 'postgres' } },
    ])('should resume without a reload and deliver the missed chat and questions once ($adapter adapter)', async ({ adapter, env }) => {
      const stage = stages(`network cut (${adapter})`);
      const podium = await server({ env: { RECONNECT_GRACE_MS: '30000', ...env } });
      stage('server started');
      const port = Number(new URL(podium.url).port);
      // Two ways a network goes: the cable pulled (bytes wait in TCP) and a new address (connections drop).
      const held: TcpProxy = await startTcpProxy(() => [port]);
      const reset: TcpProxy = await startTcpProxy(() => [port]);
      cleanups.push(() => held.close(), () => reset.close());
      const room = await drillRoom(podium.url, 3);
      const [presenter, direct, behindHeld, behindReset] = [
        resumingClient(podium.url, room.presenterToken, room.slug, 'Presenter'),
        resumingClient(podium.url, room.tokens[0]!, room.slug, 'Attendee 0'),
        resumingClient(held.url, room.tokens[1]!, room.slug, 'Attendee 1'),
        resumingClient(reset.url, room.tokens[2]!, room.slug, 'Attendee 2'),
      ];
      const clients = [presenter!, direct!, behindHeld!, behindReset!];
      cleanups.push(() => clients.forEach((c) => c.close()));
      await Promise.all(clients.map((c) => c.liveSince(0)));
      const pages = [await page(held.url, room.slug, 'Held browser'), await page(reset.url, room.slug, 'Reset browser')];
      await sendInChromium(pages[0]!, 'Before the cut');
      stage('browsers joined');

      const cutAt = performance.now();
      held.cut();
      reset.cut({ reset: true });
      // More than one page of history (the UI reads 50 at a time) is said while the two are away.
      const said: string[] = [];
      const asked: string[] = [];
      for (let i = 0; i < 60; i++) {
        const from = i % 2 ? presenter! : direct!;
        const message = await from.say(`During the cut #${i}`, performance.now() + 10_000);
        if (message) said.push(message.message);
        if (i % 20 === 0) {
          const question = await from.ask(`Asked during the cut #${i}?`, performance.now() + 10_000);
          if (question) asked.push(question.question);
        }
      }
      stage('sent during the cut');
      expect(said).toHaveLength(60);
      expect(asked).toHaveLength(3);
      await new Promise((done) => setTimeout(done, Math.max(0, cutAt + 20_000 - performance.now())));
      held.restore();
      reset.restore();

      stage('network back');
      // The held connection may never have noticed (TCP kept its bytes); the dropped one must have come back.
      await behindReset!.liveSince(cutAt);
      expect(behindReset!.rejoins + behindReset!.recoveries).toBeGreaterThan(0);
      stage('clients live');
      await expectNothingLostNoDuplicate(podium.url, room, clients, { said: [...said, 'Before the cut'], asked });
      stage('clients checked');
      for (const shown of pages) {
        await expect.poll(() => connectionText(shown), poll).not.toMatch(/Connecting…|Reconnecting/);
        expect(await notReloaded(shown)).toBe(true);
        await expect.poll(async () => missingFrom(await pageMessages(shown), said), poll).toEqual([]);
        expect(repeated(await pageMessages(shown))).toEqual([]);
        await shown.getByRole('tab', { name: /Q&A/ }).click();
        const questionTexts = () => shown.getByTestId('question-text').allTextContents();
        await expect.poll(async () => missingFrom(await questionTexts(), asked), poll).toEqual([]);
        expect(repeated(await questionTexts())).toEqual([]);
        await shown.getByRole('tab', { name: /Chat/ }).click();
      }
      await sendInChromium(pages[1]!, 'After the cut');
      stage('browsers checked');
    }, 120_000);
  });

  // A start of the all-in-one process takes seconds (tsx, migrations; initdb for the embedded database) and a
  // drill starts it twice on a shared machine: these drills get 120 s instead of the suite's 30 s.
  describe.each([
    { database: 'an external PostgreSQL', embedded: false },
    { database: 'the embedded PostgreSQL', embedded: true },
  ])('SIGKILL of the all-in-one process on $database', ({ embedded }) => {
    it('should resume every client after the restart with every acked message and question there once', async () => {
      const stage = stages(`SIGKILL (${embedded ? 'embedded' : 'external'})`);
      const podium = await server({ embedded, env: { RECONNECT_GRACE_MS: '30000' } });
      stage('server started');
      const room = await drillRoom(podium.url, 3);
      const clients = clientsFor(podium.url, room);
      await Promise.all(clients.map((c) => c.liveSince(0)));
      const attendee = await page(podium.url, room.slug, 'Chromium attendee');
      await sendInChromium(attendee, 'Before the crash, from the browser');
      const postgresBefore = embedded ? childProcessNamed(podium.pid(), 'postgres') : undefined;
      if (embedded) expect(postgresBefore).toBeDefined();

      stage('browser joined');
      const sending = traffic(clients, 40);
      await new Promise((done) => setTimeout(done, 1_500));
      const killedAt = performance.now();
      const crashed = podium.pid();
      await podium.crash();
      stage('killed and started again');
      expect(processAlive(crashed)).toBe(false);
      if (embedded) {
        // The managed PostgreSQL died with its parent (or was stopped by the new start); a new one serves.
        // Its exit follows the parent's death by a moment: asked until it is gone.
        await expect.poll(() => processAlive(postgresBefore!), { timeout: 10_000, interval: 100 }).toBe(false);
        expect(childProcessNamed(podium.pid(), 'postgres')).toBeDefined();
      }
      await Promise.all(clients.map((c) => c.liveSince(killedAt)));
      stage('clients live');
      await new Promise((done) => setTimeout(done, 1_000));
      const acked = await sending.stop();
      acked.said.push('Before the crash, from the browser');

      expect(clients.every((c) => c.rejoins >= 1)).toBe(true);
      await expectNothingLostNoDuplicate(podium.url, room, clients, acked);
      stage(`clients checked (${acked.said.length} messages and ${acked.asked.length} questions acked)`);
      // The browser came back by itself (no reload) and shows every message once.
      await expect.poll(() => connectionText(attendee), poll).not.toMatch(/Connecting…|Reconnecting/);
      expect(await notReloaded(attendee)).toBe(true);
      await sendInChromium(attendee, 'After the crash, from the browser');
      // The page keeps the newest CHAT_WINDOW messages; a fast machine sends more than that in the drill.
      const stored = (await allMessages(podium.url, room.slug, room.presenterToken)).map((m) => m.message).slice(-CHAT_WINDOW);
      await expect.poll(async () => missingFrom(await pageMessages(attendee), stored), poll).toEqual([]);
      expect(repeated(await pageMessages(attendee))).toEqual([]);
      stage('browser checked');
    }, 120_000);
  });
});

describe('PostgreSQL restarted mid-session', () => {
  let dataDir: string;
  let postgres: EmbeddedPostgres;
  let podium: RunningServer | undefined;

  // A PostgreSQL of the drill's own (not the shared one): the embedded server in a directory of its own. Its
  // initdb takes up to a minute on a busy shared machine, hence the hook's 180 s.
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'podium-drill-pg-'));
    chmodSync(dataDir, 0o755);
    postgres = await startEmbeddedPostgres({ dataDir });
  }, 180_000);

  afterAll(async () => {
    await podium?.stop();
    await postgres?.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  // Podium starts first on a shared machine: 120 s instead of the suite's 30 s.
  it('should refuse writes clearly while PostgreSQL restarts, recover by itself and lose nothing acked', async () => {
    const stage = stages('PostgreSQL restart');
    const running = await startServer({ env: { DATABASE_URL: postgres.url } });
    podium = running;
    stage('Podium started');
    const room = await drillRoom(running.url, 2);
    const clients = [
      resumingClient(running.url, room.presenterToken, room.slug, 'Presenter'),
      ...room.tokens.map((token, i) => resumingClient(running.url, token, room.slug, `Attendee ${i}`)),
    ];
    onTestFinished(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => c.liveSince(0)));
    const sending = traffic(clients, 50);
    await new Promise((done) => setTimeout(done, 1_000));

    await postgres.stop();
    stage('PostgreSQL stopped');
    // While it is down: the health check says so, writes are refused with a code that says why, nothing crashes.
    const health = await fetch(`${running.url}/api/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { db: { ok: boolean } }).db.ok).toBe(false);
    const refused = await clients[0]!.socket.timeout(5_000).emitWithAck('chat-message', { roomSlug: room.slug, message: 'While the database is down' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', retryAfterMs: expect.any(Number) } });
    const overRest = await fetch(`${running.url}/api/rooms/${room.slug}/questions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${room.tokens[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Is anyone there?' }),
    });
    expect(overRest.status).toBe(503);
    expect(((await overRest.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(overRest.headers.get('retry-after')).not.toBeNull();
    await new Promise((done) => setTimeout(done, 2_000));
    expect(processAlive(running.pid())).toBe(true);

    postgres = await startEmbeddedPostgres({ dataDir });
    const restartedAt = performance.now();
    stage('PostgreSQL started again');
    // Podium was not restarted: its pool reconnects on the next query, and the sockets never dropped.
    await expect.poll(async () => (await fetch(`${running.url}/api/health`)).status, poll).toBe(200);
    stage('healthy again');
    await new Promise((done) => setTimeout(done, 1_000));
    const acked = await sending.stop();
    const afterwards = await clients[1]!.say('After the restart', performance.now() + 10_000);
    expect(afterwards).not.toBeNull();
    acked.said.push('After the restart');
    expect(performance.now() - restartedAt).toBeLessThan(30_000);
    expect(clients.some((c) => (c.refusals.get('unavailable') ?? 0) > 0)).toBe(true);
    expect([...new Set(clients.flatMap((c) => [...c.refusals.keys()]))].filter((code) => code !== 'unavailable' && code !== 'busy')).toEqual([]);
    await expectNothingLostNoDuplicate(running.url, room, clients, acked);
    stage(`checked (${acked.said.length} messages and ${acked.asked.length} questions acked)`);
  }, 120_000);
});
