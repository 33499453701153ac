// REST-only schema pieces: the error body, OpenAPI helpers, and the path parameters routes share.
import { z } from '@hono/zod-openapi';
import { errorCodes } from './errors.ts';

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
  403: 'The token may not do this (`forbidden`), its holder was removed (`removed`), the room is locked (`room_locked`), the joiner is banned (`banned`), waits to be let in (`waiting`) or was turned away (`denied`)',
  404: 'No such room (`room_not_found`), question (`question_not_found`), poll (`poll_not_found`), participant present (`participant_not_found`) or chat message (`message_not_found`)',
  409: 'The room is full (`room_full`), the stage is full (`stage_full`), the poll is not open (`poll_not_open`), or the participant is not in the state the action needs (`conflict`)',
  410: 'The room has ended (`room_ended`)',
  413: 'The body is over 64 KB (`payload_too_large`)',
  415: 'The body is not JSON (`unsupported_media_type`)',
  422: 'The Idempotency-Key was already used for a different request (`idempotency_key_reused`)',
  429: 'Too many requests from this address (`rate_limited`); see Retry-After',
  503: 'The server is behind on storing messages (`busy`); nothing was stored, try again after Retry-After',
};

/** The error answers a route can give, for its OpenAPI description; every one has the same shape. */
export function errorResponses<S extends keyof typeof errorDescriptions & number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescriptions[status]!, content: { 'application/json': { schema: errorSchema } } }]),
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof errorSchema } } }>;
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

export const pollParams = slugParams.extend({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});

export const participantParams = slugParams.extend({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});
