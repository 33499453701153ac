// Chat over REST: a page of history, and sending a message the same way a socket does (stored, then broadcast).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actionInputs } from '../core/actions.ts';
import { listMessages, listMessagesBefore } from '../db/chat.ts';
import { actorOf, assertSelf, requireParticipant } from './auth.ts';
import { ApiError, validationMessage } from './errors.ts';
import { chatMessageSchema } from '../core/schemas.ts';
import { bearerSecurity, errorResponses, jsonContent, participantIdField, slugParams } from './route-schemas.ts';
import { idempotencyHeaders } from './idempotency.ts';
import { toChatMessageBody } from '../core/serialize.ts';
import { DEFAULT_MESSAGES_PAGE, MAX_MESSAGES_PAGE } from '../core/limits.ts';


export const listMessagesQuery = z.object({
  limit: z
    .string()
    .regex(new RegExp(`^\\d{1,${String(MAX_MESSAGES_PAGE).length}}$`), `expected a whole number from 1 to ${MAX_MESSAGES_PAGE}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_MESSAGES_PAGE))
    .default(DEFAULT_MESSAGES_PAGE)
    .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', minimum: 1, maximum: MAX_MESSAGES_PAGE, default: DEFAULT_MESSAGES_PAGE }),
  before: z.iso
    .datetime({ offset: true })
    // The format alone lets through dates such as February 30th or the year 0, which PostgreSQL refuses.
    .refine((s) => {
      const year = new Date(s).getUTCFullYear();
      return year >= 1970 && year <= 9999;
    }, 'expected a real date between 1970 and 9999')
    .optional()
    .openapi({ param: { name: 'before', in: 'query' }, description: 'Only messages sent before this time (ISO 8601)' }),
  beforeId: z
    .uuid()
    .optional()
    .openapi({
      param: { name: 'beforeId', in: 'query' },
      description: 'Only messages older than this message: the exact cursor for the next page (pass the id of the last message received)',
    }),
});

const messagesPage = z
  .object({ messages: z.array(chatMessageSchema), hasMore: z.boolean() })
  .openapi('MessagesPage');

export const sendMessageBody = actionInputs.sendChat.extend({ participantId: participantIdField }).openapi('SendMessageRequest');

const listRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/messages',
  operationId: 'listMessages',
  tags: ['chat'],
  summary: 'Chat history, newest first, one page at a time',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, query: listMessagesQuery },
  responses: {
    200: { description: 'A page of messages', content: jsonContent(messagesPage) },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

const sendRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/messages',
  operationId: 'sendMessage',
  tags: ['chat'],
  summary: 'Send a chat message to the room',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, headers: idempotencyHeaders, body: { required: true, content: jsonContent(sendMessageBody) } },
  responses: {
    201: { description: 'Stored and broadcast (or, for a repeated clientMessageId, the first message)', content: jsonContent(z.object({ message: chatMessageSchema })) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 422, 429, 503),
  },
});

export const messages = new OpenAPIHono()
  .openapi(listRoute, async (c) => {
    const { limit, before, beforeId } = c.req.valid('query');
    const { db } = c.get('deps').database;
    const roomId = c.get('caller').room.id;
    if (before !== undefined && beforeId !== undefined) throw invalidQuery('beforeId', 'give before or beforeId, not both');
    // Times in answers stop at milliseconds while the database keeps microseconds, so `before` can skip
    // messages sent within the same millisecond as a page's last one; `beforeId` cannot.
    const page =
      beforeId === undefined
        ? await listMessages(db, roomId, { limit, before: before === undefined ? undefined : new Date(before) })
        : await listMessagesBefore(db, roomId, { limit, beforeId: beforeId.toLowerCase() });
    if (!page) throw invalidQuery('beforeId', 'no message of this room has this id');
    return c.json({ messages: page.messages.map(toChatMessageBody), hasMore: page.hasMore }, 200);
  })
  .openapi(sendRoute, async (c) => {
    const { participantId, ...input } = c.req.valid('json');
    assertSelf(c, participantId);
    const { message } = await c.get('deps').core.sendChat(actorOf(c), input);
    return c.json({ message }, 201);
  });

function invalidQuery(path: string, message: string): ApiError {
  const details = [{ path, message }];
  return new ApiError(400, 'validation_error', validationMessage(details), { details });
}
