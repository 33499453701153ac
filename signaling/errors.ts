// Refusals a handler throws; the binder turns them into `{ ok: false, error }` acks with a code from the fixed list.
import type { AckError, SocketErrorCode } from './protocol.ts';

export class SignalingError extends Error {
  override name = 'SignalingError';
  constructor(
    readonly code: SocketErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function ackError(code: SocketErrorCode, message: string, retryAfterMs?: number): AckError {
  return { ok: false, error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs } };
}

export const forbidden = (message: string) => new SignalingError('forbidden', message);
