// Analytics over seeded sessions with known times: every figure checked, on the external and on the embedded PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAnalytics, countActiveRooms } from './analytics.ts';
import { addRequestCounts } from './request-counts.ts';
import { chatMessages, participants, polls, questions, rooms } from './schema.ts';
import { testEngines, type TestDatabase } from './testing.ts';

const hash = () => Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
const at = (iso: string) => new Date(iso);

interface SeedRoom {
  slug: string;
  createdAt: string;
  endedAt?: string;
  peak: number;
  password?: boolean;
  screenShares?: number;
  /** [joinedAt, leftAt | null] per participant, the presenter first. */
  presence: [string, string | null][];
  chat?: number;
  reactions?: number;
  questions?: number;
  /** Polls by status; only launched ones count as used. */
  polls?: ('draft' | 'open' | 'closed')[];
}

const seedRooms: SeedRoom[] = [
  // Before the range, but seven people are still present when it starts.
  {
    slug: 'room-e-before',
    createdAt: '2026-02-28T23:59:00Z',
    endedAt: '2026-03-01T00:30:00Z',
    peak: 7,
    presence: [['2026-02-28T23:59:00Z', '2026-03-01T00:30:00Z'], ...Array.from({ length: 6 }, (): [string, string] => ['2026-02-28T23:59:30Z', '2026-03-01T00:20:00Z'])],
  },
  {
    slug: 'room-a-password',
    createdAt: '2026-03-01T10:00:00Z',
    endedAt: '2026-03-01T11:00:00Z',
    peak: 3,
    password: true,
    screenShares: 2,
    // One attendee leaves at the instant another joins: still three at once, not four.
    presence: [
      ['2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'],
      ['2026-03-01T10:05:00Z', '2026-03-01T10:30:00Z'],
      ['2026-03-01T10:10:00Z', '2026-03-01T11:00:00Z'],
      ['2026-03-01T10:30:00Z', '2026-03-01T11:00:00Z'],
    ],
    chat: 2,
    reactions: 1,
  },
  {
    slug: 'room-b-questions',
    createdAt: '2026-03-01T20:00:00Z',
    endedAt: '2026-03-01T20:30:00Z',
    peak: 2,
    presence: [
      ['2026-03-01T20:00:00Z', '2026-03-01T20:30:00Z'],
      ['2026-03-01T20:01:00Z', '2026-03-01T20:30:00Z'],
    ],
    questions: 3,
    polls: ['closed', 'draft'],
  },
  {
    slug: 'room-c-busiest',
    createdAt: '2026-03-03T09:00:00Z',
    endedAt: '2026-03-03T11:00:00Z',
    peak: 5,
    presence: [['2026-03-03T09:00:00Z', '2026-03-03T11:00:00Z'], ...Array.from({ length: 4 }, (): [string, string] => ['2026-03-03T09:10:00Z', '2026-03-03T10:00:00Z'])],
    reactions: 4,
    polls: ['draft'],
  },
  {
    slug: 'room-d-still-live',
    createdAt: '2026-03-03T23:00:00Z',
    peak: 1,
    presence: [['2026-03-03T23:00:00Z', null]],
  },
  // Created exactly at the end of the range, which is exclusive.
  {
    slug: 'room-f-after',
    createdAt: '2026-03-04T00:00:00Z',
    peak: 10,
    presence: Array.from({ length: 10 }, (): [string, null] => ['2026-03-04T00:00:00Z', null]),
    chat: 1,
  },
];

async function seed(database: TestDatabase): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const r of seedRooms) {
    const [room] = await database.db
      .insert(rooms)
      .values({
        slug: r.slug,
        title: 'Seeded session',
        presenterName: '',
        passwordHash: r.password ? '$2b$04$seededseededseededseededseededseededseededseededsee' : null,
        isActive: !r.endedAt,
        peakParticipants: r.peak,
        screenShareCount: r.screenShares ?? 0,
        createdAt: at(r.createdAt),
        endedAt: r.endedAt ? at(r.endedAt) : null,
      })
      .returning();
    ids.set(r.slug, room!.id);
    const people = await database.db
      .insert(participants)
      .values(
        r.presence.map(([joined, left], i) => ({
          roomId: room!.id,
          name: null,
          tokenHash: hash(),
          role: i === 0 ? ('presenter' as const) : ('attendee' as const),
          joinedAt: at(joined),
          leftAt: left ? at(left) : null,
        })),
      )
      .returning();
    const author = people[0]!.id;
    const messages = [
      ...Array.from({ length: r.chat ?? 0 }, () => ({ roomId: room!.id, participantId: author, message: 'hello', messageType: 'chat' as const })),
      ...Array.from({ length: r.reactions ?? 0 }, () => ({ roomId: room!.id, participantId: author, message: '👏', messageType: 'reaction' as const })),
    ];
    if (messages.length > 0) await database.db.insert(chatMessages).values(messages);
    if (r.questions) {
      await database.db
        .insert(questions)
        .values(Array.from({ length: r.questions }, () => ({ roomId: room!.id, participantId: author, question: 'why?' })));
    }
    if (r.polls) {
      await database.db.insert(polls).values(r.polls.map((status) => ({ roomId: room!.id, question: 'which?', options: ['a', 'b'], status })));
    }
  }
  await addRequestCounts(database.db, [
    { day: '2026-02-28', method: 'POST', route: '/api/rooms', status: 500, count: 50 },
    { day: '2026-03-01', method: 'POST', route: '/api/rooms', status: 201, count: 8 },
    { day: '2026-03-01', method: 'POST', route: '/api/rooms', status: 500, count: 2 },
    { day: '2026-03-02', method: 'GET', route: '/api/health', status: 200, count: 10 },
    { day: '2026-03-03', method: 'POST', route: '/api/rooms', status: 400, count: 5 },
    { day: '2026-03-04', method: 'GET', route: '/api/health', status: 500, count: 7 },
  ]);
  return ids;
}

// The embedded default must give the same figures as the external PostgreSQL.
const engines = (await testEngines()).filter((engine) => engine.available);

describe.each(engines)('analytics on $name', (engine) => {
  let database: TestDatabase;
  let ids: Map<string, string>;

  beforeAll(async () => {
    database = await engine.create();
    ids = await seed(database);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const range = { from: at('2026-03-01T00:00:00Z'), to: at('2026-03-04T00:00:00Z') };

  it('should count rooms created per UTC day, days without rooms included', async () => {
    const analytics = await computeAnalytics(database.db, range);
    expect(analytics.range).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' });
    expect(analytics.roomsCreatedPerDay).toEqual([
      { day: '2026-03-01', rooms: 2 },
      { day: '2026-03-02', rooms: 0 },
      { day: '2026-03-03', rooms: 2 },
    ]);
  });

  it('should average and take the median of the durations of ended sessions only', async () => {
    const { sessions } = await computeAnalytics(database.db, range);
    expect(sessions).toEqual({ ended: 3, averageDurationSeconds: 4200, medianDurationSeconds: 3600 });
  });

  it('should report peak concurrent users per room, busiest first, and overall including people present at the start', async () => {
    const { peakConcurrentUsers } = await computeAnalytics(database.db, range);
    expect(peakConcurrentUsers.overall).toBe(7);
    expect(peakConcurrentUsers.perRoom).toEqual([
      { roomId: ids.get('room-c-busiest'), slug: 'room-c-busiest', createdAt: '2026-03-03T09:00:00.000Z', peak: 5 },
      { roomId: ids.get('room-a-password'), slug: 'room-a-password', createdAt: '2026-03-01T10:00:00.000Z', peak: 3 },
      { roomId: ids.get('room-b-questions'), slug: 'room-b-questions', createdAt: '2026-03-01T20:00:00.000Z', peak: 2 },
      { roomId: ids.get('room-d-still-live'), slug: 'room-d-still-live', createdAt: '2026-03-03T23:00:00.000Z', peak: 1 },
    ]);
  });

  it('should compute the overall peak from presence intervals, not from the rooms table', async () => {
    const morningOfTheFirst = { from: at('2026-03-01T00:40:00Z'), to: at('2026-03-02T00:00:00Z') };
    expect((await computeAnalytics(database.db, morningOfTheFirst)).peakConcurrentUsers.overall).toBe(3);
    const fromTheSecond = { from: at('2026-03-02T00:00:00Z'), to: at('2026-03-04T00:00:00Z') };
    expect((await computeAnalytics(database.db, fromTheSecond)).peakConcurrentUsers.overall).toBe(5);
    const quiet = { from: at('2026-03-02T00:00:00Z'), to: at('2026-03-03T00:00:00Z') };
    expect((await computeAnalytics(database.db, quiet)).peakConcurrentUsers.overall).toBe(0);
  });

  it('should count the rooms that used chat, questions, screen share, reactions, a password and polls (launched ones)', async () => {
    const { featureUsage } = await computeAnalytics(database.db, range);
    expect(featureUsage).toEqual({ rooms: 4, withChat: 1, withQuestions: 1, withScreenShare: 1, withReactions: 2, withPassword: 1, withPolls: 1 });
  });

  it('should compute the error rate by endpoint from the request counts of the days in range', async () => {
    const { errorRateByEndpoint } = await computeAnalytics(database.db, range);
    expect(errorRateByEndpoint).toEqual([
      { method: 'POST', route: '/api/rooms', requests: 15, clientErrors: 5, serverErrors: 2, errorRate: 2 / 15 },
      { method: 'GET', route: '/api/health', requests: 10, clientErrors: 0, serverErrors: 0, errorRate: 0 },
    ]);
  });

  it('should answer an empty range with zeros and no durations', async () => {
    const analytics = await computeAnalytics(database.db, { from: at('2025-01-01T00:00:00Z'), to: at('2025-01-01T12:00:00Z') });
    expect(analytics.roomsCreatedPerDay).toEqual([{ day: '2025-01-01', rooms: 0 }]);
    expect(analytics.sessions).toEqual({ ended: 0, averageDurationSeconds: null, medianDurationSeconds: null });
    expect(analytics.peakConcurrentUsers).toEqual({ overall: 0, perRoom: [] });
    expect(analytics.featureUsage).toEqual({ rooms: 0, withChat: 0, withQuestions: 0, withScreenShare: 0, withReactions: 0, withPassword: 0, withPolls: 0 });
    expect(analytics.errorRateByEndpoint).toEqual([]);
  });

  it('should count the rooms not yet ended', async () => {
    expect(await countActiveRooms(database.db)).toBe(2);
  });
});
