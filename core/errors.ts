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
] as const;
export type RoomErrorCode = (typeof roomErrorCodes)[number];

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
