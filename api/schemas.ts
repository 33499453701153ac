// Wire shapes shared by REST responses, socket events and the UI (as types).
import { z } from '@hono/zod-openapi';
import { errorCodes } from './errors.ts';

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

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

const errorDescriptions: Record<number, string> = {
  400: 'The request is not valid (`validation_error`, `details` names the fields) or its JSON does not parse (`invalid_json`)',
  401: 'No valid token (`unauthorized`), or a wrong room password (`invalid_password`)',
  403: 'The token may not do this (`forbidden`)',
  404: 'No such room (`room_not_found`) or question (`question_not_found`)',
  409: 'The room is full (`room_full`)',
  410: 'The room has ended (`room_ended`)',
  413: 'The body is over 64 KB (`payload_too_large`)',
  415: 'The body is not JSON (`unsupported_media_type`)',
  429: 'Too many requests from this address (`rate_limited`); see Retry-After',
};

/** The error answers a route can give, for its OpenAPI description; every one has the same shape. */
export function errorResponses<S extends keyof typeof errorDescriptions & number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescriptions[status]!, content: { 'application/json': { schema: errorSchema } } }]),
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof errorSchema } } }>;
}

/**
 * Trimmed text between `min` and `max` characters. PostgreSQL text cannot hold NUL, so it is refused
 * here with a clear message instead of failing in the database.
 */
export function text(min: number, max: number) {
  return z.string().trim().min(min).max(max).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
}

/** A JSON request or response body of the given shape, for a route's OpenAPI declaration. */
export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** Routes that take `Authorization: Bearer <token>` (the scheme is registered in api/openapi.ts). */
export const bearerSecurity = [{ bearerAuth: [] }];

/** The spec's bodies name the sender; the token already does, so this may only repeat it. */
export const participantIdField = z.uuid().optional().openapi({ description: 'Optional; must be the id of the token holder' });

export const slugParams = z.object({
  slug: z.string().openapi({ param: { name: 'slug', in: 'path' }, example: 'Xk3_9aQp2L' }),
});

export const questionParams = slugParams.extend({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});
