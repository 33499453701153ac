// Moderation over REST, for integrations: remove and ban, co-hosts, the stage, enforced mute, room options, the
// Q&A approval queue and chat deletion. Each route calls the same core action as its socket event.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { moderationInputs } from '../core/actions.ts';
import { messageNotFound, participantNotFound, questionNotFound } from '../core/errors.ts';
import { participantSchema, questionSchema } from '../core/schemas.ts';
import { actorOf, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { bearerSecurity, errorResponses, jsonContent, participantParams, questionParams, slugParams } from './route-schemas.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path segment that is not a UUID names nothing: 404 like any id the room does not have. */
function pathId(raw: string, notFound: () => Error): string {
  if (!UUID.test(raw)) throw notFound();
  return raw.toLowerCase();
}

const ok = z.object({ success: z.literal(true) }).openapi('Success');
const participantResponse = z.object({ participant: participantSchema }).openapi('ParticipantResponse');
const optionsResponse = z
  .object({
    options: z.object({ isLocked: z.boolean(), questionsNeedApproval: z.boolean(), attendeeChat: z.boolean(), attendeeMicrophones: z.boolean(), lobby: z.boolean() }),
  })
  .openapi('RoomOptionsResponse');

export const removeBody = moderationInputs.removeParticipant.omit({ participantId: true }).openapi('RemoveRequest');
export const coHostBody = moderationInputs.setCoHost.omit({ participantId: true }).openapi('CoHostRequest');
export const muteBody = moderationInputs.muteParticipant.omit({ participantId: true }).openapi('MuteRequest');
export const optionsBody = moderationInputs.setRoomOptions.openapi('RoomOptionsRequest');
export const highlightBody = moderationInputs.highlightQuestion.openapi('HighlightRequest');

const refusals = errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 429);

const base = {
  tags: ['moderation'],
  security: bearerSecurity,
  middleware: [requireParticipant(), emptyBodyAsEmptyObject()],
};
const body = <T extends z.ZodType>(schema: T, required = true) => ({ required, content: jsonContent(schema) });
const done = <T extends z.ZodType>(schema: T) => ({ 200: { description: 'Done and broadcast', content: jsonContent(schema) }, ...refusals });

const removeRoute = createRoute({
  ...base,
  operationId: 'removeParticipant',
  method: 'post',
  path: '/rooms/{slug}/participants/{id}/remove',
  summary: 'Remove an attendee (host; a co-host cannot remove a co-host); their token stops working at once',
  request: { params: participantParams, body: body(removeBody, false) },
  responses: done(ok),
});
const coHostRoute = createRoute({
  ...base,
  operationId: 'setCoHost',
  method: 'put',
  path: '/rooms/{slug}/participants/{id}/co-host',
  summary: 'Make an attendee a co-host, or no longer (presenter)',
  request: { params: participantParams, body: body(coHostBody) },
  responses: done(participantResponse),
});
const inviteRoute = createRoute({
  ...base,
  operationId: 'inviteToStage',
  method: 'post',
  path: '/rooms/{slug}/participants/{id}/stage-invite',
  summary: 'Invite an attendee to the stage (host); they accept or decline on their page',
  request: { params: participantParams },
  responses: done(participantResponse),
});
const sendBackRoute = createRoute({
  ...base,
  operationId: 'sendBackFromStage',
  method: 'post',
  path: '/rooms/{slug}/participants/{id}/stage-leave',
  summary: 'Send a speaker (or an invited attendee) back to the audience (host)',
  request: { params: participantParams },
  responses: done(participantResponse),
});
const muteRoute = createRoute({
  ...base,
  operationId: 'muteParticipant',
  method: 'post',
  path: '/rooms/{slug}/participants/{id}/mute',
  summary: 'Mute an attendee so that only a host can lift it (`muted: true`), or lift it (host)',
  request: { params: participantParams, body: body(muteBody) },
  responses: done(participantResponse),
});
const optionsRoute = createRoute({
  ...base,
  operationId: 'setRoomOptions',
  method: 'put',
  path: '/rooms/{slug}/options',
  summary: 'Lock the room, require approval of questions, turn attendee chat or microphones or the lobby on or off (host)',
  request: { params: slugParams, body: body(optionsBody) },
  responses: done(optionsResponse),
});
const approveRoute = createRoute({
  ...base,
  operationId: 'approveQuestion',
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/approve',
  summary: 'Approve a question awaiting approval; the room sees it then (host)',
  request: { params: questionParams },
  responses: done(z.object({ question: questionSchema }).openapi('ApproveResponse')),
});
const dismissRoute = createRoute({
  ...base,
  operationId: 'dismissQuestion',
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/dismiss',
  summary: 'Dismiss a question; nobody sees it any more (host)',
  request: { params: questionParams },
  responses: done(ok),
});
const highlightRoute = createRoute({
  ...base,
  operationId: 'highlightQuestion',
  method: 'put',
  path: '/rooms/{slug}/highlighted-question',
  summary: 'Mark the question being answered now, or none (host)',
  request: { params: slugParams, body: body(highlightBody) },
  responses: done(ok),
});
const deleteMessageRoute = createRoute({
  ...base,
  operationId: 'deleteMessage',
  method: 'delete',
  path: '/rooms/{slug}/messages/{id}',
  summary: 'Delete a chat message for everyone (host)',
  request: { params: participantParams },
  responses: done(ok),
});

const handOverRoute = createRoute({
  ...base,
  operationId: 'handOverPresenter',
  method: 'post',
  path: '/rooms/{slug}/participants/{id}/presenter',
  summary: 'Hand the presenter role to a co-host present now (presenter); the presenter becomes a co-host and every socket of the room reconnects',
  request: { params: participantParams },
  responses: done(participantResponse),
});
const takeOverRoute = createRoute({
  ...base,
  operationId: 'takeOverPresenting',
  method: 'post',
  path: '/rooms/{slug}/presenter/take-over',
  summary: 'Take over presenting while the presenter has been away longer than the reconnect grace (co-host); answers the new presenter',
  request: { params: slugParams },
  responses: done(participantResponse),
});

const core = (c: Context) => c.get('deps').core;
const participantOf = (c: Context) => pathId(c.req.param('id')!, participantNotFound);

export const moderation = new OpenAPIHono()
  .openapi(removeRoute, async (c) => {
    await core(c).removeParticipant(actorOf(c), { participantId: participantOf(c), ban: c.req.valid('json').ban });
    return c.json({ success: true as const }, 200);
  })
  .openapi(coHostRoute, async (c) => {
    const participant = await core(c).setCoHost(actorOf(c), { participantId: participantOf(c), coHost: c.req.valid('json').coHost });
    return c.json({ participant }, 200);
  })
  .openapi(inviteRoute, async (c) => c.json({ participant: await core(c).inviteToStage(actorOf(c), { participantId: participantOf(c) }) }, 200))
  .openapi(sendBackRoute, async (c) => c.json({ participant: await core(c).leaveStage(actorOf(c), { participantId: participantOf(c) }) }, 200))
  .openapi(muteRoute, async (c) => {
    const participant = await core(c).muteParticipant(actorOf(c), { participantId: participantOf(c), muted: c.req.valid('json').muted });
    return c.json({ participant }, 200);
  })
  .openapi(optionsRoute, async (c) => c.json({ options: await core(c).setRoomOptions(actorOf(c), c.req.valid('json')) }, 200))
  .openapi(approveRoute, async (c) => {
    const question = await core(c).approveQuestion(actorOf(c), { questionId: pathId(c.req.valid('param').id, questionNotFound) });
    return c.json({ question }, 200);
  })
  .openapi(dismissRoute, async (c) => {
    await core(c).dismissQuestion(actorOf(c), { questionId: pathId(c.req.valid('param').id, questionNotFound) });
    return c.json({ success: true as const }, 200);
  })
  .openapi(highlightRoute, async (c) => {
    await core(c).highlightQuestion(actorOf(c), c.req.valid('json'));
    return c.json({ success: true as const }, 200);
  })
  .openapi(deleteMessageRoute, async (c) => {
    await core(c).deleteChatMessage(actorOf(c), { messageId: pathId(c.req.valid('param').id, messageNotFound) });
    return c.json({ success: true as const }, 200);
  })
  .openapi(handOverRoute, async (c) => c.json({ participant: await core(c).handOverPresenter(actorOf(c), { participantId: participantOf(c) }) }, 200))
  .openapi(takeOverRoute, async (c) => c.json({ participant: await core(c).takeOverPresenting(actorOf(c), {}) }, 200));
