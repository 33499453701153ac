// Failure drills on real processes: the all-in-one process killed, its PostgreSQL restarted, a client's network cut.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../managed/process.ts';
import { childProcessNamed, chromiumAvailable, launchBrowser, openPage, startServer, type RunningServer } from './harness.ts';
import { allMessages, repeated, resumingClient, type ResumingClient } from './resuming-client.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const available = chromiumAvailable();
const poll = { timeout: 30_000, interval: 200 };

interface DrillRoom {
  slug: string;
  presenterToken: string;
  tokens: string[];
}

async function post<T>(url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A room with its presenter and `attendees` attendees joined over REST. */
async function drillRoom(url: string, attendees: number): Promise<DrillRoom> {
  const { slug, presenterToken } = await post<{ slug: string; presenterToken: string }>(url, '/api/rooms', {
    title: 'Drill',
    presenterName: 'Presenter',
    maxParticipants: 50,
  });
  const tokens: string[] = [];
  for (let i = 0; i < attendees; i++) tokens.push((await post<{ token: string }>(url, `/api/rooms/${slug}/join`, { name: `Attendee ${i}` })).token);
  return { slug, presenterToken, tokens };
}

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

const connectionText = (page: Page) => page.getByTestId('connection-status').textContent();
const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { drillMark?: number }).drillMark === 1);
const missingFrom = (shown: string[], expected: string[]) => expected.filter((text) => !shown.includes(text));
const pageMessages = (page: Page) => page.locator('[data-testid=chat-message] .message-text').allTextContents();

async function sendInChromium(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send message' }).click();
  await expect.poll(() => pageMessages(page), poll).toContain(text);
}

/**
 * Every participant sends chat (and now and then a question) in a loop until `stop()`; each message is resent
 * with its id until acked, so what the loop returns is what the server acknowledged.
 */
function traffic(clients: ResumingClient[], gapMs: number) {
  let running = true;
  const loops = clients.map(async (client) => {
    const said: string[] = [];
    const asked: string[] = [];
    for (let i = 0; running; i++) {
      const text = `${client.name} #${i}`;
      if (i % 5 === 4) {
        if (await client.ask(`Question from ${text}?`)) asked.push(`Question from ${text}?`);
      } else if (await client.say(text, performance.now() + 40_000)) said.push(text);
      await new Promise((done) => setTimeout(done, gapMs));
    }
    return { said, asked };
  });
  return {
    async stop() {
      running = false;
      const results = await Promise.all(loops);
      return { said: results.flatMap((r) => r.said), asked: results.flatMap((r) => r.asked) };
    },
  };
}

/** What the room holds after a drill: every acked message and question there once, every client's view complete. */
async function expectNothingLostNoDuplicate(
  url: string,
  room: DrillRoom,
  clients: ResumingClient[],
  acked: { said: string[]; asked: string[] },
): Promise<void> {
  const stored = await allMessages(url, room.slug, room.presenterToken);
  const storedTexts = stored.map((m) => m.message);
  expect(acked.said.length).toBeGreaterThan(0);
  for (const text of acked.said) expect(storedTexts).toContain(text);
  expect(repeated(storedTexts)).toEqual([]);
  const questions = (await (await fetch(`${url}/api/rooms/${room.slug}/questions`, { headers: { authorization: `Bearer ${room.presenterToken}` } })).json()) as {
    questions: Array<{ id: string; question: string }>;
  };
  const questionTexts = questions.questions.map((q) => q.question);
  for (const text of acked.asked) expect(questionTexts).toContain(text);
  expect(repeated(questionTexts)).toEqual([]);
  for (const client of clients) {
    // Live events and the history read on resume, merged by id as the UI does: all of it, once.
    await expect.poll(() => stored.filter((m) => !client.messages.has(m.id)).map((m) => m.message), poll).toEqual([]);
    expect(questions.questions.filter((q) => !client.questions.has(q.id)).map((q) => q.question)).toEqual([]);
    expect([...client.deliveries].filter(([, n]) => n > 1)).toEqual([]);
  }
}

describe.skipIf(!available)('drills', () => {
  let browser: Browser;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);

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

  // A start of the all-in-one process takes seconds (tsx, migrations; initdb for the embedded database) and a
  // drill starts it twice on a shared machine: these drills get 120 s instead of the suite's 30 s.
  describe.each([
    { database: 'an external PostgreSQL', embedded: false },
    { database: 'the embedded PostgreSQL', embedded: true },
  ])('SIGKILL of the all-in-one process on $database', ({ embedded }) => {
    it('should resume every client after the restart with every acked message and question there once', async () => {
      const podium = await server({ embedded, env: { RECONNECT_GRACE_MS: '30000' } });
      const room = await drillRoom(podium.url, 3);
      const clients = clientsFor(podium.url, room);
      await Promise.all(clients.map((c) => c.liveSince(0)));
      const attendee = await page(podium.url, room.slug, 'Chromium attendee');
      await sendInChromium(attendee, 'Before the crash, from the browser');
      const postgresBefore = embedded ? childProcessNamed(podium.pid(), 'postgres') : undefined;
      if (embedded) expect(postgresBefore).toBeDefined();

      const sending = traffic(clients, 40);
      await new Promise((done) => setTimeout(done, 1_500));
      const killedAt = performance.now();
      const crashed = podium.pid();
      await podium.crash();
      expect(processAlive(crashed)).toBe(false);
      if (embedded) {
        // The managed PostgreSQL died with its parent (or was stopped by the new start); a new one serves.
        expect(processAlive(postgresBefore!)).toBe(false);
        expect(childProcessNamed(podium.pid(), 'postgres')).toBeDefined();
      }
      await Promise.all(clients.map((c) => c.liveSince(killedAt)));
      await new Promise((done) => setTimeout(done, 1_000));
      const acked = await sending.stop();
      acked.said.push('Before the crash, from the browser');

      expect(clients.every((c) => c.rejoins >= 1)).toBe(true);
      await expectNothingLostNoDuplicate(podium.url, room, clients, acked);
      // The browser came back by itself (no reload) and shows every message once.
      await expect.poll(() => connectionText(attendee), poll).not.toMatch(/Connecting…|Reconnecting/);
      expect(await notReloaded(attendee)).toBe(true);
      await sendInChromium(attendee, 'After the crash, from the browser');
      const stored = (await allMessages(podium.url, room.slug, room.presenterToken)).map((m) => m.message);
      await expect.poll(async () => missingFrom(await pageMessages(attendee), stored), poll).toEqual([]);
      expect(repeated(await pageMessages(attendee))).toEqual([]);
    }, 120_000);
  });
});
