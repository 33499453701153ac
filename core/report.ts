// The session report: what a room added up to, for its presenter, as JSON and CSV. It holds no names.
import { z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../db/client.ts';
import { listPolls, pollResults } from '../db/polls.ts';
import { attendance, messageCounts, reportQuestions, reportRoom } from '../db/report.ts';
import { receivedQualityOf, receivedQualitySchema } from './received-quality.ts';

/** Points on the attendance chart: enough for a smooth line, few enough for any session length. */
export const ATTENDANCE_POINTS = 61;

const datetime = () => z.iso.datetime({ offset: true });

export const reportSchema = z
  .object({
    title: z.string(),
    startedAt: datetime(),
    endedAt: datetime().nullable().openapi({ description: 'Null while the room is live: the report so far' }),
    durationMinutes: z.number().int(),
    deleteAfter: datetime().nullable().openapi({ description: 'When the room and this report are deleted (REPORT_RETENTION_DAYS after the end)' }),
    attendance: z.object({
      peak: z.number().int().openapi({ description: 'Most attendees present at once (the presenter not counted)' }),
      total: z.number().int().openapi({ description: 'Attendees who joined at all' }),
      timeline: z.array(z.object({ at: datetime(), present: z.number().int() })),
    }),
    chat: z.object({ messages: z.number().int(), reactions: z.number().int(), reactionsByEmoji: z.record(z.string(), z.number().int()) }),
    questions: z.array(
      z.object({
        question: z.string(),
        votes: z.number().int(),
        isAnswered: z.boolean(),
        isPinned: z.boolean(),
        answer: z.string().nullable(),
        askedAt: datetime(),
        answeredAt: datetime().nullable(),
      }),
    ),
    polls: z.array(
      z.object({
        question: z.string(),
        allowsMultiple: z.boolean(),
        status: z.enum(['open', 'closed']),
        options: z.array(z.object({ option: z.string(), votes: z.number().int() })),
        voters: z.number().int(),
      }),
    ),
    media: z.object({
      mode: z.enum(['star', 'sfu']).openapi({ description: '`sfu` when the room’s media went through the media server at any time' }),
      averageReceivedQuality: receivedQualitySchema,
    }),
  })
  .openapi('SessionReport');

export type ReportBody = z.infer<typeof reportSchema>;

const iso = (d: Date | string) => new Date(d).toISOString();

/** The report of a room, or undefined when no such room is kept. */
export async function buildReport(db: Database, roomId: string, retentionDays: number): Promise<ReportBody | undefined> {
  const room = await reportRoom(db, roomId);
  if (!room) return undefined;
  const [present, counts, questions, polls, quality] = await Promise.all([
    attendance(db, roomId, ATTENDANCE_POINTS),
    messageCounts(db, roomId),
    reportQuestions(db, roomId),
    listPolls(db, roomId),
    receivedQualityOf(db, roomId),
  ]);
  const launched = polls.filter((p) => p.status !== 'draft');
  const results = await Promise.all(launched.map((p) => pollResults(db, p)));
  const end = room.endedAt ?? new Date();
  return {
    title: room.title,
    startedAt: iso(room.createdAt),
    endedAt: room.endedAt ? iso(room.endedAt) : null,
    durationMinutes: Math.round((new Date(end).getTime() - new Date(room.createdAt).getTime()) / 60_000),
    deleteAfter: room.endedAt ? new Date(new Date(room.endedAt).getTime() + retentionDays * 86_400_000).toISOString() : null,
    attendance: present,
    chat: {
      messages: counts.chat,
      reactions: Object.values(counts.reactions).reduce((a, b) => a + b, 0),
      reactionsByEmoji: counts.reactions,
    },
    questions: questions.map((q) => ({
      question: q.question,
      votes: q.votes,
      isAnswered: q.isAnswered,
      isPinned: q.isPinned,
      answer: q.answer,
      askedAt: iso(q.createdAt),
      answeredAt: q.answeredAt ? iso(q.answeredAt) : null,
    })),
    polls: launched.map((p, i) => ({
      question: p.question,
      allowsMultiple: p.allowsMultiple,
      status: p.status as 'open' | 'closed',
      options: p.options.map((option, j) => ({ option, votes: results[i]!.counts[j] ?? 0 })),
      voters: results[i]!.voters,
    })),
    media: { mode: room.usedSfu ? 'sfu' : 'star', averageReceivedQuality: quality },
  };
}

/** The columns of the CSV form: one table, one row per figure, so any spreadsheet opens it as it is. */
export const REPORT_CSV_COLUMNS = ['section', 'item', 'option', 'value', 'answered', 'answer'] as const;

/** The report as RFC 4180 CSV (csv-stringify quotes what needs quoting, so question text with commas or quotes stays one field). */
export function reportCsv(report: ReportBody): string {
  type Row = Record<(typeof REPORT_CSV_COLUMNS)[number], string | number>;
  const row = (section: string, item: string, value: string | number, extra: Partial<Row> = {}): Row => ({
    section,
    item,
    option: '',
    value,
    answered: '',
    answer: '',
    ...extra,
  });
  const rows: Row[] = [
    row('summary', 'title', report.title),
    row('summary', 'started_at', report.startedAt),
    row('summary', 'ended_at', report.endedAt ?? ''),
    row('summary', 'duration_minutes', report.durationMinutes),
    row('summary', 'peak_attendees', report.attendance.peak),
    row('summary', 'total_attendees', report.attendance.total),
    row('summary', 'chat_messages', report.chat.messages),
    row('summary', 'reactions', report.chat.reactions),
    row('summary', 'questions', report.questions.length),
    row('summary', 'polls', report.polls.length),
    row('summary', 'media_mode', report.media.mode),
    ...qualityRows(report.media.averageReceivedQuality, row),
    ...report.attendance.timeline.map((p) => row('attendance', p.at, p.present)),
    ...Object.entries(report.chat.reactionsByEmoji).map(([emoji, n]) => row('reaction', emoji, n)),
    ...report.questions.map((q) => row('question', q.question, q.votes, { answered: q.isAnswered ? 'yes' : 'no', answer: q.answer ?? '' })),
    ...report.polls.flatMap((p) => [
      row('poll', p.question, p.voters, { option: '(voters)' }),
      ...p.options.map((o) => row('poll', p.question, o.votes, { option: o.option })),
    ]),
  ];
  return stringify(rows, { header: true, columns: [...REPORT_CSV_COLUMNS], record_delimiter: 'windows' });
}

/** The received-quality figures as CSV rows: overall in `item`, per mode in `option` (`star`, `sfu`). */
function qualityRows<R>(quality: ReportBody['media']['averageReceivedQuality'], row: (section: string, item: string, value: number, extra?: { option: string }) => R): R[] {
  if (!quality) return [];
  const figures = (q: NonNullable<typeof quality>['byMode']['star'], option?: string): R[] =>
    q
      ? [
          row('received_quality', 'samples', q.samples, option ? { option } : undefined),
          row('received_quality', 'decode_fps', q.decodeFps, option ? { option } : undefined),
          row('received_quality', 'loss_pct', q.lossPct, option ? { option } : undefined),
          row('received_quality', 'rtt_ms', q.rttMs, option ? { option } : undefined),
        ]
      : [];
  return [...figures(quality), ...figures(quality.byMode.star, 'star'), ...figures(quality.byMode.sfu, 'sfu')];
}
