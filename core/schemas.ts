// Wire shapes shared by REST responses, socket events and the UI (as types); `.openapi()` names them in the API document.
import { z } from '@hono/zod-openapi';

export const participantRoleSchema = z.enum(['presenter', 'attendee']);

export const participantSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    role: participantRoleSchema,
    isMuted: z.boolean(),
    isVideoOn: z.boolean(),
    joinedAt: z.iso.datetime({ offset: true }),
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
    createdAt: z.iso.datetime({ offset: true }),
    endedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .openapi('Room');

export type ParticipantBody = z.infer<typeof participantSchema>;
export type ChatMessageBody = z.infer<typeof chatMessageSchema>;
export type QuestionBody = z.infer<typeof questionSchema>;
export type SessionStatsBody = z.infer<typeof sessionStatsSchema>;
export type RoomBody = z.infer<typeof roomSchema>;

/**
 * Trimmed text between `min` and `max` characters. PostgreSQL text cannot hold NUL, so it is refused
 * here with a clear message instead of failing in the database.
 */
export function text(min: number, max: number) {
  return z.string().trim().min(min).max(max).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
}
