// The one error type handlers throw; `app.onError` turns it (and everything else) into the JSON error shape.
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { transportErrorCodes } from '../core/errors.ts';

// The REST-only codes: sign-in and admission to a room, and what goes wrong with a request's body.
export const errorCodes = [
  ...transportErrorCodes,
  'invalid_json',
  'invalid_password',
  'room_not_found',
  'removed',
  'banned',
  'room_locked',
  'room_full',
  'participant_left',
  'waiting',
  'denied',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_key_reused',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(status, { message, cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** One readable line for people and UIs that show only the message; `details` keeps every issue apart. */
export function validationMessage(details: { path: string; message: string }[]): string {
  const issues = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
  return `The request is not valid: ${issues.join('; ')}`.slice(0, 500);
}
