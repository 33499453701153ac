// Podium's tables: rooms, the people in them, what they said and asked, and what a session added up to.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  MAX_ANSWER_LENGTH,
  MAX_CHAT_MESSAGE_LENGTH,
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_LENGTH,
  MAX_QUESTION_LENGTH,
  MAX_ROOM_SIZE,
  MAX_ROOM_DESCRIPTION_LENGTH,
  MAX_ROOM_TITLE_LENGTH,
  MAX_TIME_ZONE_LENGTH,
  MAX_SLUG_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
  MIN_POLL_OPTIONS,
  MIN_ROOM_SIZE,
  MIN_SLUG_LENGTH,
} from '../core/limits.ts';

/** A limit from core/limits.ts written into a check as a literal: a check is stored as text, with no parameters. */
const limit = (value: number) => sql.raw(String(value));

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const rooms = pgTable(
  'rooms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    presenterName: text('presenter_name').notNull(),
    presenterSocketId: text('presenter_socket_id'),
    passwordHash: text('password_hash'),
    maxParticipants: integer('max_participants').notNull().default(50),
    isActive: boolean('is_active').notNull().default(true),
    // Highest number of participants present at once, raised as people arrive; feeds session_stats.
    peakParticipants: integer('peak_participants').notNull().default(0),
    // Live screen-share state lives here so every signaling process answers join-room the same way.
    isScreenSharing: boolean('is_screen_sharing').notNull().default(false),
    screenShareCount: integer('screen_share_count').notNull().default(0),
    // Address privacy: relay-only media (no host or server-reflexive candidate reaches anyone), or only
    // attendees' private-range host candidates kept from the presenter.
    hideAddresses: boolean('hide_addresses').notNull().default(false),
    hideLanAddresses: boolean('hide_lan_addresses').notNull().default(false),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    // Whether the room's media ever went through the SFU, for the session report.
    usedSfu: boolean('used_sfu').notNull().default(false),
    // Moderation (core/moderation.ts): no new joins while locked; questions wait for a host's approval;
    // attendees may use Q&A only (chat off); attendees' microphones may reach the room only when allowed.
    isLocked: boolean('is_locked').notNull().default(false),
    questionsNeedApproval: boolean('questions_need_approval').notNull().default(false),
    attendeeChat: boolean('attendee_chat').notNull().default(true),
    attendeeMicrophones: boolean('attendee_microphones').notNull().default(false),
    // The question being answered now ("answering now" highlight), if any; a question of this room.
    highlightedQuestionId: uuid('highlighted_question_id'),
    // Lobby (a room option): new attendees wait until a host admits them.
    lobby: boolean('lobby').notNull().default(false),
    // Joins refused because every seat was taken, so the presenter knows to raise the limit.
    refusedJoins: integer('refused_joins').notNull().default(0),
    // Scheduling: an announced start (shown with the room's IANA time zone) and a description for the waiting
    // page. `liveAt` is when the presenter went live: set at creation for a room without a start time, null
    // while a scheduled room waits for "Go live" (attendees wait until then).
    startsAt: timestamp('starts_at', { withTimezone: true }),
    timeZone: text('time_zone'),
    description: text('description'),
    liveAt: timestamp('live_at', { withTimezone: true }).defaultNow(),
    createdAt: createdAt(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  // slug, socket_id and token_hash are looked up by their unique indexes; a second index would only slow writes.
  (t) => [
    index('rooms_is_active_created_at_idx').on(t.isActive, t.createdAt),
    check('rooms_slug_format', sql`${t.slug} ~ '^[A-Za-z0-9_-]{${limit(MIN_SLUG_LENGTH)},${limit(MAX_SLUG_LENGTH)}}$'`),
    check('rooms_title_length', sql`char_length(${t.title}) between 1 and ${limit(MAX_ROOM_TITLE_LENGTH)}`),
    // Names are erased after a session, but a presenter always has one while the room is live.
    check('rooms_presenter_name_length', sql`char_length(${t.presenterName}) <= ${limit(MAX_NAME_LENGTH)}`),
    check('rooms_max_participants_range', sql`${t.maxParticipants} between ${limit(MIN_ROOM_SIZE)} and ${limit(MAX_ROOM_SIZE)}`),
    check('rooms_peak_participants_non_negative', sql`${t.peakParticipants} >= 0`),
    check('rooms_screen_share_count_non_negative', sql`${t.screenShareCount} >= 0`),
    check('rooms_refused_joins_non_negative', sql`${t.refusedJoins} >= 0`),
    check('rooms_ended_after_created', sql`${t.endedAt} is null or ${t.endedAt} >= ${t.createdAt}`),
    check('rooms_description_length', sql`${t.description} is null or char_length(${t.description}) between 1 and ${limit(MAX_ROOM_DESCRIPTION_LENGTH)}`),
    check('rooms_time_zone_length', sql`${t.timeZone} is null or char_length(${t.timeZone}) between 1 and ${limit(MAX_TIME_ZONE_LENGTH)}`),
    check('rooms_scheduled_with_time_zone', sql`(${t.startsAt} is null) = (${t.timeZone} is null)`),
  ],
);

export const participantRoles = ['presenter', 'attendee'] as const;
export type ParticipantRole = (typeof participantRoles)[number];

/**
 * Whether an attendee is let into the room: `waiting` in the lobby (or for a scheduled room to go live) until a
 * host admits them, `denied` by a host (their token stops working). Presenters are always admitted.
 */
export const admissionStates = ['admitted', 'waiting', 'denied'] as const;
export type AdmissionState = (typeof admissionStates)[number];

/** Where an attendee stands: in the audience, invited to the stage (deciding), or on it as a speaker. */
export const stageStates = ['audience', 'invited', 'speaker'] as const;
export type StageState = (typeof stageStates)[number];

export const participants = pgTable(
  'participants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    // Nullable so that names can be forgotten after the session while the row and its stats stay.
    name: text('name'),
    // SHA-256 (hex) of the participant's bearer token; the token itself is never stored.
    tokenHash: text('token_hash').notNull().unique(),
    socketId: text('socket_id').unique(),
    role: text('role', { enum: participantRoles }).notNull().default('attendee'),
    isMuted: boolean('is_muted').notNull().default(false),
    isVideoOn: boolean('is_video_on').notNull().default(false),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    leftAt: timestamp('left_at', { withTimezone: true }),
    // Last time a signaling process vouched for a live socket of this participant (or their join). Someone
    // unseen for long enough is gone even if no process could say so: it crashed, or they never connected.
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
    // Presence state of moderation, here so that reloads, reconnects and every process see the same thing.
    // The hand queue is ordered by when each hand went up.
    handRaisedAt: timestamp('hand_raised_at', { withTimezone: true }),
    stage: text('stage', { enum: stageStates }).notNull().default('audience'),
    isCoHost: boolean('is_co_host').notNull().default(false),
    // Muted by a host: the participant cannot unmute until a host lifts it.
    muteLocked: boolean('mute_locked').notNull().default(false),
    // Removed by a host: the token stops working. Banned: the same browser or address cannot join again.
    removedAt: timestamp('removed_at', { withTimezone: true }),
    isBanned: boolean('is_banned').notNull().default(false),
    // SHA-256 of the address the join came from and of the browser's own key, kept only to enforce bans.
    joinAddressHash: text('join_address_hash'),
    browserKeyHash: text('browser_key_hash'),
    admission: text('admission', { enum: admissionStates }).notNull().default('admitted'),
  },
  (t) => [
    index('participants_room_id_joined_at_idx').on(t.roomId, t.joinedAt),
    check('participants_role_valid', sql`${t.role} in ('presenter', 'attendee')`),
    check('participants_stage_valid', sql`${t.stage} in ('audience', 'invited', 'speaker')`),
    check('participants_admission_valid', sql`${t.admission} in ('admitted', 'waiting', 'denied')`),
    check('participants_name_length', sql`${t.name} is null or char_length(${t.name}) between 1 and ${limit(MAX_NAME_LENGTH)}`),
    check('participants_token_hash_format', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const messageTypes = ['chat', 'system', 'reaction'] as const;
export type MessageType = (typeof messageTypes)[number];

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id').references(() => participants.id, { onDelete: 'set null' }),
    message: text('message').notNull(),
    messageType: text('message_type', { enum: messageTypes }).notNull().default('chat'),
    // Chosen by the sender so that a retried send stores one message, not two.
    clientMessageId: text('client_message_id'),
    createdAt: createdAt(),
    // Insertion order: messages stored in the same clock tick still come back in the order they were sent.
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [
    index('chat_messages_room_id_created_at_idx').on(t.roomId, t.createdAt),
    unique('chat_messages_participant_client_message_id_unique').on(t.participantId, t.clientMessageId),
    check('chat_messages_message_type_valid', sql`${t.messageType} in ('chat', 'system', 'reaction')`),
    check('chat_messages_message_length', sql`char_length(${t.message}) between 1 and ${limit(MAX_CHAT_MESSAGE_LENGTH)}`),
    check('chat_messages_client_message_id_length', sql`char_length(${t.clientMessageId}) between 1 and ${limit(MAX_CLIENT_MESSAGE_ID_LENGTH)}`),
  ],
);

export const questionStatuses = ['pending', 'visible', 'dismissed'] as const;
export type QuestionStatus = (typeof questionStatuses)[number];

export const questions = pgTable(
  'questions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id').references(() => participants.id, { onDelete: 'set null' }),
    question: text('question').notNull(),
    isAnswered: boolean('is_answered').notNull().default(false),
    isPinned: boolean('is_pinned').notNull().default(false),
    votes: integer('votes').notNull().default(0),
    answer: text('answer'),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    // Moderated Q&A: `pending` waits for a host's approval (seen by hosts and its author only), `dismissed` is
    // hidden from everyone but hosts. Anonymous: the author's name reaches hosts only.
    status: text('status', { enum: questionStatuses }).notNull().default('visible'),
    isAnonymous: boolean('is_anonymous').notNull().default(false),
    // Chosen by the asker so that a retried ask (after a reconnect or a restart) stores one question, not two.
    clientQuestionId: text('client_question_id'),
    createdAt: createdAt(),
    // Insertion order, so "oldest first" among equal votes holds within one clock tick too.
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [
    index('questions_room_id_votes_created_at_idx').on(t.roomId, t.votes.desc(), t.createdAt),
    // A participant belongs to one room, so this is unique per participant and room.
    unique('questions_participant_client_question_id_unique').on(t.participantId, t.clientQuestionId),
    check('questions_client_question_id_length', sql`char_length(${t.clientQuestionId}) between 1 and ${limit(MAX_CLIENT_MESSAGE_ID_LENGTH)}`),
    check('questions_question_length', sql`char_length(${t.question}) between 1 and ${limit(MAX_QUESTION_LENGTH)}`),
    check('questions_answer_length', sql`${t.answer} is null or char_length(${t.answer}) between 1 and ${limit(MAX_ANSWER_LENGTH)}`),
    check('questions_votes_non_negative', sql`${t.votes} >= 0`),
    check('questions_status_valid', sql`${t.status} in ('pending', 'visible', 'dismissed')`),
  ],
);

export const questionVotes = pgTable(
  'question_votes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    questionId: uuid('question_id')
      .notNull()
      .references(() => questions.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [unique('question_votes_question_participant_unique').on(t.questionId, t.participantId)],
);

export const sessionStats = pgTable(
  'session_stats',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .unique()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    maxConcurrentParticipants: integer('max_concurrent_participants').notNull().default(0),
    totalParticipants: integer('total_participants').notNull().default(0),
    totalMessages: integer('total_messages').notNull().default(0),
    totalQuestions: integer('total_questions').notNull().default(0),
    sessionDurationMinutes: integer('session_duration_minutes').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'session_stats_counts_non_negative',
      sql`${t.maxConcurrentParticipants} >= 0 and ${t.totalParticipants} >= 0 and ${t.totalMessages} >= 0 and ${t.totalQuestions} >= 0 and ${t.sessionDurationMinutes} >= 0`,
    ),
  ],
);

export const pollStatuses = ['draft', 'open', 'closed'] as const;
export type PollStatus = (typeof pollStatuses)[number];

/** A host's poll: prepared as a draft, opened for votes, closed with its results kept for the report. */
export const polls = pgTable(
  'polls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    question: text('question').notNull(),
    options: jsonb('options').$type<string[]>().notNull(),
    allowsMultiple: boolean('allows_multiple').notNull().default(false),
    // Live results for everyone while open; hosts always see them.
    resultsVisible: boolean('results_visible').notNull().default(false),
    // Results shown to everyone once closed.
    resultsShared: boolean('results_shared').notNull().default(false),
    status: text('status', { enum: pollStatuses }).notNull().default('draft'),
    createdAt: createdAt(),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [
    index('polls_room_id_seq_idx').on(t.roomId, t.seq),
    check('polls_status_valid', sql`${t.status} in ('draft', 'open', 'closed')`),
    check('polls_question_length', sql`char_length(${t.question}) between 1 and ${limit(MAX_POLL_QUESTION_LENGTH)}`),
    check('polls_options_count', sql`jsonb_typeof(${t.options}) = 'array' and jsonb_array_length(${t.options}) between ${limit(MIN_POLL_OPTIONS)} and ${limit(MAX_POLL_OPTIONS)}`),
  ],
);

/** One row per voter and poll: a changed vote replaces the row, so counting rows counts people exactly. */
export const pollVotes = pgTable(
  'poll_votes',
  {
    pollId: uuid('poll_id')
      .notNull()
      .references(() => polls.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'cascade' }),
    // Indexes into the poll's options.
    choices: integer('choices').array().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.pollId, t.participantId] }),
    check('poll_votes_choices_count', sql`cardinality(${t.choices}) between 1 and ${limit(MAX_POLL_OPTIONS)}`),
  ],
);

export const webhookEvents = [
  'room.created',
  'room.live',
  'room.ended',
  'question.asked',
  'question.answered',
  'poll.closed',
  'participant.count',
] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

/** A room's own webhook receivers, added over the API; the deployment's come from WEBHOOK_URLS. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    // The signing secret (whsec_…), shown once when the endpoint is added.
    secret: text('secret').notNull(),
    // Null: every event.
    events: text('events').array(),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_endpoints_room_id_idx').on(t.roomId), check('webhook_endpoints_url_length', sql`char_length(${t.url}) between 1 and ${limit(MAX_WEBHOOK_URL_LENGTH)}`)],
);

export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;

/**
 * One event for one receiver, kept until delivered (or given up): the queue that survives restarts, and the
 * room's delivery log. `id` is the Standard Webhooks `webhook-id`, the same on every attempt.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    // Null for the deployment's receivers (WEBHOOK_URLS).
    endpointId: uuid('endpoint_id').references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    event: text('event').notNull(),
    // The exact body that is signed and sent on every attempt.
    body: text('body').notNull(),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_room_id_created_at_idx').on(t.roomId, t.createdAt),
    check('webhook_deliveries_status_valid', sql`${t.status} in ('pending', 'delivered', 'failed')`),
    check('webhook_deliveries_attempts_non_negative', sql`${t.attempts} >= 0`),
  ],
);

/**
 * Requests answered per day, route pattern and status, flushed in batches by each API process; error
 * rates by endpoint are computed from it, so they hold across restarts and processes.
 */
export const requestCounts = pgTable(
  'request_counts',
  {
    day: date('day', { mode: 'string' }).notNull(),
    method: text('method').notNull(),
    route: text('route').notNull(),
    status: integer('status').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.method, t.route, t.status] }),
    check('request_counts_status_range', sql`${t.status} between 100 and 599`),
    check('request_counts_count_non_negative', sql`${t.count} >= 0`),
  ],
);

/**
 * A room on the SFU, shared by every signaling process: the Janus server and VideoRoom it lives in (with its
 * random secret, so any process can destroy it) and the presenter's feed once it reaches Janus. One row per
 * room while it is on the SFU; the process that creates the Janus room writes it under an advisory lock.
 */
export const roomMedia = pgTable('room_media', {
  roomId: uuid('room_id')
    .primaryKey()
    .references(() => rooms.id, { onDelete: 'cascade' }),
  janusUrl: text('janus_url'),
  janusRoom: bigint('janus_room', { mode: 'number' }),
  janusSecret: text('janus_secret'),
  feed: bigint('feed', { mode: 'number' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Speakers on stage publishing into a room's Janus room, as every signaling process sees them: a speaker
 * publishes through one process, and the attendees connected to the others subscribe to their feed.
 */
export const sfuSpeakers = pgTable(
  'sfu_speakers',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'cascade' }),
    janusRoom: bigint('janus_room', { mode: 'number' }).notNull(),
    feed: bigint('feed', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.participantId] })],
);

export const mediaModes = ['star', 'sfu'] as const;
export type MediaModeName = (typeof mediaModes)[number];

/**
 * What attendees received during a session, per media mode, for the report: sums and a count of the samples
 * (core/received-quality.ts), never the samples themselves, so a room holds at most two rows however long it runs.
 */
export const receivedQuality = pgTable(
  'received_quality',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: mediaModes }).notNull(),
    samples: integer('samples').notNull().default(0),
    decodeFpsSum: doublePrecision('decode_fps_sum').notNull().default(0),
    lossPctSum: doublePrecision('loss_pct_sum').notNull().default(0),
    rttMsSum: doublePrecision('rtt_ms_sum').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.mode] }),
    check('received_quality_mode_valid', sql`${t.mode} in ('star', 'sfu')`),
    check('received_quality_sums_non_negative', sql`${t.samples} >= 0 and ${t.decodeFpsSum} >= 0 and ${t.lossPctSum} >= 0 and ${t.rttMsSum} >= 0`),
  ],
);

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * Owned by @socket.io/postgres-adapter: events too large for a NOTIFY payload (8000 bytes, e.g. an SDP
 * offer relayed to another signaling process) are stored here and announced by id. The adapter reads,
 * writes and prunes it (rows older than 30 s); Podium's queries never touch it.
 */
export const socketIoAttachments = pgTable('socket_io_attachments', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
  payload: bytea('payload'),
});

/**
 * Rate-limit counters shared by every process on this database (rate-limiter-flexible's Drizzle store, used
 * when there is no REDIS_URL). A key is a SHA-256 hash of what it counts (a participant, an address, a room),
 * never the address itself; rows past `expire` are dead and the store prunes them.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});
