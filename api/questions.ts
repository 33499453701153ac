// Q&A over REST: list, ask, vote and withdraw, and the presenter's answer and pin.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { addQuestion, answerQuestion, findQuestion, listQuestions, pinQuestion, setVote } from '../db/questions.ts';
import { assertSelf, requireParticipant } from './auth.ts';
import { emptyBodyAsEmptyObject } from './body.ts';
import { ApiError } from './errors.ts';
import { publish } from './publish.ts';
import { questionSchema, text } from '../core/schemas.ts';
import {
  bearerSecurity,
  errorResponses,
  jsonContent,
  participantIdField,
  questionParams,
  slugParams,
} from './route-schemas.ts';
import { toQuestionBody } from '../core/serialize.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const askBody = z.object({ question: text(1, 1000), participantId: participantIdField }).openapi('AskRequest');
export const voteBody = z.object({ participantId: participantIdField }).openapi('VoteRequest');
export const answerBody = z.object({ answer: text(1, 2000), participantId: participantIdField }).openapi('AnswerRequest');
export const pinBody = z.object({ pinned: z.boolean(), participantId: participantIdField }).openapi('PinRequest');

const listRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/questions',
  tags: ['questions'],
  summary: 'Questions: pinned first, then most votes, then oldest',
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
  tags: ['questions'],
  summary: 'Ask a question',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, body: { required: true, content: jsonContent(askBody) } },
  responses: {
    201: { description: 'Stored and broadcast', content: jsonContent(z.object({ questionId: z.uuid(), question: questionSchema }).openapi('AskResponse')) },
    ...errorResponses(400, 401, 403, 404, 413, 415, 429),
  },
});

const voteResponse = z.object({ votes: z.number().int() }).openapi('VoteResponse');

/** Casting (PUT) and withdrawing (DELETE) a vote differ only in direction. */
function voteRoute(method: 'put' | 'delete', summary: string) {
  return createRoute({
    method,
    path: '/rooms/{slug}/questions/{id}/vote',
    tags: ['questions'],
    summary,
    security: bearerSecurity,
    middleware: [requireParticipant(), emptyBodyAsEmptyObject()] as const,
    request: { params: questionParams, body: { required: false, content: jsonContent(voteBody) } },
    responses: {
      200: { description: 'The question’s vote count now', content: jsonContent(voteResponse) },
      ...errorResponses(400, 401, 403, 404, 413, 415, 429),
    },
  });
}

const castVoteRoute = voteRoute('put', 'Vote for a question; voting again changes nothing');
const unvoteRoute = voteRoute('delete', 'Withdraw one’s vote; withdrawing again changes nothing');

const answerRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/answer',
  tags: ['questions'],
  summary: 'Answer a question (presenter)',
  security: bearerSecurity,
  middleware: [requireParticipant({ presenterOnly: true })] as const,
  request: { params: questionParams, body: { required: true, content: jsonContent(answerBody) } },
  responses: {
    200: { description: 'Answered and broadcast', content: jsonContent(z.object({ success: z.literal(true), question: questionSchema }).openapi('AnswerResponse')) },
    ...errorResponses(400, 401, 403, 404, 413, 415, 429),
  },
});

const pinRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/questions/{id}/pin',
  tags: ['questions'],
  summary: 'Pin or unpin a question (presenter)',
  security: bearerSecurity,
  middleware: [requireParticipant({ presenterOnly: true })] as const,
  request: { params: questionParams, body: { required: true, content: jsonContent(pinBody) } },
  responses: {
    200: { description: 'Pinned or unpinned and broadcast', content: jsonContent(z.object({ success: z.literal(true), question: questionSchema }).openapi('PinResponse')) },
    ...errorResponses(400, 401, 403, 404, 413, 415, 429),
  },
});

export const questions = new OpenAPIHono()
  .openapi(listRoute, async (c) => {
    const { room, participant } = c.get('caller');
    const rows = await listQuestions(c.get('deps').database.db, room.id, participant.id);
    return c.json({ questions: rows.map(toQuestionBody) }, 200);
  })
  .openapi(askRoute, async (c) => {
    const body = c.req.valid('json');
    assertSelf(c, body.participantId);
    const { room, participant } = c.get('caller');
    const question = toQuestionBody(
      await addQuestion(c.get('deps').database.db, { roomId: room.id, participantId: participant.id, question: body.question }),
    );
    publish(c, room.id, 'new-question', { question });
    return c.json({ questionId: question.id, question }, 201);
  })
  .openapi(castVoteRoute, async (c) => c.json({ votes: await vote(c, c.req.valid('param').id, c.req.valid('json').participantId, true) }, 200))
  .openapi(unvoteRoute, async (c) => c.json({ votes: await vote(c, c.req.valid('param').id, c.req.valid('json').participantId, false) }, 200))
  .openapi(answerRoute, async (c) => {
    const body = c.req.valid('json');
    assertSelf(c, body.participantId);
    const { room } = c.get('caller');
    const id = questionId(c.req.valid('param').id);
    const answered = await answerQuestion(c.get('deps').database.db, room.id, id, body.answer);
    if (!answered) throw questionNotFound();
    const question = toQuestionBody(answered);
    publish(c, room.id, 'question-answered', { questionId: question.id, answer: body.answer, answeredAt: question.answeredAt! });
    return c.json({ success: true as const, question }, 200);
  })
  .openapi(pinRoute, async (c) => {
    const body = c.req.valid('json');
    assertSelf(c, body.participantId);
    const { room } = c.get('caller');
    const pinned = await pinQuestion(c.get('deps').database.db, room.id, questionId(c.req.valid('param').id), body.pinned);
    if (!pinned) throw questionNotFound();
    const question = toQuestionBody(pinned);
    publish(c, room.id, 'question-pinned', { questionId: question.id, isPinned: question.isPinned });
    return c.json({ success: true as const, question }, 200);
  });

async function vote(c: Context, rawId: string, participantId: string | undefined, up: boolean): Promise<number> {
  assertSelf(c, participantId);
  const { room, participant } = c.get('caller');
  const { db } = c.get('deps').database;
  const id = questionId(rawId);
  // Looked up within the caller's room, so a question of another room is simply not found.
  if (!(await findQuestion(db, room.id, id))) throw questionNotFound();
  const votes = await setVote(db, { questionId: id, participantId: participant.id, up });
  publish(c, room.id, 'question-voted', { questionId: id, votes });
  return votes;
}

/** Anything that is not a UUID cannot name a question; answering 404 spares the database a cast error. */
function questionId(raw: string): string {
  if (!UUID.test(raw)) throw questionNotFound();
  return raw.toLowerCase();
}

function questionNotFound(): ApiError {
  return new ApiError(404, 'question_not_found', 'No question with this id in this room');
}
