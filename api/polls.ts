// Polls over REST: list, prepare, launch, vote and close; the poll core holds every rule.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { pollInputs, pollSchema } from '../core/polls.ts';
import { actorOf, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { bearerSecurity, errorResponses, jsonContent, pollParams, slugParams } from './route-schemas.ts';

export const createPollBody = pollInputs.create.openapi('CreatePollRequest');
export const votePollBody = pollInputs.vote.omit({ pollId: true }).openapi('VotePollRequest');
export const closePollBody = pollInputs.close.omit({ pollId: true }).openapi('ClosePollRequest');
const pollResponse = z.object({ poll: pollSchema }).openapi('PollResponse');

const listRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/polls',
  operationId: 'listPolls',
  tags: ['polls'],
  summary: 'The room’s polls: hosts see drafts and results; attendees see launched polls, and results once shared',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'Oldest first', content: jsonContent(z.object({ polls: z.array(pollSchema) }).openapi('PollList')) },
    ...errorResponses(401, 403, 404, 429),
  },
});

const createPollRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/polls',
  operationId: 'createPoll',
  tags: ['polls'],
  summary: 'Prepare a poll (presenter); it stays a draft, seen by hosts only, until launched',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, body: { required: true, content: jsonContent(createPollBody) } },
  responses: {
    201: { description: 'The draft', content: jsonContent(pollResponse) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 429),
  },
});

const launchRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/polls/{id}/launch',
  operationId: 'launchPoll',
  tags: ['polls'],
  summary: 'Open a draft poll for votes (presenter)',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: pollParams },
  responses: {
    200: { description: 'Open', content: jsonContent(pollResponse) },
    ...errorResponses(401, 403, 404, 409, 410, 429),
  },
});

const voteRoute = createRoute({
  method: 'put',
  path: '/rooms/{slug}/polls/{id}/vote',
  operationId: 'votePoll',
  tags: ['polls'],
  summary: 'Vote, or change one’s vote, while the poll is open; `choices` are option indexes',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: pollParams, body: { required: true, content: jsonContent(votePollBody) } },
  responses: {
    200: { description: 'The poll as the voter sees it, with `myChoices`', content: jsonContent(pollResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 429),
  },
});

const closeRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/polls/{id}/close',
  operationId: 'closePoll',
  tags: ['polls'],
  summary: 'Close an open poll (presenter) and, unless `shareResults` is false, show its results to everyone',
  security: bearerSecurity,
  middleware: [requireParticipant(), emptyBodyAsEmptyObject()] as const,
  request: { params: pollParams, body: { required: false, content: jsonContent(closePollBody) } },
  responses: {
    200: { description: 'Closed, with the final results', content: jsonContent(pollResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 429),
  },
});

const pollId = (raw: string) => raw.toLowerCase();

export const polls = new OpenAPIHono()
  .openapi(listRoute, async (c) => c.json({ polls: await c.get('deps').core.polls.list(actorOf(c)) }, 200))
  .openapi(createPollRoute, async (c) => c.json({ poll: await c.get('deps').core.polls.create(actorOf(c), c.req.valid('json')) }, 201))
  .openapi(launchRoute, async (c) =>
    c.json({ poll: await c.get('deps').core.polls.launch(actorOf(c), { pollId: pollId(c.req.valid('param').id) }) }, 200),
  )
  .openapi(voteRoute, async (c) =>
    c.json({ poll: await c.get('deps').core.polls.vote(actorOf(c), { pollId: pollId(c.req.valid('param').id), ...c.req.valid('json') }) }, 200),
  )
  .openapi(closeRoute, async (c) =>
    c.json(
      { poll: await c.get('deps').core.polls.close(actorOf(c), { pollId: pollId(c.req.valid('param').id), shareResults: c.req.valid('json')?.shareResults ?? true }) },
      200,
    ),
  );
