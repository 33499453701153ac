// The lobby and going live over REST: hosts list, admit and deny who waits outside a room and take a scheduled room
// live; anyone with the link gets the calendar event. Each route calls the same core action as its socket event.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { lobbyInputs } from '../core/actions.ts';
import { toICalendar } from '../core/calendar.ts';
import { participantNotFound } from '../core/errors.ts';
import { lobbyEntrySchema, participantSchema, roomSchema } from '../core/schemas.ts';
import { actorOf, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { ApiError } from './errors.ts';
import { findRoom } from './find-room.ts';
import { bearerSecurity, errorResponses, jsonContent, participantParams, slugParams } from './route-schemas.ts';
import { joinUrl } from './rooms.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const admitBody = lobbyInputs.admitParticipant.omit({ participantId: true }).openapi('AdmitRequest');

const refusals = errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 429);
const base = {
  tags: ['lobby'],
  security: bearerSecurity,
  middleware: [requireParticipant(), emptyBodyAsEmptyObject()],
};

const listRoute = createRoute({
  ...base,
  operationId: 'listLobby',
  method: 'get',
  path: '/rooms/{slug}/lobby',
  summary: 'Who waits outside the room, first come first (host); the socket event `lobby-updated` tells the same live',
  request: { params: slugParams },
  responses: { 200: { description: 'The waiting list', content: jsonContent(z.object({ waiting: z.array(lobbyEntrySchema) }).openapi('LobbyResponse')) }, ...refusals },
});
const admitRoute = createRoute({
  ...base,
  operationId: 'admitParticipant',
  method: 'post',
  path: '/rooms/{slug}/lobby/{id}/admit',
  summary: 'Let a waiting attendee in (host; as a co-host, presenter only, which before "Go live" brings them to the green room)',
  request: { params: participantParams, body: { required: false, content: jsonContent(admitBody) } },
  responses: { 200: { description: 'Admitted', content: jsonContent(z.object({ participant: participantSchema }).openapi('AdmitResponse')) }, ...refusals },
});
const admitAllRoute = createRoute({
  ...base,
  operationId: 'admitAll',
  method: 'post',
  path: '/rooms/{slug}/lobby/admit-all',
  summary: 'Let everyone waiting in (host, once the room is live)',
  request: { params: slugParams },
  responses: { 200: { description: 'Admitted', content: jsonContent(z.object({ admitted: z.number().int() }).openapi('AdmitAllResponse')) }, ...refusals },
});
const denyRoute = createRoute({
  ...base,
  operationId: 'denyParticipant',
  method: 'post',
  path: '/rooms/{slug}/lobby/{id}/deny',
  summary: 'Turn a waiting attendee away (host); their token stops working',
  request: { params: participantParams },
  responses: { 200: { description: 'Denied', content: jsonContent(z.object({ success: z.literal(true) })) }, ...refusals },
});
const goLiveRoute = createRoute({
  ...base,
  operationId: 'goLive',
  method: 'post',
  path: '/rooms/{slug}/live',
  summary: 'Take a scheduled room live (host): everyone waiting comes in, unless the lobby holds them for admission',
  request: { params: slugParams },
  responses: { 200: { description: 'Live', content: jsonContent(z.object({ room: roomSchema }).openapi('GoLiveResponse')) }, ...refusals },
});
const calendarRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/calendar.ics',
  operationId: 'getRoomCalendar',
  tags: ['rooms'],
  summary: 'A scheduled room as an iCalendar event (VEVENT with its start in UTC and the join link), for "Add to calendar"',
  request: { params: slugParams },
  responses: {
    200: { description: 'The event', content: { 'text/calendar': { schema: z.string() } } },
    ...errorResponses(404, 410, 429),
  },
});

const core = (c: Context) => c.get('deps').core;
/** A path segment that is not a UUID names nobody: 404 like any id the room does not have. */
function participantOf(c: Context): string {
  const raw = c.req.param('id')!;
  if (!UUID.test(raw)) throw participantNotFound();
  return raw.toLowerCase();
}

export const lobby = new OpenAPIHono()
  .openapi(listRoute, async (c) => c.json({ waiting: await core(c).listLobby(actorOf(c)) }, 200))
  .openapi(admitRoute, async (c) => {
    const participant = await core(c).admitParticipant(actorOf(c), { participantId: participantOf(c), coHost: c.req.valid('json').coHost });
    return c.json({ participant }, 200);
  })
  .openapi(admitAllRoute, async (c) => c.json({ admitted: await core(c).admitAll(actorOf(c)) }, 200))
  .openapi(denyRoute, async (c) => {
    await core(c).denyParticipant(actorOf(c), { participantId: participantOf(c) });
    return c.json({ success: true as const }, 200);
  })
  .openapi(goLiveRoute, async (c) => c.json({ room: await core(c).goLive(actorOf(c)) }, 200))
  .openapi(calendarRoute, async (c) => {
    const room = await findRoom(c.get('deps').database.db, c.req.valid('param').slug);
    if (!room) throw new ApiError(404, 'room_not_found', 'No room has this link');
    if (!room.isActive) throw new ApiError(410, 'room_ended', 'This room has ended');
    if (!room.startsAt) throw new ApiError(404, 'not_found', 'This room has no announced start');
    const url = joinUrl(c, room.slug);
    const body = toICalendar({
      uid: `${room.id}@${new URL(url).host}`,
      startsAt: room.startsAt,
      stamp: new Date(),
      summary: room.title,
      description: room.description,
      url,
    });
    return c.body(body, 200, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'Content-Disposition': `attachment; filename="${room.slug}.ics"`,
    });
  });
