// Refusals the room core throws; each transport maps the code to its own shape (HTTP status, socket ack).
export const roomErrorCodes = [
  'validation_error',
  'forbidden',
  'question_not_found',
  'room_ended',
  'rate_limited',
  'busy',
  'poll_not_found',
  'poll_not_open',
  'participant_not_found',
  'message_not_found',
  'stage_full',
  'conflict',
] as const;
export type RoomErrorCode = (typeof roomErrorCodes)[number];

/**
 * Refusals every transport answers on its own, outside the room core: no valid token, nothing by that name,
 * the database not answering, a fault. Each transport's list is the core's codes, these, then its own
 * (`api/errors.ts`, `signaling/protocol.ts`), so a code the core gains reaches both.
 */
export const transportErrorCodes = [...roomErrorCodes, 'unauthorized', 'not_found', 'unavailable', 'internal_error'] as const;

export class RoomError extends Error {
  override name = 'RoomError';
  constructor(
    readonly code: RoomErrorCode,
    message: string,
    /** For `busy` and `rate_limited`: when trying again is likely to succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const roomEnded = () => new RoomError('room_ended', 'This room has ended');
export const questionNotFound = () => new RoomError('question_not_found', 'No question with this id in this room');
export const presenterOnly = () => new RoomError('forbidden', 'Only the presenter may do this');
export const pollNotFound = () => new RoomError('poll_not_found', 'No poll with this id in this room');
export const pollNotOpen = () => new RoomError('poll_not_open', 'This poll is not open for votes');
export const hostOnly = () => new RoomError('forbidden', 'Only the presenter or a co-host may do this');
export const participantNotFound = () => new RoomError('participant_not_found', 'No such participant present in this room');
export const messageNotFound = () => new RoomError('message_not_found', 'No chat message with this id in this room');
