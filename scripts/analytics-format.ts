// The analytics as plain-text tables: what `npm run analytics` prints.
import type { Analytics } from '../db/analytics.ts';

type Row = (string | number)[];

/** Left-aligned text, right-aligned numbers, a rule under the header. */
export function table(header: string[], rows: Row[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const duration = (seconds: number | null) => {
  if (seconds === null) return '-';
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m ${String(s % 60).padStart(2, '0')}s`;
};
const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

export function formatAnalytics(a: Analytics): string {
  const f = a.featureUsage;
  return [
    `Podium analytics from ${a.range.from} to ${a.range.to}`,
    '',
    'Rooms created per day',
    table(['day', 'rooms'], a.roomsCreatedPerDay.map((d) => [d.day, d.rooms])),
    '',
    'Sessions',
    table(
      ['ended sessions', 'average duration', 'median duration'],
      [[a.sessions.ended, duration(a.sessions.averageDurationSeconds), duration(a.sessions.medianDurationSeconds)]],
    ),
    '',
    `Peak concurrent users: ${a.peakConcurrentUsers.overall} overall`,
    table(['room', 'created', 'peak'], a.peakConcurrentUsers.perRoom.map((r) => [r.slug, r.createdAt, r.peak])),
    '',
    `Feature usage (of ${f.rooms} rooms)`,
    table(
      ['feature', 'rooms', 'share'],
      (
        [
          ['chat', f.withChat],
          ['questions', f.withQuestions],
          ['screen share', f.withScreenShare],
          ['reactions', f.withReactions],
          ['password', f.withPassword],
          ['polls', f.withPolls],
        ] as const
      ).map(([name, n]) => [name, n, percent(n, f.rooms)]),
    ),
    '',
    'Errors by endpoint',
    table(
      ['method', 'route', 'requests', '4xx', '5xx', 'error rate'],
      a.errorRateByEndpoint.map((e) => [e.method, e.route, e.requests, e.clientErrors, e.serverErrors, percent(e.serverErrors, e.requests)]),
    ),
  ].join('\n');
}
