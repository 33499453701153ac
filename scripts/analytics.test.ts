// `npm run analytics` as a real process against a real database: the tables, the JSON, and readable refusals.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMessage } from '../db/chat.ts';
import { computeAnalytics, type Analytics } from '../db/analytics.ts';
import { addRequestCounts } from '../db/request-counts.ts';
import { createRoom, endRoom } from '../db/rooms.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { formatAnalytics, table } from './analytics-format.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const hash = () => Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
const today = () => new Date().toISOString().slice(0, 10);

/** Runs the CLI the way npm does; resolves with its exit code and output instead of throwing on failure. */
async function analytics(args: string[], env: Record<string, string | undefined>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/analytics.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run analytics', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const [i, password] of [null, '$2b$04$seededseededseededseededseededseededseededseededsee'].entries()) {
      const { room, presenter } = await createRoom(database.db, {
        slug: `cli-room-${i}-${Date.now().toString(36)}`,
        title: 'Town hall',
        presenterName: 'Ada',
        passwordHash: password,
        maxParticipants: 50,
        settings: {},
        presenterTokenHash: hash(),
      });
      await addMessage(database.db, { roomId: room.id, sender: presenter, message: 'welcome' });
      if (i === 0) await endRoom(database.db, room.id);
    }
    await addRequestCounts(database.db, [
      { day: today(), method: 'POST', route: '/api/rooms', status: 201, count: 3 },
      { day: today(), method: 'POST', route: '/api/rooms', status: 500, count: 1 },
    ]);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('should print the figures of the range as tables', async () => {
    const { code, stdout, stderr } = await analytics(['--from', today(), '--to', today()], { DATABASE_URL: database.url });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Podium analytics from ${today()}T00:00:00.000Z to `));
    expect(stdout).toContain(`Rooms created per day\nday         rooms\n----------  -----\n${today()}      2\n`);
    expect(stdout).toMatch(/ended sessions {2}average duration {2}median duration\n-+ {2}-+ {2}-+\n {13}1 {2}0h 00m \d\ds/);
    expect(stdout).toContain('Feature usage (of 2 rooms)');
    expect(stdout).toMatch(/chat {14}2 {2}100\.0%/);
    expect(stdout).toMatch(/password {10}1 {2}50\.0%/);
    expect(stdout).toMatch(/POST {4}\/api\/rooms {9}4 {4}0 {4}1 {2}25\.0%/);
  });

  it('should print the same JSON as the admin endpoint with --json', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const { code, stdout } = await analytics(['--json', '--from', from, '--to', to], { DATABASE_URL: database.url });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Analytics;
    expect(printed).toEqual(await computeAnalytics(database.db, { from: new Date(from), to: new Date(to) }));
  });

  it('should refuse a bad range, a missing DATABASE_URL and a database without tables, each in one line', async () => {
    const bad = await analytics(['--from', 'last-week'], { DATABASE_URL: database.url });
    expect(bad).toMatchObject({ code: 2, stdout: '', stderr: 'analytics: --from: expected a date (2026-03-01) or an ISO date-time\n' });
    const unknown = await analytics(['--since', '2026-01-01'], { DATABASE_URL: database.url });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: npm run analytics');
    const noUrl = await analytics([], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/^analytics: DATABASE_URL is not set\..*--embedded.*GET \/api\/admin\/analytics\n$/);
    const empty = await createTestDatabase({ migrate: false });
    try {
      const unmigrated = await analytics([], { DATABASE_URL: empty.url });
      expect(unmigrated).toMatchObject({ code: 1, stderr: 'analytics: the database has no Podium tables yet: run `npm run db:migrate` first\n' });
    } finally {
      await empty.destroy();
    }
  });
});

describe('formatAnalytics', () => {
  it('should align text left and numbers right under a rule', () => {
    expect(table(['route', 'requests'], [['/api/rooms', 12], ['/api/health', 3]])).toBe(
      ['route        requests', '-----------  --------', '/api/rooms         12', '/api/health         3'].join('\n'),
    );
  });

  it('should show durations as hours, minutes and seconds and leave shares of nothing as a dash', () => {
    const text = formatAnalytics({
      range: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' },
      roomsCreatedPerDay: [{ day: '2026-03-01', rooms: 0 }],
      sessions: { ended: 2, averageDurationSeconds: 5025.4, medianDurationSeconds: 59.6 },
      peakConcurrentUsers: { overall: 0, perRoom: [] },
      featureUsage: { rooms: 0, withChat: 0, withQuestions: 0, withScreenShare: 0, withReactions: 0, withPassword: 0 },
      errorRateByEndpoint: [],
    });
    expect(text).toContain('             2  1h 23m 45s        0h 01m 00s');
    expect(text).toMatch(/chat {14}0 {2}-/);
  });
});
