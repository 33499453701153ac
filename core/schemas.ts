// Wire shapes shared by REST responses, socket events and the UI (as types); `.openapi()` names them in the API document.
import { z } from '@hono/zod-openapi';

export const participantRoleSchema = z.enum(['presenter', 'attendee']);
export const stageStateSchema = z.enum(['audience', 'invited', 'speaker']);
export const questionStatusSchema = z.enum(['pending', 'visible', 'dismissed']);

export const participantSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    role: participantRoleSchema,
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
    joinedAt: z.iso.datetime({ offset: true }),
    handRaisedAt: z.iso.datetime({ offset: true }).nullable().openapi({ description: 'When the hand went up; the queue is in this order' }),
    stage: stageStateSchema,
    isCoHost: z.boolean(),
    muteLocked: z.boolean().openapi({ description: 'Muted by a host; only a host can lift it' }),
  })
  .openapi('Participant');

export const chatMessageSchema = z
  .object({
    id: z.uuid(),
    participantId: z.uuid().nullable(),
    name: z.string().nullable(),
    message: z.string(),
    messageType: z.enum(['chat', 'system', 'reaction']),
    clientMessageId: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .openapi('ChatMessage');

export const questionSchema = z
  .object({
    id: z.uuid(),
    participantId: z.uuid().nullable(),
    name: z.string().nullable(),
    question: z.string(),
    votes: z.number().int(),
    isAnswered: z.boolean(),
    isPinned: z.boolean(),
    answer: z.string().nullable(),
    answeredAt: z.iso.datetime({ offset: true }).nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    votedByMe: z.boolean(),
    status: questionStatusSchema.openapi({ description: '`pending` waits for a host’s approval; only hosts and the author see it' }),
    isAnonymous: z.boolean().openapi({ description: 'Name and participantId are null for everyone but hosts and the author' }),
  })
  .openapi('Question');

export const sessionStatsSchema = z
  .object({
    maxConcurrentParticipants: z.number().int(),
    totalParticipants: z.number().int(),
    totalMessages: z.number().int(),
    totalQuestions: z.number().int(),
    sessionDurationMinutes: z.number().int(),
  })
  .openapi('SessionStats');

/** The lobby, schedule and lifetime of a room: the same in the room a participant reads and in the preview. */
const roomScheduleFields = {
  lobby: z.boolean().openapi({ description: 'New attendees wait until a host admits them' }),
  startsAt: z.iso.datetime({ offset: true }).nullable().openapi({ description: 'The announced start of a scheduled room' }),
  timeZone: z.string().nullable().openapi({ description: 'The IANA time zone the start was announced in' }),
  description: z.string().nullable(),
  liveAt: z.iso.datetime({ offset: true }).nullable().openapi({ description: 'When the room went live; null while a scheduled room waits for "Go live"' }),
  createdAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }).nullable(),
};

export const roomSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    presenterName: z.string(),
    hasPassword: z.boolean(),
    maxParticipants: z.number().int(),
    isActive: z.boolean(),
    hideAddresses: z.boolean(),
    hideLanAddresses: z.boolean(),
    isLocked: z.boolean(),
    questionsNeedApproval: z.boolean(),
    attendeeChat: z.boolean(),
    attendeeMicrophones: z.boolean(),
    highlightedQuestionId: z.uuid().nullable(),
    refusedJoins: z.number().int().openapi({ description: 'Joins refused so far because every seat was taken' }),
    ...roomScheduleFields,
  })
  .openapi('Room');

/** Someone waiting outside a room, as its hosts see them. */
export const lobbyEntrySchema = z
  .object({ participantId: z.uuid(), name: z.string().nullable(), joinedAt: z.iso.datetime({ offset: true }) })
  .openapi('LobbyEntry');

/**
 * What anyone holding a room's link may read before joining: enough to show the join page (or the "ended" page),
 * and no one's name, the presenter's included. Names reach participants only (GET with their token, socket state).
 */
export const roomPreviewSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    hasPassword: z.boolean(),
    maxParticipants: z.number().int(),
    participantCount: z.number().int().openapi({ description: 'People present now, the presenter included' }),
    isFull: z.boolean().openapi({ description: 'No seat is free: a join would answer 409 room_full' }),
    isLocked: z.boolean(),
    isActive: z.boolean(),
    ...roomScheduleFields,
  })
  .openapi('RoomPreview');

export type ParticipantBody = z.infer<typeof participantSchema>;
export type ChatMessageBody = z.infer<typeof chatMessageSchema>;
export type QuestionBody = z.infer<typeof questionSchema>;
export type SessionStatsBody = z.infer<typeof sessionStatsSchema>;
export type RoomBody = z.infer<typeof roomSchema>;
export type LobbyEntryBody = z.infer<typeof lobbyEntrySchema>;

export type RoomPreviewBody = z.infer<typeof roomPreviewSchema>;

/**
 * Trimmed text between `min` and `max` characters. PostgreSQL text cannot hold NUL, so it is refused
 * here with a clear message instead of failing in the database.
 */
export function text(min: number, max: number) {
  return z.string().trim().min(min).max(max).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
}
