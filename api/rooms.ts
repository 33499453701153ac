// Rooms over REST: create one, read it, join it, end it.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { countCurrentParticipants, joinRoom, listCurrentParticipants, presenceTimeoutSeconds } from '../db/participants.ts';
import { createRoom } from '../db/rooms.ts';
import { actorOf, assertSelf, callerIfAny, participantIfToken, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { ApiError } from './errors.ts';
import { findRoom } from './find-room.ts';
import { publish } from './publish.ts';
import {
  participantSchema,
  roomPreviewSchema,
  roomSchema,
  sessionStatsSchema,
  text,
} from '../core/schemas.ts';
import {
  bearerSecurity,
  errorResponses,
  jsonContent,
  participantIdField,
  slugParams,
} from './route-schemas.ts';
import { idempotencyHeaders } from './idempotency.ts';
import { proxyTrusted } from '../core/client-address.ts';
import { toParticipantBody, toRoomBody, toRoomPreviewBody } from '../core/serialize.ts';
import { peerAddress } from './rate-limit.ts';
import { hashToken, newSlug, newToken } from '../core/tokens.ts';
import {
  DEFAULT_ROOM_SIZE,
  MAX_BROWSER_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_ROOM_DESCRIPTION_LENGTH,
  MAX_ROOM_SIZE,
  MAX_ROOM_TITLE_LENGTH,
  MAX_TIME_ZONE_LENGTH,
  MIN_BROWSER_KEY_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_ROOM_SIZE,
} from '../core/limits.ts';
import { isBanned, recordJoinOrigin } from '../db/moderation.ts';
import { clientAddress } from './rate-limit.ts';


export const createRoomBody = z
  .object({
    title: text(1, MAX_ROOM_TITLE_LENGTH),
    presenterName: text(1, MAX_NAME_LENGTH),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH)
      .max(MAX_PASSWORD_LENGTH)
      .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
      .optional(),
    maxParticipants: z.number().int().min(MIN_ROOM_SIZE).max(MAX_ROOM_SIZE).default(DEFAULT_ROOM_SIZE),
    hideAddresses: z.boolean().optional().openapi({
      description: 'Media only through the relay (TURN): no participant learns another’s IP address. Default: HIDE_ADDRESSES',
    }),
    hideLanAddresses: z.boolean().optional().openapi({
      description: 'Attendees’ private-range (LAN) addresses are kept from the presenter. Default: HIDE_LAN_ADDRESSES',
    }),
    settings: z
      .record(z.string(), z.unknown())
      // jsonb cannot store the NUL character either, in keys or in values.
      .refine((s) => !JSON.stringify(s).includes('\\u0000'), 'must not contain NUL characters')
      .default({}),
    lobby: z.boolean().optional().openapi({ description: 'New attendees wait until a host admits them (a room option, see PUT /rooms/{slug}/options)' }),
    startsAt: z.iso
      .datetime({ offset: true })
      .refine((s) => Math.abs(Date.parse(s) - Date.now()) <= MAX_SCHEDULE_AHEAD_MS, 'must be within a year from now')
      .optional()
      .openapi({ description: 'Schedules the room: attendees wait on its waiting page until the presenter goes live. ISO 8601 with an offset' }),
    timeZone: z
      .string()
      .max(MAX_TIME_ZONE_LENGTH)
      .refine(isTimeZone, 'must be an IANA time zone name, e.g. Europe/Paris')
      .optional()
      .openapi({ description: 'The IANA time zone the start is announced in (required with startsAt)', example: 'Europe/Paris' }),
    description: text(1, MAX_ROOM_DESCRIPTION_LENGTH).optional().openapi({ description: 'Shown on the waiting page and in the calendar event' }),
  })
  .refine((b) => (b.startsAt === undefined) === (b.timeZone === undefined), { message: 'startsAt and timeZone come together', path: ['timeZone'] })
  .openapi('CreateRoomRequest');

/** A start further than this from now, either way, is a mistake rather than a plan. */
const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;

/** Whether the runtime's time zone database knows the name (Intl refuses what it does not). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

const createRoomResponse = z
  .object({
    roomId: z.uuid(),
    slug: z.string(),
    joinUrl: z.url(),
    presenterToken: z.string().openapi({ description: 'Returned once; send it as `Authorization: Bearer <token>`' }),
    participantId: z.uuid(),
  })
  .openapi('CreateRoomResponse');

const roomDetailsResponse = z
  .object({
    room: roomPreviewSchema,
    isActive: z.boolean(),
    participants: z.array(participantSchema).optional().openapi({
      description: 'Who is present, names included: only for a participant of this room (their bearer token); never for a visitor',
    }),
  })
  .openapi('RoomDetails');

export const joinBody = z
  .object({
    name: text(1, MAX_NAME_LENGTH),
    password: z.string().max(MAX_PASSWORD_LENGTH).optional(),
    browserKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .min(MIN_BROWSER_KEY_LENGTH)
      .max(MAX_BROWSER_KEY_LENGTH)
      .optional()
      .openapi({ description: 'A random key the browser keeps; a ban then covers this browser as well as its address' }),
  })
  .openapi('JoinRequest');

const joinResponse = z
  .object({
    participantId: z.uuid(),
    token: z.string().openapi({ description: 'Returned once; send it as `Authorization: Bearer <token>`' }),
    roomDetails: roomSchema,
    waiting: z.boolean().openapi({
      description: 'The attendee waits outside the room (lobby, or not live yet): the token acts for nothing until a host admits them or the room goes live',
    }),
  })
  .openapi('JoinResponse');

export const endRoomBody = z.object({ participantId: participantIdField }).openapi('EndRoomRequest');

const endRoomResponse = z
  .object({ success: z.literal(true), sessionStats: sessionStatsSchema })
  .openapi('EndRoomResponse');

/** Wire types of the room routes, inferred from the schemas above; the UI, tests and benchmarks use these. */
export type CreateRoomRequest = z.input<typeof createRoomBody>;
export type CreatedRoomBody = z.infer<typeof createRoomResponse>;
export type RoomDetailsBody = z.infer<typeof roomDetailsResponse>;
export type JoinRequest = z.input<typeof joinBody>;
export type JoinedRoomBody = z.infer<typeof joinResponse>;

const createRoomRoute = createRoute({
  method: 'post',
  path: '/rooms',
  operationId: 'createRoom',
  tags: ['rooms'],
  summary: 'Create a room; the answer carries the presenter token, once',
  request: { headers: idempotencyHeaders, body: { required: true, content: jsonContent(createRoomBody) } },
  responses: {
    201: { description: 'Created', content: jsonContent(createRoomResponse) },
    ...errorResponses(400, 413, 415, 422, 429),
  },
});

const getRoomRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}',
  operationId: 'getRoom',
  tags: ['rooms'],
  summary: 'A room before joining (no names); with a participant token of this room, also who is in it now',
  description:
    'Without a token: what the join page needs (title, password or not, seats, live or ended) and no one\'s name. ' +
    'With `Authorization: Bearer <token>` of a participant of this room, the answer adds `participants`; a token of another ' +
    'room, or one that no longer works, is refused (401/403) rather than read as a visitor.',
  security: [{}, ...bearerSecurity],
  middleware: [participantIfToken()] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'The room', content: jsonContent(roomDetailsResponse) },
    ...errorResponses(401, 403, 404, 429),
  },
});

const joinRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/join',
  operationId: 'joinRoom',
  tags: ['rooms'],
  summary: 'Join a room as an attendee; the answer carries the participant token, once',
  request: { params: slugParams, headers: idempotencyHeaders, body: { required: true, content: jsonContent(joinBody) } },
  responses: {
    201: { description: 'Joined', content: jsonContent(joinResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 422, 429),
  },
});

const endRoomRoute = createRoute({
  method: 'delete',
  path: '/rooms/{slug}',
  operationId: 'endRoom',
  tags: ['rooms'],
  summary: 'End the room (presenter): writes its stats, disconnects everyone and forgets names',
  security: bearerSecurity,
  middleware: [requireParticipant({ allowEndedRoom: true }), emptyBodyAsEmptyObject()] as const,
  request: { params: slugParams, body: { required: false, content: jsonContent(endRoomBody) } },
  responses: {
    200: { description: 'Ended', content: jsonContent(endRoomResponse) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 429),
  },
});

const SLUG_ATTEMPTS = 3;

export const rooms = new OpenAPIHono()
  .openapi(createRoomRoute, async (c) => {
    const body = c.req.valid('json');
    const { database, passwords, config } = c.get('deps');
    const passwordHash = body.password === undefined ? null : await passwords.hash(body.password);
    for (let attempt = 1; ; attempt++) {
      const token = newToken();
      try {
        const { room, presenter } = await createRoom(database.db, {
          slug: newSlug(),
          title: body.title,
          presenterName: body.presenterName,
          passwordHash,
          maxParticipants: body.maxParticipants,
          settings: body.settings,
          hideAddresses: body.hideAddresses ?? config.HIDE_ADDRESSES,
          hideLanAddresses: body.hideLanAddresses ?? config.HIDE_LAN_ADDRESSES,
          presenterTokenHash: await hashToken(token),
          lobby: body.lobby ?? false,
          ...(body.startsAt !== undefined && body.timeZone !== undefined
            ? { schedule: { startsAt: new Date(body.startsAt), timeZone: body.timeZone } }
            : {}),
          ...(body.description === undefined ? {} : { description: body.description }),
        });
        await c.get('deps').core.webhooks.emit(room.id, 'room.created', { slug: room.slug, title: room.title, maxParticipants: room.maxParticipants });
        return c.json(
          { roomId: room.id, slug: room.slug, joinUrl: joinUrl(c, room.slug), presenterToken: token, participantId: presenter.id },
          201,
        );
      } catch (err) {
        // 60 random bits make a slug collision all but impossible; if one happens, draw again.
        if (attempt >= SLUG_ATTEMPTS || !isUniqueViolation(err)) throw err;
      }
    }
  })
  .openapi(getRoomRoute, async (c) => {
    const { db } = c.get('deps').database;
    const caller = callerIfAny(c);
    if (caller) {
      const present = await listCurrentParticipants(db, caller.room.id);
      const room = toRoomPreviewBody(caller.room, present.length);
      return c.json({ room, isActive: caller.room.isActive, participants: present.map(toParticipantBody) }, 200);
    }
    const room = await findRoom(db, c.req.valid('param').slug);
    if (!room) throw new ApiError(404, 'room_not_found', 'No room has this link');
    return c.json({ room: toRoomPreviewBody(room, await countCurrentParticipants(db, room.id)), isActive: room.isActive }, 200);
  })
  .openapi(joinRoute, async (c) => {
    const body = c.req.valid('json');
    const { database, passwords, passwordGuard } = c.get('deps');
    const room = await findRoom(database.db, c.req.valid('param').slug);
    if (!room) throw new ApiError(404, 'room_not_found', 'No room has this link');
    if (!room.isActive) throw new ApiError(410, 'room_ended', 'This room has ended');
    if (room.passwordHash !== null) {
      // Wrong guesses are counted per room, from every address together, so spreading them out buys nothing.
      const waitMs = await passwordGuard.waitMs(room.id);
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        c.header('Retry-After', String(seconds));
        throw new ApiError(429, 'rate_limited', `Too many wrong passwords for this room; try again in ${seconds} s`);
      }
      const ok = body.password !== undefined && (await passwords.verify(body.password, room.passwordHash));
      if (!ok) {
        await passwordGuard.wrongGuess(room.id);
        throw new ApiError(401, 'invalid_password', 'The room password is missing or wrong');
      }
    }
    // Ban and lock are checked before anything is written; hashed with the room's id, so they match nowhere else.
    const origin = await joinOrigin(c, room.id, body.browserKey);
    if (await isBanned(database.db, room.id, origin)) throw new ApiError(403, 'banned', 'You were removed from this room and cannot join it again');
    if (room.isLocked) throw new ApiError(403, 'room_locked', 'The room is locked: no new joins for now');
    const token = newToken();
    const joined = await joinRoom(database.db, {
      roomId: room.id,
      name: body.name,
      tokenHash: await hashToken(token),
      staleAfterSeconds: presenceTimeoutSeconds(c.get('deps').config.RECONNECT_GRACE_MS),
    });
    if (!joined.ok) {
      if (joined.reason === 'room_full') {
        // The hosts hear how many were turned away, so they know to raise the limit.
        await c.get('deps').core.joinRefused(room.id);
        throw new ApiError(409, 'room_full', `The room is full (${room.maxParticipants} participants); the presenter can raise the limit`);
      }
      throw new ApiError(410, 'room_ended', 'This room has ended');
    }
    await recordJoinOrigin(database.db, joined.participant.id, origin);
    // Hosts see who waits outside; the attendee's page waits on its socket until let in.
    if (joined.participant.admission === 'waiting') await c.get('deps').core.lobbyChanged(room.id);
    // Whoever vanished without a word (a crashed process, a join that never connected) just gave up a seat.
    for (const gone of joined.departed) publish(c, room.id, 'participant-left', { participantId: gone.id });
    // No participant-joined here: signaling announces the attendee when their socket arrives, which is
    // when the room can actually see and hear them; announcing now as well would say it twice.
    return c.json(
      { participantId: joined.participant.id, token, roomDetails: toRoomBody(room), waiting: joined.participant.admission === 'waiting' },
      201,
    );
  })
  .openapi(endRoomRoute, async (c) => {
    assertSelf(c, c.req.valid('json').participantId);
    const sessionStats = await c.get('deps').core.endRoom(actorOf(c));
    return c.json({ success: true as const, sessionStats }, 200);
  });

async function joinOrigin(c: Context, roomId: string, browserKey: string | undefined): Promise<{ address?: string; browserKey?: string }> {
  const address = clientAddress(c);
  return {
    ...(address === undefined ? {} : { address: await hashToken(`${roomId}:address:${address}`) }),
    ...(browserKey === undefined ? {} : { browserKey: await hashToken(`${roomId}:browser:${browserKey}`) }),
  };
}

/** Absolute link for attendees: PUBLIC_URL when set, else the origin this request came to. */
export function joinUrl(c: Context, slug: string): string {
  const { config } = c.get('deps');
  let origin = config.PUBLIC_URL?.replace(/\/+$/, '');
  if (!origin) {
    const url = new URL(c.req.url);
    const proxied = proxyTrusted(config.TRUST_PROXY, peerAddress(c, c.get('deps').clientIp));
    const proto = proxied ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() : undefined;
    const host = proxied ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
    origin = `${proto === 'http' || proto === 'https' ? proto : url.protocol.slice(0, -1)}://${host || url.host}`;
  }
  return `${origin}/r/${encodeURIComponent(slug)}`;
}

/** PostgreSQL's unique_violation, whether the driver error arrives bare or wrapped by Drizzle. */
function isUniqueViolation(err: unknown): boolean {
  let e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
