// Chat messages: idempotent inserts keyed by the sender's client message id, and newest-first pages.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
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

/**
 * Stores a message from `sender` (whose name the caller already knows, so the new message comes back from
 * the insert itself: one statement per message on the hot path). With a `clientMessageId` already used by
 * the same participant it stores nothing and returns the first message with `created: false`.
 */
export async function addMessage(
  db: Database,
  input: {
    roomId: string;
    sender: { id: string; name: string | null };
    message: string;
    messageType?: MessageType;
    clientMessageId?: string;
  },
): Promise<{ message: ChatMessage; created: boolean }> {
  const [inserted] = await db
    .insert(chatMessages)
    .values({
      roomId: input.roomId,
      participantId: input.sender.id,
      message: input.message,
      messageType: input.messageType ?? 'chat',
      clientMessageId: input.clientMessageId ?? null,
    })
    .onConflictDoNothing({ target: [chatMessages.participantId, chatMessages.clientMessageId] })
    .returning(storedColumns);
  if (inserted) return { message: { ...inserted, name: input.sender.name }, created: true };
  const [first] = await db
    .select(messageColumns)
    .from(chatMessages)
    .leftJoin(participants, eq(participants.id, chatMessages.participantId))
    .where(and(eq(chatMessages.participantId, input.sender.id), eq(chatMessages.clientMessageId, input.clientMessageId!)))
    .limit(1);
  return { message: first!, created: false };
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
