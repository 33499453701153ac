// Usage analytics for a time range, computed by SQL from what the database keeps (right across restarts and processes).
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { rooms } from './schema.ts';

/** Half-open: `from` inclusive, `to` exclusive. Days are UTC days. */
export interface AnalyticsRange {
  from: Date;
  to: Date;
}

export interface Analytics {
  range: { from: string; to: string };
  roomsCreatedPerDay: { day: string; rooms: number }[];
  /** Rooms created in the range that have ended; durations run from creation to end. */
  sessions: { ended: number; averageDurationSeconds: number | null; medianDurationSeconds: number | null };
  peakConcurrentUsers: {
    /** Most participants present at once across every room, at any instant in the range. */
    overall: number;
    /** Rooms created in the range, busiest first (at most `PER_ROOM_LIMIT`). */
    perRoom: { roomId: string; slug: string; createdAt: string; peak: number }[];
  };
  /** Of the rooms created in the range, how many used each feature. */
  featureUsage: {
    rooms: number;
    withChat: number;
    withQuestions: number;
    withScreenShare: number;
    withReactions: number;
    withPassword: number;
    withPolls: number;
  };
  /** From request_counts over the UTC days the range touches; errorRate counts 5xx answers only. */
  errorRateByEndpoint: {
    method: string;
    route: string;
    requests: number;
    clientErrors: number;
    serverErrors: number;
    errorRate: number;
  }[];
}

export const PER_ROOM_LIMIT = 100;

type Row = Record<string, unknown>;

/** postgres.js answers `execute` with the array of rows. */
async function rows(db: Database, query: SQL): Promise<Row[]> {
  return (await db.execute(query)) as unknown as Row[];
}

const num = (value: unknown): number => Number(value ?? 0);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export async function computeAnalytics(db: Database, range: AnalyticsRange): Promise<Analytics> {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const inRange = sql`r.created_at >= ${from}::timestamptz and r.created_at < ${to}::timestamptz`;

  const [perDay, sessions, overall, perRoom, features, endpoints] = await Promise.all([
    rows(
      db,
      sql`select to_char(d, 'YYYY-MM-DD') as day, count(r.id) as rooms
          from generate_series(
                 date_trunc('day', ${from}::timestamptz at time zone 'UTC'),
                 (${to}::timestamptz - interval '1 microsecond') at time zone 'UTC',
                 interval '1 day') as d
          left join rooms r
            on r.created_at >= greatest(d at time zone 'UTC', ${from}::timestamptz)
           and r.created_at < least((d + interval '1 day') at time zone 'UTC', ${to}::timestamptz)
          group by d order by d`,
    ),
    rows(
      db,
      sql`select count(*) as ended,
                 avg(extract(epoch from r.ended_at - r.created_at))::float8 as average,
                 percentile_cont(0.5) within group (order by extract(epoch from r.ended_at - r.created_at)) as median
          from rooms r where r.ended_at is not null and ${inRange}`,
    ),
    // A sweep over joins (+1) and departures (-1); at the same instant a departure counts first, so a
    // seat handed over is not counted twice. Presence at `from` covers people who joined earlier.
    rows(
      db,
      sql`with events as (
            select joined_at as at, 1 as delta from participants where joined_at < ${to}::timestamptz
            union all
            select left_at, -1 from participants where left_at is not null and left_at < ${to}::timestamptz
          ), running as (
            select at, sum(delta) over (order by at, delta rows unbounded preceding) as present from events
          )
          select greatest(
            (select coalesce(max(present), 0) from running where at >= ${from}::timestamptz),
            (select count(*) from participants
              where joined_at < ${from}::timestamptz and (left_at is null or left_at > ${from}::timestamptz))
          ) as peak`,
    ),
    rows(
      db,
      sql`select r.id, r.slug, r.created_at, r.peak_participants as peak from rooms r where ${inRange}
          order by r.peak_participants desc, r.created_at, r.id limit ${PER_ROOM_LIMIT}`,
    ),
    rows(
      db,
      sql`select count(*) as rooms,
                 count(*) filter (where exists (select 1 from chat_messages m where m.room_id = r.id and m.message_type = 'chat')) as with_chat,
                 count(*) filter (where exists (select 1 from questions q where q.room_id = r.id)) as with_questions,
                 count(*) filter (where r.screen_share_count > 0) as with_screen_share,
                 count(*) filter (where exists (select 1 from chat_messages m where m.room_id = r.id and m.message_type = 'reaction')) as with_reactions,
                 count(*) filter (where r.password_hash is not null) as with_password,
                 count(*) filter (where exists (select 1 from polls p where p.room_id = r.id and p.status <> 'draft')) as with_polls
          from rooms r where ${inRange}`,
    ),
    rows(
      db,
      sql`select method, route,
                 sum(count) as requests,
                 coalesce(sum(count) filter (where status between 400 and 499), 0) as client_errors,
                 coalesce(sum(count) filter (where status >= 500), 0) as server_errors
          from request_counts
          where day >= (${from}::timestamptz at time zone 'UTC')::date
            and day <= ((${to}::timestamptz - interval '1 microsecond') at time zone 'UTC')::date
          group by method, route
          order by server_errors desc, requests desc, route, method`,
    ),
  ]);

  const s = sessions[0] ?? {};
  const f = features[0] ?? {};
  return {
    range: { from, to },
    roomsCreatedPerDay: perDay.map((r) => ({ day: String(r.day), rooms: num(r.rooms) })),
    sessions: {
      ended: num(s.ended),
      averageDurationSeconds: numOrNull(s.average),
      medianDurationSeconds: numOrNull(s.median),
    },
    peakConcurrentUsers: {
      overall: num(overall[0]?.peak),
      perRoom: perRoom.map((r) => ({
        roomId: String(r.id),
        slug: String(r.slug),
        createdAt: new Date(r.created_at as string | Date).toISOString(),
        peak: num(r.peak),
      })),
    },
    featureUsage: {
      rooms: num(f.rooms),
      withChat: num(f.with_chat),
      withQuestions: num(f.with_questions),
      withScreenShare: num(f.with_screen_share),
      withReactions: num(f.with_reactions),
      withPassword: num(f.with_password),
      withPolls: num(f.with_polls),
    },
    errorRateByEndpoint: endpoints.map((r) => {
      const requests = num(r.requests);
      const serverErrors = num(r.server_errors);
      return {
        method: String(r.method),
        route: String(r.route),
        requests,
        clientErrors: num(r.client_errors),
        serverErrors,
        errorRate: requests === 0 ? 0 : serverErrors / requests,
      };
    }),
  };
}

/** Rooms not yet ended, across every process. */
export async function countActiveRooms(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(rooms).where(eq(rooms.isActive, true));
  return Number(row?.n ?? 0);
}
