// What a participant may send for each room action: one zod schema per action, which both transports build on.
import { z } from '@hono/zod-openapi';
import {
  MAX_ANSWER_LENGTH,
  MAX_CHAT_MESSAGE_LENGTH,
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_QUESTION_LENGTH,
  MAX_ROOM_SIZE,
  MIN_ROOM_SIZE,
} from './limits.ts';
import { text } from './schemas.ts';

export const reactionEmojis = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export type ReactionEmoji = (typeof reactionEmojis)[number];

// Lower-cased so that an id names one question whatever case the client wrote.
export const questionIdSchema = z.uuid().transform((s) => s.toLowerCase());

export const clientMessageIdSchema = z
  .string()
  .min(1)
  .max(MAX_CLIENT_MESSAGE_ID_LENGTH)
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const actionInputs = {
  sendChat: z.object({
    message: text(1, MAX_CHAT_MESSAGE_LENGTH),
    clientMessageId: clientMessageIdSchema
      .optional()
      .openapi({ description: 'Chosen by the sender; repeating it returns the first message instead of storing a copy' }),
  }),
  react: z.object({ emoji: z.enum(reactionEmojis) }),
  ask: z.object({
    question: text(1, MAX_QUESTION_LENGTH),
    anonymous: z.boolean().optional().openapi({ description: 'Hide the asker’s name from everyone but the hosts' }),
    clientQuestionId: clientMessageIdSchema
      .optional()
      .openapi({ description: 'Chosen by the asker; repeating it returns the first question instead of storing a copy' }),
  }),
  vote: z.object({ questionId: questionIdSchema, up: z.boolean() }),
  answer: z.object({
    questionId: questionIdSchema,
    answer: text(1, MAX_ANSWER_LENGTH).optional().openapi({ description: 'Without it, the question is only marked answered' }),
  }),
  pin: z.object({ questionId: questionIdSchema, pinned: z.boolean() }),
} as const;

export type ActionInput<A extends keyof typeof actionInputs> = z.output<(typeof actionInputs)[A]>;

const participantId = z.uuid().transform((s) => s.toLowerCase());

/** Moderation (core/moderation.ts): hands, stage, co-hosts, enforced mute, removal, room options, moderated Q&A. */
export const moderationInputs = {
  raiseHand: z.object({ raised: z.boolean() }),
  setCoHost: z.object({ participantId, coHost: z.boolean() }),
  inviteToStage: z.object({ participantId }),
  answerStageInvite: z.object({ accept: z.boolean() }),
  /** Without `participantId`, the speaker leaves the stage themself. */
  leaveStage: z.object({ participantId: participantId.optional() }),
  muteParticipant: z.object({ participantId, muted: z.boolean() }),
  stopCamera: z.object({ participantId }),
  removeParticipant: z.object({
    participantId,
    ban: z.boolean().default(false).openapi({ description: 'Also refuse new joins from the same browser or address' }),
  }),
  setRoomOptions: z
    .object({
      isLocked: z.boolean().optional(),
      questionsNeedApproval: z.boolean().optional(),
      attendeeChat: z.boolean().optional(),
      attendeeMicrophones: z.boolean().optional(),
      lobby: z.boolean().optional().openapi({ description: 'New attendees wait until a host admits them; those already waiting stay until admitted' }),
    })
    .strict()
    .refine((o) => Object.values(o).some((v) => v !== undefined), 'name at least one option'),
  approveQuestion: z.object({ questionId: questionIdSchema }),
  dismissQuestion: z.object({ questionId: questionIdSchema }),
  highlightQuestion: z.object({ questionId: questionIdSchema.nullable() }),
  deleteChatMessage: z.object({ messageId: z.uuid().transform((s) => s.toLowerCase()) }),
  /** The presenter hands the presenter role to a co-host present now; the presenter becomes a co-host. */
  handOverPresenter: z.object({ participantId }),
  /** A co-host takes over presenting while the presenter is away past the reconnect grace. */
  takeOverPresenting: z.object({}),
} as const;

/** The lobby and going live (core/lobby.ts). */
export const lobbyInputs = {
  admitParticipant: z.object({
    participantId,
    coHost: z.boolean().default(false).openapi({ description: 'Admit as a co-host (presenter only); before "Go live" only co-hosts come in, to the green room' }),
  }),
  denyParticipant: z.object({ participantId }),
} as const;

/** Seats (core/seats.ts): the presenter changes the room's limit live. */
export const seatInputs = {
  setCapacity: z.object({
    maxParticipants: z
      .number()
      .int()
      .min(MIN_ROOM_SIZE)
      .max(MAX_ROOM_SIZE)
      .openapi({ description: 'Seats in the room, the presenter included; never below the people holding a seat now' }),
  }),
} as const;

export type SeatInput<A extends keyof typeof seatInputs> = z.output<(typeof seatInputs)[A]>;

export type LobbyInput<A extends keyof typeof lobbyInputs> = z.output<(typeof lobbyInputs)[A]>;

export type ModerationInput<A extends keyof typeof moderationInputs> = z.output<(typeof moderationInputs)[A]>;
