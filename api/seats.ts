// Seats over REST: an attendee leaves on purpose, the presenter changes the room's limit live. Each route calls the
// same core action as its socket event.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { seatInputs } from '../core/actions.ts';
import { actorOf, requireParticipant } from './auth.ts';
import { bearerSecurity, errorResponses, jsonContent, slugParams } from './route-schemas.ts';

export const capacityBody = seatInputs.setCapacity.openapi('CapacityRequest');
const capacityResponse = z.object({ maxParticipants: z.number().int() }).openapi('CapacityResponse');

const leaveRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/leave',
  operationId: 'leaveRoom',
  tags: ['rooms'],
  summary: 'Leave the room (attendee): the seat is free at once, the room hears participant-left, the token stops working',
  description: 'Leaving again answers 403 participant_left; leaving a room that has ended answers 410 room_ended.',
  security: bearerSecurity,
  middleware: [requireParticipant({ endedRoomGone: true })] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'Left', content: jsonContent(z.object({ success: z.literal(true) }).openapi('LeaveResponse')) },
    ...errorResponses(401, 403, 404, 409, 410, 413, 415, 429),
  },
});

const capacityRoute = createRoute({
  method: 'put',
  path: '/rooms/{slug}/capacity',
  operationId: 'setCapacity',
  tags: ['rooms'],
  summary: 'Set how many people the room holds, the presenter included (presenter); never below the seats held now',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, body: { required: true, content: jsonContent(capacityBody) } },
  responses: {
    200: { description: 'Set and broadcast (room-capacity)', content: jsonContent(capacityResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 422, 429),
  },
});

export const seats = new OpenAPIHono()
  .openapi(leaveRoute, async (c) => {
    await c.get('deps').core.leave(actorOf(c));
    return c.json({ success: true as const }, 200);
  })
  .openapi(capacityRoute, async (c) => c.json(await c.get('deps').core.setCapacity(actorOf(c), c.req.valid('json')), 200));
