// The schema as PostgreSQL sees it: columns, types, defaults, constraints and indexes, after real migrations.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, type TestDatabase } from './testing.ts';

type Row = Record<string, unknown>;

async function rows(database: TestDatabase, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await database.db.execute(query)) as unknown as Row[] | { rows: Row[] };
  return Array.isArray(result) ? result : result.rows;
}

const expectedColumns: Record<string, Record<string, string>> = {
  rooms: {
    id: 'uuid',
    slug: 'text',
    title: 'text',
    presenter_name: 'text',
    presenter_socket_id: 'text',
    password_hash: 'text',
    max_participants: 'integer',
    is_active: 'boolean',
    peak_participants: 'integer',
    is_screen_sharing: 'boolean',
    screen_share_count: 'integer',
    hide_addresses: 'boolean',
    hide_lan_addresses: 'boolean',
    settings: 'jsonb',
    is_locked: 'boolean',
    questions_need_approval: 'boolean',
    attendee_chat: 'boolean',
    attendee_microphones: 'boolean',
    highlighted_question_id: 'uuid',
    lobby: 'boolean',
    refused_joins: 'integer',
    starts_at: 'timestamp with time zone',
    time_zone: 'text',
    description: 'text',
    live_at: 'timestamp with time zone',
    used_sfu: 'boolean',
    created_at: 'timestamp with time zone',
    ended_at: 'timestamp with time zone',
  },
  participants: {
    id: 'uuid',
    room_id: 'uuid',
    name: 'text',
    token_hash: 'text',
    socket_id: 'text',
    role: 'text',
    is_muted: 'boolean',
    is_video_on: 'boolean',
    joined_at: 'timestamp with time zone',
    left_at: 'timestamp with time zone',
    seen_at: 'timestamp with time zone',
    hand_raised_at: 'timestamp with time zone',
    stage: 'text',
    is_co_host: 'boolean',
    mute_locked: 'boolean',
    removed_at: 'timestamp with time zone',
    is_banned: 'boolean',
    join_address_hash: 'text',
    browser_key_hash: 'text',
    admission: 'text',
  },
  chat_messages: {
    id: 'uuid',
    room_id: 'uuid',
    participant_id: 'uuid',
    message: 'text',
    message_type: 'text',
    client_message_id: 'text',
    created_at: 'timestamp with time zone',
    seq: 'bigint',
  },
  questions: {
    id: 'uuid',
    room_id: 'uuid',
    participant_id: 'uuid',
    question: 'text',
    is_answered: 'boolean',
    is_pinned: 'boolean',
    votes: 'integer',
    answer: 'text',
    answered_at: 'timestamp with time zone',
    status: 'text',
    is_anonymous: 'boolean',
    client_question_id: 'text',
    created_at: 'timestamp with time zone',
    seq: 'bigint',
  },
  question_votes: {
    id: 'uuid',
    question_id: 'uuid',
    participant_id: 'uuid',
    created_at: 'timestamp with time zone',
  },
  session_stats: {
    id: 'uuid',
    room_id: 'uuid',
    max_concurrent_participants: 'integer',
    total_participants: 'integer',
    total_messages: 'integer',
    total_questions: 'integer',
    session_duration_minutes: 'integer',
    created_at: 'timestamp with time zone',
  },
};

const engines = await testEngines();

describe.each(engines)('schema on $name', (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    if (engine.available) database = await engine.create();
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it.skipIf(!engine.available)('should create every column with its type', async () => {
    const found = await rows(
      database,
      sql`select table_name, column_name, data_type from information_schema.columns where table_schema = 'public'`,
    );
    for (const [table, columns] of Object.entries(expectedColumns)) {
      const actual = Object.fromEntries(
        found.filter((r) => r.table_name === table).map((r) => [r.column_name as string, r.data_type as string]),
      );
      expect(actual, table).toEqual(columns);
    }
  });

  it.skipIf(!engine.available)('should keep the defaults of the spec', async () => {
    const found = await rows(
      database,
      sql`select table_name, column_name, column_default, is_nullable from information_schema.columns where table_schema = 'public'`,
    );
    const column = (table: string, name: string) => found.find((r) => r.table_name === table && r.column_name === name)!;
    expect(column('rooms', 'max_participants').column_default).toBe('50');
    expect(column('rooms', 'is_active').column_default).toBe('true');
    // Existing rooms and rooms created without the option keep addresses as before.
    expect(column('rooms', 'hide_addresses').column_default).toBe('false');
    expect(column('rooms', 'hide_lan_addresses').column_default).toBe('false');
    expect(column('participants', 'role').column_default).toBe("'attendee'::text");
    expect(column('chat_messages', 'message_type').column_default).toBe("'chat'::text");
    expect(column('questions', 'votes').column_default).toBe('0');
    // Names must be erasable after a session while the row stays.
    expect(column('participants', 'name').is_nullable).toBe('YES');
    for (const table of Object.keys(expectedColumns)) {
      expect(String(column(table, 'id').column_default)).toContain('gen_random_uuid');
    }
  });

  it.skipIf(!engine.available)('should declare the unique constraints, checks and cascading foreign keys', async () => {
    const constraints = await rows(
      database,
      sql`select conrelid::regclass::text as table_name, conname, contype, confdeltype, pg_get_constraintdef(oid) as def
          from pg_constraint where connamespace = 'public'::regnamespace`,
    );
    const defs = (table: string, type: string) =>
      constraints.filter((c) => c.table_name === table && c.contype === type).map((c) => String(c.def));
    expect(defs('rooms', 'u')).toContain('UNIQUE (slug)');
    expect(defs('participants', 'u')).toEqual(expect.arrayContaining(['UNIQUE (token_hash)', 'UNIQUE (socket_id)']));
    expect(defs('chat_messages', 'u')).toContain('UNIQUE (participant_id, client_message_id)');
    expect(defs('questions', 'u')).toContain('UNIQUE (participant_id, client_question_id)');
    expect(defs('question_votes', 'u')).toContain('UNIQUE (question_id, participant_id)');

    const cascades = constraints
      .filter((c) => c.contype === 'f' && c.confdeltype === 'c')
      .map((c) => `${String(c.table_name)}: ${String(c.def)}`);
    expect(cascades).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^participants: FOREIGN KEY \(room_id\) REFERENCES rooms\(id\) ON DELETE CASCADE/),
        expect.stringMatching(/^chat_messages: FOREIGN KEY \(room_id\) REFERENCES rooms\(id\) ON DELETE CASCADE/),
        expect.stringMatching(/^questions: FOREIGN KEY \(room_id\) REFERENCES rooms\(id\) ON DELETE CASCADE/),
        expect.stringMatching(/^question_votes: FOREIGN KEY \(question_id\) REFERENCES questions\(id\) ON DELETE CASCADE/),
        expect.stringMatching(/^session_stats: FOREIGN KEY \(room_id\) REFERENCES rooms\(id\) ON DELETE CASCADE/),
      ]),
    );

    const checks = constraints.filter((c) => c.contype === 'c').map((c) => String(c.conname));
    expect(checks).toEqual(
      expect.arrayContaining([
        'rooms_title_length',
        'rooms_presenter_name_length',
        'rooms_max_participants_range',
        'participants_role_valid',
        'participants_name_length',
        'chat_messages_message_type_valid',
        'chat_messages_message_length',
        'questions_question_length',
      ]),
    );
  });

  it.skipIf(!engine.available)('should index what the queries look up', async () => {
    const indexes = await rows(database, sql`select tablename, indexdef from pg_indexes where schemaname = 'public'`);
    const columnsOf = (table: string) =>
      indexes.filter((i) => i.tablename === table).map((i) => String(i.indexdef).replace(/^.*USING btree /, ''));
    expect(columnsOf('rooms')).toEqual(expect.arrayContaining(['(slug)', '(is_active, created_at)']));
    expect(columnsOf('participants')).toEqual(
      expect.arrayContaining(['(room_id, joined_at)', '(socket_id)', '(token_hash)']),
    );
    expect(columnsOf('chat_messages')).toContain('(room_id, created_at)');
    expect(columnsOf('questions')).toContain('(room_id, votes DESC NULLS LAST, created_at)');
  });

  it.skipIf(!engine.available)('should apply migrations idempotently', async () => {
    const before = await rows(database, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    await database.migrate();
    await database.migrate();
    const after = await rows(database, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(Number(before[0]!.n)).toBeGreaterThan(0);
  });
});

