// Chat messages: idempotent inserts keyed by the sender's client message id, and newest-first pages.
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { chatMessages, participants, type MessageType } from './schema.ts';

export interface ChatMessage {
  id: string;
  roomId: string;
  participantId: string | null;
  name: string | null;
  message: string;
  messageType: MessageType;
  clientMessageId: string | null;
  createdAt: Date;
}

const storedColumns = {
  id: chatMessages.id,
  roomId: chatMessages.roomId,
  participantId: chatMessages.participantId,
  message: chatMessages.message,
  messageType: chatMessages.messageType,
  clientMessageId: chatMessages.clientMessageId,
  createdAt: chatMessages.createdAt,
};

const messageColumns = { ...storedColumns, name: participants.name };

export interface NewMessage {
  roomId: string;
  sender: { id: string; name: string | null };
  message: string;
  messageType?: MessageType;
  clientMessageId?: string;
}

/** What became of one message of a group: stored now, stored before (a repeated clientMessageId), or refused. */
export type MessageOutcome = { message: ChatMessage; created: boolean } | { roomEnded: true };

/**
 * Stores a group of messages with one statement (a multi-row insert whose text never changes, so it is
 * prepared once per connection). Rows keep the group's order, which `seq` records. A message whose room is
 * no longer active is not stored: the statement share-locks the live room row, so it either commits before an
 * end (which takes the row exclusively, and then counts it) or finds the room ended; a `clientMessageId` already used by the same participant stores nothing
 * and returns the first message with `created: false`. Outcomes come back in the order of `inputs`.
 */
export async function addMessages(db: Database, inputs: readonly NewMessage[]): Promise<MessageOutcome[]> {
  if (inputs.length === 0) return [];
  const rows = inputs.map((input, n) => ({
    n,
    id: crypto.randomUUID(),
    room_id: input.roomId,
    participant_id: input.sender.id,
    message: input.message,
    message_type: input.messageType ?? 'chat',
    client_message_id: input.clientMessageId ?? null,
  }));
  const result = await db.execute(sql`
    insert into chat_messages (id, room_id, participant_id, message, message_type, client_message_id)
    select v.id, v.room_id, v.participant_id, v.message, v.message_type, v.client_message_id
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as v(n int, id uuid, room_id uuid, participant_id uuid, message text, message_type text, client_message_id text)
    join rooms r on r.id = v.room_id and r.is_active
    order by v.n
    for share of r
    on conflict (participant_id, client_message_id) do nothing
    returning id, created_at`);
  // The handle's type leaves the driver open; postgres.js answers `execute` with the rows themselves.
  const stored = new Map((result as unknown as Array<{ id: string; created_at: Date | string }>).map((row) => [row.id, new Date(row.created_at)]));
  const repeats = inputs.filter((input, i) => !stored.has(rows[i]!.id) && input.clientMessageId !== undefined);
  const firsts = repeats.length ? await findByClientMessageIds(db, repeats) : new Map<string, ChatMessage>();
  return inputs.map((input, i): MessageOutcome => {
    const row = rows[i]!;
    const createdAt = stored.get(row.id);
    if (createdAt) {
      return {
        message: {
          id: row.id,
          roomId: input.roomId,
          participantId: input.sender.id,
          name: input.sender.name,
          message: input.message,
          messageType: row.message_type,
          clientMessageId: row.client_message_id,
          createdAt,
        },
        created: true,
      };
    }
    const first = input.clientMessageId === undefined ? undefined : firsts.get(repeatKey(input.sender.id, input.clientMessageId));
    // Not stored and not stored before: the join on active rooms left it out.
    return first && first.roomId === input.roomId ? { message: first, created: false } : { roomEnded: true };
  });
}

const repeatKey = (participantId: string, clientMessageId: string) => `${participantId}\u0000${clientMessageId}`;

async function findByClientMessageIds(db: Database, inputs: readonly NewMessage[]): Promise<Map<string, ChatMessage>> {
  const found = await db
    .select(messageColumns)
    .from(chatMessages)
    .leftJoin(participants, eq(participants.id, chatMessages.participantId))
    .where(
      or(
        ...inputs.map((input) =>
          and(eq(chatMessages.participantId, input.sender.id), eq(chatMessages.clientMessageId, input.clientMessageId!)),
        ),
      ),
    );
  return new Map(found.map((m) => [repeatKey(m.participantId!, m.clientMessageId!), m]));
}

/** One message: `addMessages` with a group of one; refused with an error when the room has ended. */
export async function addMessage(db: Database, input: NewMessage): Promise<{ message: ChatMessage; created: boolean }> {
  const [outcome] = await addMessages(db, [input]);
  if (!outcome || 'roomEnded' in outcome) throw new Error('the room has ended');
  return outcome;
}

/** A page of messages, newest first, older than `before` when given; same-tick messages in the order they were stored. */
export async function listMessages(
  db: Database,
  roomId: string,
  options: { limit: number; before?: Date },
): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  const rows = await db
    .select(messageColumns)
    .from(chatMessages)
    .leftJoin(participants, eq(participants.id, chatMessages.participantId))
    .where(and(eq(chatMessages.roomId, roomId), options.before ? lt(chatMessages.createdAt, options.before) : undefined))
    .orderBy(desc(chatMessages.createdAt), desc(chatMessages.seq))
    .limit(options.limit + 1);
  return { messages: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

/**
 * The page of messages that comes after message `beforeId` in newest-first order, or undefined when that
 * message is not in the room. The cursor is compared in SQL at the database's full (microsecond)
 * precision, ties broken by insertion order, so paging never skips or repeats messages sent at the same moment.
 */
export async function listMessagesBefore(
  db: Database,
  roomId: string,
  options: { limit: number; beforeId: string },
): Promise<{ messages: ChatMessage[]; hasMore: boolean } | undefined> {
  const [cursor] = await db
    .select({ id: chatMessages.id })
    .from(chatMessages)
    .where(and(eq(chatMessages.id, options.beforeId), eq(chatMessages.roomId, roomId)))
    .limit(1);
  if (!cursor) return undefined;
  const rows = await db
    .select(messageColumns)
    .from(chatMessages)
    .leftJoin(participants, eq(participants.id, chatMessages.participantId))
    .where(
      and(
        eq(chatMessages.roomId, roomId),
        sql`(${chatMessages.createdAt}, ${chatMessages.seq}) < (select c.created_at, c.seq from chat_messages c where c.id = ${options.beforeId})`,
      ),
    )
    .orderBy(desc(chatMessages.createdAt), desc(chatMessages.seq))
    .limit(options.limit + 1);
  return { messages: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

export async function countMessages(db: Database, roomId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(chatMessages)
    .where(eq(chatMessages.roomId, roomId));
  return Number(row?.n ?? 0);
}
