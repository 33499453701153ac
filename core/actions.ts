// What a participant may send for each room action: one zod schema per action, which both transports build on.
import { z } from '@hono/zod-openapi';
import {
  MAX_ANSWER_LENGTH,
  MAX_CHAT_MESSAGE_LENGTH,
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_QUESTION_LENGTH,
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
  ask: z.object({ question: text(1, MAX_QUESTION_LENGTH) }),
  vote: z.object({ questionId: questionIdSchema, up: z.boolean() }),
  answer: z.object({ questionId: questionIdSchema, answer: text(1, MAX_ANSWER_LENGTH) }),
  pin: z.object({ questionId: questionIdSchema, pinned: z.boolean() }),
} as const;

export type ActionInput<A extends keyof typeof actionInputs> = z.output<(typeof actionInputs)[A]>;
