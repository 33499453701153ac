import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentBroadcaster } from '../core/broadcast.ts';
import { createQualityRecorder, type QualityRecorder } from '../core/received-quality.ts';
import { REPORT_CSV_COLUMNS, type ReportBody } from '../core/report.ts';
import { startRetention } from '../core/retention.ts';
import { createRoomCore, type Actor, type RoomCore } from '../core/room.ts';
import { deleteExpiredRooms } from '../db/report.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createTestApp, type TestApp } from './testing.ts';

let database: TestDatabase;
let core: RoomCore;
let t: TestApp;
let quality: QualityRecorder;
beforeAll(async () => {
  database = await createTestDatabase();
  // Every sample counts here: the pace limit is the recorder's own test (signaling/received-quality.test.ts).
  quality = createQualityRecorder(database.db, 0);
  core = createRoomCore({ db: database.db, broadcaster: silentBroadcaster });
  t = await createTestApp({ database, deps: { core }, env: { REPORT_RETENTION_DAYS: '7' } });
});
afterAll(async () => {
  await core.close();
  await t.close();
  await database.destroy();
});

const attendee = (roomId: string, participantId: string): Actor => ({ participantId, roomId, role: 'attendee', name: 'x' });

/** A session scripted through the API and the core: who joined, what was said, asked, voted and answered. */
async function scriptedSession() {
  const room = await t.createRoom({ title: 'Quarterly, "review"' });
  const presenter: Actor = { participantId: room.participantId, roomId: room.roomId, role: 'presenter', name: 'Ada' };
  const [ann, ben, cy] = [await t.join(room.slug, 'Ann'), await t.join(room.slug, 'Ben'), await t.join(room.slug, 'Cy')];
  // Ben leaves early: three were there at once, three joined in all.
  await database.db.execute(sql`update participants set left_at = now() where id = ${ben.participantId}`);
  for (const [who, text] of [[ann, 'hello'], [cy, 'hi, all'], [ann, 'slides?']] as const) {
    expect((await t.call('POST', `/api/rooms/${room.slug}/messages`, { token: who.token, body: { message: text } })).status).toBe(201);
  }
  await core.react(attendee(room.roomId, ann.participantId), { emoji: '👏' });
  await core.react(attendee(room.roomId, cy.participantId), { emoji: '👏' });
  await core.react(attendee(room.roomId, cy.participantId), { emoji: '🎉' });
  const q1 = await core.ask(attendee(room.roomId, ann.participantId), { question: 'When, and where, is the next one?' });
  const q2 = await core.ask(attendee(room.roomId, cy.participantId), { question: 'Recording?' });
  await core.vote(attendee(room.roomId, cy.participantId), { questionId: q1.id, up: true });
  await core.vote(attendee(room.roomId, ben.participantId), { questionId: q1.id, up: true });
  await core.answer(presenter, { questionId: q1.id, answer: 'In May, "online".' });
  const poll = await core.polls.create(presenter, { question: 'Useful?', options: ['Yes', 'No', 'Partly'], allowsMultiple: false, resultsVisible: false });
  await core.polls.create(presenter, { question: 'Never launched', options: ['A', 'B'], allowsMultiple: false, resultsVisible: false });
  await core.polls.launch(presenter, { pollId: poll.id });
  await core.polls.vote(attendee(room.roomId, ann.participantId), { pollId: poll.id, choices: [0] });
  await core.polls.vote(attendee(room.roomId, cy.participantId), { pollId: poll.id, choices: [2] });
  await core.polls.close(presenter, { pollId: poll.id, shareResults: true });
  // What attendees received: two star reports, then (after a move to the SFU) one over the SFU.
  await quality.record(attendee(room.roomId, ann.participantId), 'star', { decodeFps: 30, lossPct: 1, rttMs: 40 });
  await quality.record(attendee(room.roomId, cy.participantId), 'star', { decodeFps: 24, lossPct: 0, rttMs: 80 });
  await quality.record(attendee(room.roomId, cy.participantId), 'sfu', { decodeFps: 15, lossPct: 5, rttMs: 30 });
  expect((await t.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken })).status).toBe(200);
  return { room, ann, q2 };
}

describe('GET /api/rooms/{slug}/report', () => {
  it('should report what happened, without names, to the presenter after the end', async () => {
    const { room, ann } = await scriptedSession();
    const res = await t.call('GET', `/api/rooms/${room.slug}/report`, { token: room.presenterToken });
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReportBody;
    expect(report).toMatchObject({
      title: 'Quarterly, "review"',
      attendance: { peak: 3, total: 3 },
      chat: { messages: 3, reactions: 3, reactionsByEmoji: { '👏': 2, '🎉': 1 } },
      questions: [
        { question: 'When, and where, is the next one?', votes: 2, isAnswered: true, answer: 'In May, "online".' },
        { question: 'Recording?', votes: 0, isAnswered: false, answer: null },
      ],
      polls: [
        {
          question: 'Useful?',
          status: 'closed',
          voters: 2,
          options: [
            { option: 'Yes', votes: 1 },
            { option: 'No', votes: 0 },
            { option: 'Partly', votes: 1 },
          ],
        },
      ],
      media: {
        mode: 'star',
        averageReceivedQuality: {
          samples: 3,
          decodeFps: 23,
          lossPct: 2,
          rttMs: 50,
          byMode: { star: { samples: 2, decodeFps: 27, lossPct: 0.5, rttMs: 60 }, sfu: { samples: 1, decodeFps: 15, lossPct: 5, rttMs: 30 } },
        },
      },
    });
    expect(report.endedAt).not.toBeNull();
    expect(new Date(report.deleteAfter!).getTime() - new Date(report.endedAt!).getTime()).toBe(7 * 86_400_000);
    expect(report.attendance.timeline).toHaveLength(61);
    expect(report.attendance.timeline.at(-1)!.present).toBe(0);
    const text = JSON.stringify(report);
    for (const name of ['Ann', 'Ben', 'Cy', 'Ada']) expect(text).not.toContain(name);
    // Attendees' tokens stop working with the room; the presenter's keeps the report.
    expect((await t.call('GET', `/api/rooms/${room.slug}/report`, { token: ann.token })).status).toBe(401);
  });

  it('should give the same figures as CSV that parses back', async () => {
    const { room } = await scriptedSession();
    const res = await t.call('GET', `/api/rooms/${room.slug}/report.csv`, { token: room.presenterToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const rows = parse(await res.text(), { columns: true }) as Record<(typeof REPORT_CSV_COLUMNS)[number], string>[];
    expect(Object.keys(rows[0]!)).toEqual([...REPORT_CSV_COLUMNS]);
    const value = (section: string, item: string, option = '') => rows.find((r) => r.section === section && r.item === item && r.option === option)?.value;
    expect(value('summary', 'title')).toBe('Quarterly, "review"');
    expect(value('summary', 'peak_attendees')).toBe('3');
    expect(value('summary', 'chat_messages')).toBe('3');
    expect(value('reaction', '👏')).toBe('2');
    const answered = rows.find((r) => r.section === 'question' && r.item === 'When, and where, is the next one?');
    expect(answered).toMatchObject({ value: '2', answered: 'yes', answer: 'In May, "online".' });
    expect(value('poll', 'Useful?', 'Partly')).toBe('1');
    expect(value('poll', 'Useful?', '(voters)')).toBe('2');
    expect(rows.filter((r) => r.section === 'attendance')).toHaveLength(61);
    expect(value('received_quality', 'decode_fps')).toBe('23');
    expect(value('received_quality', 'rtt_ms', 'star')).toBe('60');
    expect(value('received_quality', 'loss_pct', 'sfu')).toBe('5');
  });

  it('should keep no received quality after the end, none from the presenter, and report null where none came', async () => {
    const { room, ann } = await scriptedSession();
    const late = quality.record(attendee(room.roomId, ann.participantId), 'star', { decodeFps: 1, lossPct: 99, rttMs: 5000 });
    await expect(late).rejects.toMatchObject({ code: 'room_ended' });
    const live = await t.createRoom();
    const presenter: Actor = { participantId: live.participantId, roomId: live.roomId, role: 'presenter', name: 'Ada' };
    await expect(quality.record(presenter, 'star', { decodeFps: 30, lossPct: 0, rttMs: 1 })).rejects.toMatchObject({ code: 'forbidden' });
    const report = async (slug: string, token: string) => ((await (await t.call('GET', `/api/rooms/${slug}/report`, { token })).json()) as ReportBody).media;
    expect((await report(room.slug, room.presenterToken)).averageReceivedQuality).toMatchObject({ samples: 3, lossPct: 2 });
    expect(await report(live.slug, live.presenterToken)).toEqual({ mode: 'star', averageReceivedQuality: null });
  });

  it('should refuse attendees of a live room and anyone without a token', async () => {
    const room = await t.createRoom();
    const ann = await t.join(room.slug, 'Ann');
    expect((await t.call('GET', `/api/rooms/${room.slug}/report`, { token: ann.token })).status).toBe(403);
    expect((await t.call('GET', `/api/rooms/${room.slug}/report.csv`)).status).toBe(401);
    const live = await t.call('GET', `/api/rooms/${room.slug}/report`, { token: room.presenterToken });
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ endedAt: null, deleteAfter: null, attendance: { total: 1 } });
  });
});

describe('data retention', () => {
  const count = async (table: string, roomId: string) =>
    Number(((await database.db.execute(sql.raw(`select count(*)::int as n from ${table} where room_id = '${roomId}'`))) as unknown as { n: number }[])[0]!.n);

  it('should delete an ended room with everything it holds after the retention period, and nothing else', async () => {
    const old = await scriptedSession();
    const recent = await scriptedSession();
    const live = await t.createRoom();
    await database.db.execute(sql`update rooms set created_at = now() - interval '9 days', ended_at = now() - interval '8 days' where id = ${old.room.roomId}`);
    await database.db.execute(sql`update rooms set created_at = now() - interval '9 days' where id = ${live.roomId}`);
    for (const table of ['participants', 'chat_messages', 'questions', 'polls', 'session_stats']) expect(await count(table, old.room.roomId)).toBeGreaterThan(0);

    expect(await deleteExpiredRooms(database.db, 7)).toBe(1);
    for (const table of ['participants', 'chat_messages', 'questions', 'polls', 'session_stats', 'webhook_deliveries']) {
      expect(await count(table, old.room.roomId)).toBe(0);
    }
    const votes = (await database.db.execute(sql`select count(*)::int as n from question_votes where question_id = ${old.q2.id}`)) as unknown as { n: number }[];
    expect(votes[0]!.n).toBe(0);
    expect((await t.call('GET', `/api/rooms/${old.room.slug}/report`, { token: old.room.presenterToken })).status).toBe(401);
    expect((await t.call('GET', `/api/rooms/${recent.room.slug}/report`, { token: recent.room.presenterToken })).status).toBe(200);
    expect((await t.call('GET', `/api/rooms/${live.slug}`)).status).toBe(200);
  });

  it('should sweep on start and on schedule', async () => {
    const old = await scriptedSession();
    await database.db.execute(sql`update rooms set created_at = now() - interval '3 days', ended_at = now() - interval '2 days' where id = ${old.room.roomId}`);
    const deleted = await new Promise<number>((resolve, reject) => {
      const stop = startRetention(database.db, { days: 1, everyMs: 60_000, onDeleted: (n) => (stop(), resolve(n)), onError: reject });
    });
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await count('participants', old.room.roomId)).toBe(0);
  });
});
