// Rooms end by themselves: presenters away too long, or the maximum length reached; one end whatever the processes.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBroadcaster, type RecordingBroadcaster } from '../api/testing.ts';
import { createRoomEnder, type RoomEnder } from '../core/room-ender.ts';
import { createRoomCore, type RoomCore } from '../core/room.ts';
import type { Database } from '../db/client.ts';
import { findRoomById } from '../db/rooms.ts';
import { createPostgresTestDatabase, createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { closeClients, createTestRoom, joinAs, nextEvent, recordEvents, waitFor } from './testing.ts';
import { startEntry, type ChildEntry } from './testing-processes.ts';

/** As if every presenter of the room had left `minutes` ago. */
async function presenterAwayFor(db: Database, roomId: string, minutes: number): Promise<void> {
  await db.execute(sql`update participants set left_at = now() - make_interval(mins => ${minutes}::int), socket_id = null
    where room_id = ${roomId} and role = 'presenter'`);
}

/** As if the room had been created `hours` ago. */
async function createdHoursAgo(db: Database, roomId: string, hours: number): Promise<void> {
  await db.execute(sql`update rooms set created_at = now() - make_interval(hours => ${hours}::int) where id = ${roomId}`);
}

async function afterTheEnd(db: Database, roomId: string) {
  const [row] = (await db.execute(sql`
    select
      (select count(*)::int from session_stats where room_id = ${roomId}) as stats_rows,
      (select count(*)::int from participants where room_id = ${roomId} and name is not null) as names,
      (select count(*)::int from participants where room_id = ${roomId} and left_at is null) as present,
      (select presenter_name from rooms where id = ${roomId}) as presenter_name`)) as unknown as Record<string, unknown>[];
  return row;
}

describe('two cores looking for rooms to end at once', () => {
  let database: TestDatabase;
  const cores: { core: RoomCore; broadcaster: RecordingBroadcaster; ender: RoomEnder }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const broadcaster = recordingBroadcaster();
      const core = createRoomCore({ db: database.db, broadcaster });
      // An hour between passes: the test runs the passes itself.
      cores.push({ core, broadcaster, ender: createRoomEnder(database.db, core, { idleMinutes: 30, maxHours: 24, intervalMs: 3_600_000 }) });
    }
  });
  afterAll(async () => {
    for (const { core, ender } of cores) {
      ender.stop();
      await core.close();
    }
    await database.destroy();
  });

  it('should end a room whose presenter has been away too long exactly once, as the presenter would', async () => {
    const { room, addAttendee } = await createTestRoom(database.db);
    await addAttendee('Grace');
    await presenterAwayFor(database.db, room.id, 31);
    const [a, b] = await Promise.all(cores.map(({ ender }) => ender.check()));
    expect([...a!, ...b!].filter((id) => id === room.id)).toEqual([room.id]);
    const announced = cores.flatMap(({ broadcaster }) => broadcaster.calls.filter((c) => c.kind === 'endRoom' && c.roomId === room.id));
    expect(announced).toHaveLength(1);
    expect((await findRoomById(database.db, room.id))?.isActive).toBe(false);
    expect(await afterTheEnd(database.db, room.id)).toEqual({ stats_rows: 1, names: 0, present: 0, presenter_name: '' });
  });

  it('should leave a room alone while its presenter is away less than the limit or present', async () => {
    const away = await createTestRoom(database.db);
    await presenterAwayFor(database.db, away.room.id, 29);
    const present = await createTestRoom(database.db);
    await Promise.all(cores.map(({ ender }) => ender.check()));
    expect((await findRoomById(database.db, away.room.id))?.isActive).toBe(true);
    expect((await findRoomById(database.db, present.room.id))?.isActive).toBe(true);
  });

  it('should end a room at its maximum length even with its presenter present', async () => {
    const { room } = await createTestRoom(database.db);
    await createdHoursAgo(database.db, room.id, 25);
    const [a, b] = await Promise.all(cores.map(({ ender }) => ender.check()));
    expect([...a!, ...b!]).toEqual([room.id]);
    expect(await afterTheEnd(database.db, room.id)).toMatchObject({ stats_rows: 1, names: 0 });
  });

  it('should end a room whose presenter nobody has vouched for since long, even unmarked', async () => {
    const { room } = await createTestRoom(database.db);
    await database.db.execute(sql`update participants set seen_at = now() - interval '31 minutes' where room_id = ${room.id}`);
    await cores[0]!.ender.check();
    expect((await findRoomById(database.db, room.id))?.isActive).toBe(false);
  });
});

describe('two signaling processes ending rooms by themselves', () => {
  let database: TestDatabase;
  let processes: ChildEntry[];
  let overdue: string;

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    // A room already past its maximum length before any process starts: its deadline lives in the database.
    const old = await createTestRoom(database.db);
    await createdHoursAgo(database.db, old.room.id, 25);
    overdue = old.room.id;
    const env = {
      DATABASE_URL: database.url!,
      REDIS_URL: '',
      RATE_LIMITS: 'off',
      ROOM_IDLE_END_MINUTES: '1',
      ROOM_END_CHECK_SECONDS: '1',
      SIGNALING_PORT: '0',
    };
    processes = await Promise.all([startEntry('signaling/main.ts', env), startEntry('signaling/main.ts', env)]);
  }, 90_000);

  afterAll(async () => {
    closeClients();
    await Promise.all(processes.map((p) => p.stop()));
    await database.destroy();
  });

  it('should end a room that was overdue before they started', async () => {
    for (let i = 0; i < 100 && (await findRoomById(database.db, overdue))?.isActive; i++) await waitFor(100);
    expect(await afterTheEnd(database.db, overdue)).toMatchObject({ stats_rows: 1, names: 0 });
  });

  it('should tell attendees on both processes once, when the presenter stays away', async () => {
    const { room, addAttendee } = await createTestRoom(database.db);
    const [grace, bob] = await Promise.all([addAttendee('Grace'), addAttendee('Bob')]);
    const onA = (await joinAs(processes[0]!.url, grace, room.slug)).socket;
    const onB = (await joinAs(processes[1]!.url, bob, room.slug)).socket;
    const seenA = recordEvents(onA);
    const seenB = recordEvents(onB);
    const endedA = nextEvent(onA, 'room-ended', 15_000);
    const endedB = nextEvent(onB, 'room-ended', 15_000);
    await presenterAwayFor(database.db, room.id, 2);
    const [statsA, statsB] = await Promise.all([endedA, endedB]);
    expect(statsA.sessionStats).toEqual(statsB.sessionStats);
    expect(statsA.sessionStats.totalParticipants).toBe(3);
    // Two more passes of each process: nobody ends it again.
    await waitFor(2_500);
    expect(seenA.filter((e) => e.event === 'room-ended')).toHaveLength(1);
    expect(seenB.filter((e) => e.event === 'room-ended')).toHaveLength(1);
    expect(await afterTheEnd(database.db, room.id)).toEqual({ stats_rows: 1, names: 0, present: 0, presenter_name: '' });
  });
});
