// Bearer-token authentication: resolves the token to its participant, room and role once per request.
import type { Context, MiddlewareHandler } from 'hono';
import { admissionOf, findByTokenHash } from '../db/participants.ts';
import { ApiError } from './errors.ts';
import { findRoom } from './find-room.ts';
import type { Actor } from '../core/room.ts';
import type { Caller } from './context.ts';
import { hashToken } from '../core/tokens.ts';
import { MAX_TOKEN_LENGTH } from '../core/limits.ts';


export interface AuthOptions {
  /**
   * Lets the presenter of an ended room through, so that ending it again can answer 410 room_ended.
   * Every other route treats a token of an ended room as no longer valid (401).
   */
  allowEndedRoom?: boolean;
  /** Any participant of an ended room gets 410 room_ended rather than 401 (leaving a room that is over). */
  endedRoomGone?: boolean;
  /** The presenter's token keeps working on its own ended room (the session report, until it is deleted). */
  presenterAfterEnd?: boolean;
}

/**
 * Requires `Authorization: Bearer <token>` for a participant of the room named by the `:slug` path
 * parameter. The caller is stored as `c.get('caller')`; nothing in the body can change who they are.
 */
export function requireParticipant(options: AuthOptions = {}): MiddlewareHandler {
  return async function requireParticipant(c, next) {
    if (!bearerToken(c)) throw new ApiError(401, 'unauthorized', 'A bearer token is required: Authorization: Bearer <token>');
    const { db } = c.get('deps').database;
    const found = await tokenOwner(c);
    if (!found) throw new ApiError(401, 'unauthorized', 'The token is not valid');
    const slug = c.req.param('slug');
    const ownRoom = found.room.slug === slug;
    const role = found.participant.role;
    const keptForPresenter = ownRoom && options.presenterAfterEnd === true && role === 'presenter';
    if (!found.room.isActive && !keptForPresenter) {
      if (ownRoom && ((options.allowEndedRoom && role === 'presenter') || options.endedRoomGone)) {
        throw new ApiError(410, 'room_ended', 'This room has already ended');
      }
      throw new ApiError(401, 'unauthorized', 'The room of this token has ended; the token no longer works');
    }
    // A removed participant's token stops working everywhere at once: the row says so on every request.
    if (found.participant.removedAt) throw new ApiError(403, 'removed', 'You were removed from this room');
    if (!ownRoom) {
      // A live token of another room: say whether this room exists, as GET /rooms/:slug would anyway.
      const other = await findRoom(db, slug);
      if (!other) throw new ApiError(404, 'room_not_found', 'No room has this link');
      throw new ApiError(403, 'forbidden', 'This token belongs to another room');
    }
    // Membership is read from the row on every request: a waiting token acts for nothing until a host admits it.
    const admission = admissionOf(found.participant, found.room);
    if (admission === 'denied') throw new ApiError(403, 'denied', 'A host did not let you into this room');
    if (admission === 'waiting') throw new ApiError(403, 'waiting', 'You are waiting to be let into this room');
    if (admission === 'left') throw new ApiError(403, 'participant_left', 'You have left this room; join it again to take part');
    c.set('caller', { participant: found.participant, room: found.room, role });
    await next();
  };
}

/**
 * For reads open to visitors that show participants more: a request carrying a bearer token goes through
 * `requireParticipant` (a token of another room, or one that stopped working, is refused rather than read as a
 * visitor's); a request without one passes on as a visitor, with no `caller` set.
 */
export function participantIfToken(options: AuthOptions = {}): MiddlewareHandler {
  const participant = requireParticipant(options);
  return async function participantIfToken(c, next) {
    if (c.req.header('authorization') === undefined) return next();
    return participant(c, next);
  };
}

/** The authenticated caller, or undefined for a visitor let through by `participantIfToken`. */
export function callerIfAny(c: Context): Caller | undefined {
  return c.get('caller') as Caller | undefined;
}

/**
 * Whose bearer token the request carries, looked up once per request (the rate limit asks before the route
 * does); undefined without a token or with one that is not ours.
 */
export function tokenOwner(c: Context): Promise<TokenOwner | undefined> {
  let owner = c.get('tokenOwner');
  if (!owner) {
    const token = bearerToken(c);
    owner = token ? hashToken(token).then((hash) => findByTokenHash(c.get('deps').database.db, hash)) : Promise.resolve(undefined);
    c.set('tokenOwner', owner);
  }
  return owner;
}

export type TokenOwner = NonNullable<Awaited<ReturnType<typeof findByTokenHash>>>;

/** The room core's view of the caller. */
export function actorOf(c: Context): Actor {
  const { participant, room, role } = c.get('caller');
  return { participantId: participant.id, roomId: room.id, role, name: participant.name };
}

/** A `participantId` in a body is the spec's shape; it must name the caller, never someone else. */
export function assertSelf(c: Context, participantId: string | undefined): void {
  if (participantId !== undefined && participantId !== c.get('caller').participant.id) {
    throw new ApiError(403, 'forbidden', 'participantId does not match the token');
  }
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const token = match?.[1];
  return token && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}
