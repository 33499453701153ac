// db: "create room + join + read room" through Podium's query functions (Drizzle) and through hand-written SQL.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { createDatabase, postgresClient, type Database } from '../db/client.ts';
import { joinRoom, listCurrentParticipants } from '../db/participants.ts';
import { createRoom, findRoomBySlug } from '../db/rooms.ts';
import { createPostgresTestDatabase, postgresReachable } from '../db/testing.ts';
import { startEmbeddedPostgres } from '../managed/postgres.ts';
import { ratio, round, summarize } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

type Row = Record<string, unknown>;

/** Hand-written SQL against the driver itself, so the only difference from the Drizzle run is Drizzle. */
interface RawDriver {
  query(text: string, params: unknown[]): Promise<Row[]>;
  transaction<T>(work: (query: RawDriver['query']) => Promise<T>): Promise<T>;
}

/**
 * Tagged templates are prepared by default, so `prepare: true` is how hand-written postgres.js runs. With
 * `prepare: false` (what Drizzle asks for unless a query is named), postgres.js first sends Parse/Describe
 * and waits for the parameter types before it can bind: two round trips per statement instead of one.
 */
function postgresRaw(sql: postgres.Sql, prepare: boolean): RawDriver {
  const query = (text: string, params: unknown[]) => sql.unsafe<Row[]>(text, params as postgres.ParameterOrJSON<never>[], { prepare });
  return {
    query,
    transaction: (work) =>
      sql.begin((tx) => work((text, params) => tx.unsafe<Row[]>(text, params as postgres.ParameterOrJSON<never>[], { prepare }))) as never,
  };
}

const hash = () => randomBytes(32).toString('hex');
const slugFor = (i: number) => `bench${i.toString(36)}${randomBytes(6).toString('base64url')}`;

/** The sequence a presenter and one attendee cause: room and presenter, an attendee, then the room page. */
async function throughQueryFunctions(db: Database, i: number): Promise<void> {
  const slug = slugFor(i);
  const { room } = await createRoom(db, {
    slug,
    title: 'Benchmark room',
    presenterName: 'Presenter',
    passwordHash: null,
    maxParticipants: 50,
    settings: {},
    presenterTokenHash: hash(),
  });
  const joined = await joinRoom(db, { roomId: room.id, name: 'Attendee', tokenHash: hash() });
  if (!joined.ok) throw new Error(`join failed: ${joined.reason}`);
  const found = await findRoomBySlug(db, slug);
  await listCurrentParticipants(db, found!.id);
}

async function throughRawSql(driver: RawDriver, i: number): Promise<void> {
  const slug = slugFor(i);
  const room = await driver.transaction(async (q) => {
    const [created] = await q(
      `insert into rooms (slug, title, presenter_name, password_hash, max_participants, settings, peak_participants)
       values ($1, $2, $3, $4, $5, $6, 1) returning *`,
      [slug, 'Benchmark room', 'Presenter', null, 50, {}],
    );
    await q(`insert into participants (room_id, name, token_hash, role) values ($1, $2, $3, 'presenter') returning *`, [
      created!.id,
      'Presenter',
      hash(),
    ]);
    return created!;
  });
  await driver.transaction(async (q) => {
    const [locked] = await q(`select * from rooms where id = $1 for update`, [room.id]);
    if (!locked || !locked.is_active) throw new Error('join failed: room_ended');
    const [present] = await q(`select count(*)::int as n from participants where room_id = $1 and left_at is null`, [room.id]);
    if (Number(present!.n) >= Number(locked.max_participants)) throw new Error('join failed: room_full');
    await q(`insert into participants (room_id, name, token_hash, role) values ($1, $2, $3, 'attendee') returning *`, [room.id, 'Attendee', hash()]);
    await q(
      `update rooms set peak_participants = greatest(peak_participants,
         (select count(*) from participants where room_id = $1 and left_at is null)) where id = $1`,
      [room.id],
    );
  });
  const [found] = await driver.query(`select * from rooms where slug = $1 limit 1`, [slug]);
  await driver.query(`select * from participants where room_id = $1 and left_at is null order by joined_at, id`, [found!.id]);
}

type Via = 'drizzle' | 'raw' | 'raw unprepared';

interface Run {
  engine: string;
  via: Via;
  concurrency: number;
  requested: number;
  completed: number;
  seconds: number;
  perSecond: number;
  latencyMs: ReturnType<typeof summarize>;
  stoppedEarly: boolean;
}

/** Runs `total` sequences on `concurrency` workers; returns each one's latency and the wall time. */
async function chunk(sequence: (i: number) => Promise<void>, from: number, total: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = from + next++;
      const t0 = performance.now();
      await sequence(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/**
 * Measures every variant of one engine and concurrency together, in alternating chunks, so that whatever
 * else the machine is doing falls on all of them alike; until each has run `count` sequences or the cap.
 */
async function measureInterleaved(
  engine: string,
  concurrency: number,
  variants: { via: Via; sequence: (i: number) => Promise<void> }[],
  count: number,
  capSeconds: number,
): Promise<Run[]> {
  const warmup = Math.min(200, Math.ceil(count / 10));
  for (const { sequence } of variants) for (let i = 0; i < warmup; i++) await sequence(-1 - i);
  const size = Math.max(1, Math.min(count, concurrency * 20));
  const state = variants.map(() => ({ latencies: [] as number[], seconds: 0 }));
  const stopAt = performance.now() + capSeconds * 1000;
  let stoppedEarly = false;
  while (state.some((s) => s.latencies.length < count)) {
    if (performance.now() > stopAt) {
      stoppedEarly = true;
      break;
    }
    for (const [k, { sequence }] of variants.entries()) {
      const done = state[k]!;
      const total = Math.min(size, count - done.latencies.length);
      if (total <= 0) continue;
      const ran = await chunk(sequence, done.latencies.length, total, concurrency);
      done.latencies.push(...ran.latencies);
      done.seconds += ran.seconds;
    }
  }
  return variants.map(({ via }, k) => {
    const { latencies, seconds } = state[k]!;
    return {
      engine,
      via,
      concurrency,
      requested: count,
      completed: latencies.length,
      seconds: round(seconds, 2)!,
      perSecond: round(latencies.length / seconds, 0)!,
      latencyMs: summarize(latencies),
      stoppedEarly,
    };
  });
}

async function engines(ctx: BenchContext, notes: string[]) {
  const list: { name: string; open(): Promise<{ drizzle: Database; raw: RawDriver; unprepared?: RawDriver; close(): Promise<void> }> }[] = [];
  if (await postgresReachable()) {
    list.push({
      name: 'postgres',
      async open() {
        // The Drizzle side is exactly what the server uses: createDatabase's postgres.js pool (10 connections here).
        const handle = await createPostgresTestDatabase();
        const sql = postgresClient(handle.url, { max: 10, onnotice: () => {} });
        return {
          drizzle: handle.db,
          raw: postgresRaw(sql, true),
          unprepared: postgresRaw(sql, false),
          close: async () => (await sql.end({ timeout: 5 }), await handle.destroy()),
        };
      },
    });
  } else {
    notes.push('The external PostgreSQL was not reachable: only the embedded one was measured.');
  }
  list.push({
    name: 'embedded',
    async open() {
      // The embedded default as `npm start` runs it, in a DATA_DIR of its own, reached through its Unix socket.
      const dataDir = await mkdtemp(join(tmpdir(), 'podium-bench-db-'));
      await chmod(dataDir, 0o755);
      const embedded = await startEmbeddedPostgres({ dataDir });
      const handle = await createDatabase({ url: embedded.url, poolMax: 10 });
      await handle.migrate();
      const sql = postgresClient(embedded.url, { max: 10, onnotice: () => {} });
      return {
        drizzle: handle.db,
        raw: postgresRaw(sql, true),
        close: async () => {
          await sql.end({ timeout: 5 });
          await handle.close();
          await embedded.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  });
  ctx.log(`engines: ${list.map((e) => e.name).join(', ')}`);
  return list;
}

export const dbBenchmark: Benchmark = {
  name: 'db',
  title: 'create room + join + read room: Drizzle query functions vs hand-written SQL',
  budgetSeconds: 200,
  async run(ctx) {
    const count = ctx.size === 'tiny' ? 20 : 10_000;
    const notes: string[] = [];
    const runs: Run[] = [];
    const list = await engines(ctx, notes);
    let done = 0;
    const opened = await Promise.all(list.map(async (engine) => ({ name: engine.name, ...(await engine.open()) })));
    const vias = (engine: (typeof opened)[number]): Via[] => (engine.unprepared ? ['drizzle', 'raw', 'raw unprepared'] : ['drizzle', 'raw']);
    const groups = 2 * opened.length;
    try {
      // Concurrency 10 first: those runs finish sooner, and what they leave of the budget goes to the slower ones.
      for (const concurrency of [10, 1]) {
        for (const engine of opened) {
          // Share what is left evenly between the groups still to go, keeping a little for teardown.
          const cap = Math.max(2, (secondsLeft(ctx) - 5) / (groups - done));
          const variants = vias(engine).map((via) => {
            const driver = via === 'raw unprepared' ? engine.unprepared! : engine.raw;
            const sequence = via === 'drizzle' ? (i: number) => throughQueryFunctions(engine.drizzle, i) : (i: number) => throughRawSql(driver, i);
            return { via, sequence };
          });
          const measured = await measureInterleaved(engine.name, concurrency, variants, count, cap);
          done++;
          for (const run of measured) {
            ctx.log(`${engine.name} ${run.via} c${concurrency}: ${run.completed} sequences, ${run.perSecond}/s, p50 ${round(run.latencyMs.p50)} ms`);
            runs.push(run);
          }
          if (measured.some((r) => r.stoppedEarly)) {
            notes.push(
              `${engine.name} at concurrency ${concurrency} stopped at ${measured.map((r) => `${r.completed} ${r.via}`).join(', ')} of ${count} sequences each (${cap.toFixed(0)} s share of the time budget).`,
            );
          }
        }
      }
    } finally {
      await Promise.all(opened.map((engine) => engine.close()));
    }
    runs.sort((a, b) => a.engine.localeCompare(b.engine) * -1 || a.concurrency - b.concurrency);
    const rows: Cell[][] = runs.map((r) => {
      const raw = runs.find((o) => o.engine === r.engine && o.concurrency === r.concurrency && o.via === 'raw');
      return [
        r.engine,
        r.via,
        r.concurrency,
        r.completed,
        r.perSecond,
        round(r.latencyMs.p50),
        round(r.latencyMs.p99),
        r.via === 'drizzle' && raw ? ratio(r.latencyMs.p50, raw.latencyMs.p50) : null,
        r.via === 'drizzle' && raw ? ratio(raw.perSecond, r.perSecond) : null,
      ];
    });
    notes.push(
      'The variants of one engine and concurrency run in alternating chunks (20 sequences per worker), so background load falls on them alike; seq/s counts only the time each variant was running.',
      'One sequence = createRoom (transaction: room + presenter), joinRoom (transaction: lock room, count, insert, peak), findRoomBySlug + listCurrentParticipants: 11 statements, 2 transactions.',
      'Raw = the same statements written by hand against the driver (postgres.js prepared statements, on both servers). Ratios above 1 are what Drizzle costs.',
      '"raw unprepared" runs the hand-written SQL with prepare: false, as Drizzle sends its queries on postgres.js: postgres.js then waits for a Parse/Describe answer before each execute, a second round trip per statement. The gap between it and "raw" is that round trip; the gap between it and "drizzle" is Drizzle\'s own JavaScript.',
    );
    return {
      tables: [
        {
          title: `db: ${count.toLocaleString('en-US')} sequences per run`,
          columns: ['engine', 'via', 'concurrency', 'sequences', 'seq/s', 'p50 ms', 'p99 ms', 'p50 drizzle/raw', 'time drizzle/raw'],
          rows,
        },
      ],
      notes,
      data: { count, runs },
    };
  },
};
