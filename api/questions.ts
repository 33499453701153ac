// Q&A over REST: list, ask, vote and withdraw, and the presenter's answer and pin.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actionInputs } from '../core/actions.ts';
import { actorOf, assertSelf, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { questionSchema } from '../core/schemas.ts';
import {
  bearerSecurity,
  errorResponses,
  jsonContent,
  participantIdField,
  questionParams,
  slugParams,
} from './route-schemas.ts';
import { idempotencyHeaders } from './idempotency.ts';
import { toQuestionBody } from '../core/serialize.ts';

// The question's id travels in the path; the rest of each body is the core's own action schema.
export const askBody = actionInputs.ask.extend({ participantId: participantIdField }).openapi('AskRequest');
export const voteBody = z.object({ participantId: participantIdField }).openapi('VoteRequest');
export const answerBody = actionInputs.answer.omit({ questionId: true }).extend({ participantId: participantIdField }).openapi('AnswerRequest');
export const pinBody = actionInputs.pin.omit({ questionId: true }).extend({ participantId: participantIdField }).openapi('PinRequest');

const listRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/questions',
  operationId: 'listQuestions',
  tags: ['questions'],
  summary: 'Questions: pinned first, then most votes, then oldest (awaiting approval: hosts and the author only)',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'The room’s questions', content: jsonContent(z.object({ questions: z.array(questionSchema) }).openapi('QuestionList')) },
    ...errorResponses(401, 403, 404, 429),
  },
});

const askRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/questions',
  operationId: 'askQuestion',
  tags: ['questions'],
  summary: 'Ask a question',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, headers: idempotencyHeaders, body: { required: true, content: jsonContent(askBody) } },
  responses: {
    201: { description: 'Stored and broadcast (or, for a repeated clientQuestionId, the first question)', content: jsonContent(z.object({ questionId: z.uuid(), question: questionSchema }).openapi('AskResponse')) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 422, 429),
  },
});

const voteResponse = z.object({ votes: z.number().int() }).openapi('VoteResponse');

/** Casting (PUT) and withdrawing (DELETE) a vote differ only in direction. */
function voteRoute(method: 'put' | 'delete', operationId: string, summary: string) {
  return createRoute({
    method,
    operationId,
    path: '/rooms/{slug}/questions/{id}/vote',
    tags: ['questions'],
    summary,
    security: bearerSecurity,
    middleware: [requireParticipant(), emptyBodyAsEmptyObject()] as const,
    request: { params: questionParams, body: { required: false, content: jsonContent(voteBody) } },
    responses: {
      200: { description: 'The question’s vote count now', content: jsonContent(voteResponse) },
      ...errorResponses(400, 401, 403, 404, 410, 413, 415, 429),
    },
  });
}

const castVoteRoute = voteRoute('put', 'voteQuestion', 'Vote for a question; voting again changes nothing');
const unvoteRoute = voteRoute('delete', 'unvoteQuestion', 'Withdraw one’s vote; withdrawing again changes nothing');

const answerRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/answer',
  operationId: 'answerQuestion',
  tags: ['questions'],
  summary: 'Answer a question, or only mark it answered with no `answer` (presenter); the asker is told',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: questionParams, body: { required: true, content: jsonContent(answerBody) } },
  responses: {
    200: { description: 'Answered and broadcast', content: jsonContent(z.object({ success: z.literal(true), question: questionSchema }).openapi('AnswerResponse')) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 429),
  },
});

const pinRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/pin',
  operationId: 'pinQuestion',
  tags: ['questions'],
  summary: 'Pin or unpin a question (presenter)',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: questionParams, body: { required: true, content: jsonContent(pinBody) } },
  responses: {
    200: { description: 'Pinned or unpinned and broadcast', content: jsonContent(z.object({ success: z.literal(true), question: questionSchema }).openapi('PinResponse')) },
    ...errorResponses(400, 401, 403, 404, 410, 413, 415, 429),
  },
});

export const questions = new OpenAPIHono()
  .openapi(listRoute, async (c) => {
    return c.json({ questions: await c.get('deps').core.questionsFor(actorOf(c)) }, 200);
  })
  .openapi(askRoute, async (c) => {
    const { participantId, ...input } = c.req.valid('json');
    assertSelf(c, participantId);
    const question = await c.get('deps').core.ask(actorOf(c), input);
    return c.json({ questionId: question.id, question }, 201);
  })
  .openapi(castVoteRoute, async (c) => c.json({ votes: await vote(c, c.req.valid('param').id, c.req.valid('json').participantId, true) }, 200))
  .openapi(unvoteRoute, async (c) => c.json({ votes: await vote(c, c.req.valid('param').id, c.req.valid('json').participantId, false) }, 200))
  .openapi(answerRoute, async (c) => {
    const { participantId, answer } = c.req.valid('json');
    assertSelf(c, participantId);
    const question = await c.get('deps').core.answer(actorOf(c), { questionId: questionId(c.req.valid('param').id), answer });
    return c.json({ success: true as const, question }, 200);
  })
  .openapi(pinRoute, async (c) => {
    const { participantId, pinned } = c.req.valid('json');
    assertSelf(c, participantId);
    const question = await c.get('deps').core.pin(actorOf(c), { questionId: questionId(c.req.valid('param').id), pinned });
    return c.json({ success: true as const, question }, 200);
  });

async function vote(c: Context, rawId: string, participantId: string | undefined, up: boolean): Promise<number> {
  assertSelf(c, participantId);
  return c.get('deps').core.vote(actorOf(c), { questionId: questionId(rawId), up });
}

/** The path segment as the core expects it (which answers 404 for anything that is not a UUID). */
const questionId = (raw: string) => raw.toLowerCase();
