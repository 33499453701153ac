// Each field a page can send, refused by the server's own schemas, and the sentence a person reads for it.
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { createRoomBody, joinBody } from '../../api/rooms.ts';
import { clientEventSchemas } from '../../signaling/protocol.ts';
import { ApiRequestError, describeError } from '../api.ts';
import { RoomActionError } from '../room/room-store.ts';
import { describeIssues, FIELD_WORDING, fieldOf, issueFromSocketMessage, issueKind, UNKNOWN_FIELD_WORDING } from './error-wording.ts';

const room = { title: 'Talk', presenterName: 'Ada' };
const long = (n: number) => 'x'.repeat(n + 1);
const uuid = '00000000-0000-4000-8000-000000000000';

/** What the server answers: REST lists every issue as `{ path, message }`; a socket names the first as "path: message". */
function restDetails(schema: ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`accepted: ${JSON.stringify(input)}`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
function socketMessage(schema: ZodType, input: unknown) {
  const [first] = restDetails(schema, input);
  return `${first!.path || 'payload'}: ${first!.message}`;
}

const REST_CASES: Array<[string, ZodType, unknown, string]> = [
  ['empty title', createRoomBody, { ...room, title: '  ' }, 'Enter a title for your presentation.'],
  ['long title', createRoomBody, { ...room, title: long(200) }, 'Use a title of at most 200 characters.'],
  ['empty presenter name', createRoomBody, { ...room, presenterName: '' }, 'Enter your name.'],
  ['long presenter name', createRoomBody, { ...room, presenterName: long(100) }, 'Use a name of at most 100 characters.'],
  ['short password', createRoomBody, { ...room, password: 'abc' }, 'Use a password of at least 8 characters, or generate one.'],
  ['long password', createRoomBody, { ...room, password: long(128) }, 'Use a password of at most 128 characters.'],
  ['one participant', createRoomBody, { ...room, maxParticipants: 1 }, 'Allow at least 2 participants: you and one attendee.'],
  ['too many participants', createRoomBody, { ...room, maxParticipants: 501 }, 'A room holds at most 500 participants.'],
  ['a fraction of a participant', createRoomBody, { ...room, maxParticipants: 2.5 }, 'Enter a whole number of participants, from 2 to 500.'],
  ['long description', createRoomBody, { ...room, description: long(2000) }, 'Use a description of at most 2000 characters.'],
  ['start in two years', createRoomBody, { ...room, startsAt: new Date(Date.now() + 2 * 366 * 86_400_000).toISOString(), timeZone: 'UTC' }, 'Pick a start time within the next year.'],
  ['unknown time zone', createRoomBody, { ...room, timeZone: 'Mars/Olympus' }, 'Pick a time zone from the list.'],
  ['empty attendee name', joinBody, { name: ' ' }, 'Enter your name.'],
  ['long attendee name', joinBody, { name: long(100) }, 'Use a name of at most 100 characters.'],
  ['missing attendee name', joinBody, {}, 'Enter your name.'],
];

const SOCKET_CASES: Array<[string, ZodType, unknown, string]> = [
  ['empty chat message', clientEventSchemas['chat-message'], { roomSlug: 'abcdefgh', message: ' ', clientMessageId: 'm1' }, 'Write a message first.'],
  ['long chat message', clientEventSchemas['chat-message'], { roomSlug: 'abcdefgh', message: long(2000), clientMessageId: 'm1' }, 'Messages can be at most 2000 characters. Shorten it or send it in parts.'],
  ['empty question', clientEventSchemas['ask-question'], { question: '' }, 'Write your question first.'],
  ['long question', clientEventSchemas['ask-question'], { question: long(1000) }, 'Questions can be at most 1000 characters (polls: 300).'],
  ['empty answer', clientEventSchemas['answer-question'], { questionId: uuid, answer: ' ' }, 'Write an answer first.'],
  ['long answer', clientEventSchemas['answer-question'], { questionId: uuid, answer: long(2000) }, 'Answers can be at most 2000 characters.'],
  ['poll with one option', clientEventSchemas['create-poll'], { question: 'Tea?', options: ['Yes'] }, 'A poll needs at least 2 answer options.'],
  ['poll with an empty option', clientEventSchemas['create-poll'], { question: 'Tea?', options: ['Yes', ''] }, 'Fill in every answer option, or remove the empty ones.'],
  ['poll with eleven options', clientEventSchemas['create-poll'], { question: 'Tea?', options: Array.from({ length: 11 }, (_, i) => `o${i}`) }, 'A poll can have at most 10 answer options.'],
  ['poll without a question', clientEventSchemas['create-poll'], { question: '', options: ['a', 'b'] }, 'Write your question first.'],
  ['no payload at all', clientEventSchemas['ask-question'], 'not an object', UNKNOWN_FIELD_WORDING],
];

describe('validation errors in human words', () => {
  for (const [what, schema, input, sentence] of REST_CASES) {
    it(`says "${sentence}" for a REST ${what}`, () => {
      const details = restDetails(schema, input);
      const error = new ApiRequestError(400, 'validation_error', 'The request is not valid: …', details);
      expect(describeError(error)).toBe(sentence);
    });
  }
  for (const [what, schema, input, sentence] of SOCKET_CASES) {
    it(`says "${sentence}" for a socket's ${what}`, () => {
      const error = new RoomActionError('validation_error', socketMessage(schema, input));
      expect(error.message).toBe(sentence);
      expect(error.serverMessage).toMatch(/: /);
    });
  }

  it('never shows zod’s words, a field path or a comparison sign for any field in the table', () => {
    for (const [field, wording] of Object.entries(FIELD_WORDING)) {
      for (const sentence of Object.values(wording)) {
        expect(sentence, field).not.toMatch(/Too small|Too big|expected|>=|<=|Invalid input/);
        expect(sentence, field).toMatch(/^[A-Z].*[.)]$/);
      }
    }
  });

  it('lists each refused field once, in the order the server gave them', () => {
    const details = restDetails(createRoomBody, { title: '', presenterName: '', maxParticipants: 0 });
    expect(describeIssues(details)).toBe('Enter a title for your presentation. Enter your name. Allow at least 2 participants: you and one attendee.');
    expect(describeIssues([])).toBe(UNKNOWN_FIELD_WORDING);
  });

  it('reads the kind of problem and the field from the server’s text', () => {
    expect(issueKind('Too small: expected string to have >=1 characters')).toBe('missing');
    expect(issueKind('Too small: expected string to have >=8 characters')).toBe('too_short');
    expect(issueKind('Too big: expected number to be <=500')).toBe('too_big');
    expect(issueKind('Too small: expected array to have >=2 items')).toBe('too_few');
    expect(issueKind('Invalid input: expected string, received undefined')).toBe('missing');
    expect(issueKind('must be an IANA time zone name, e.g. Europe/Paris')).toBe('invalid');
    expect(fieldOf('options.3')).toBe('options');
    expect(fieldOf('')).toBe('');
    expect(issueFromSocketMessage('question: Too big: expected string to have <=1000 characters')).toEqual({
      path: 'question',
      message: 'Too big: expected string to have <=1000 characters',
    });
  });

  it('keeps other refusals as they were: a socket refusal that is not about validation reads as the server wrote it', () => {
    expect(new RoomActionError('forbidden', 'Only the presenter may do this').message).toBe('Only the presenter may do this');
    expect(describeError(new ApiRequestError(400, 'validation_error', 'x'))).toBe(UNKNOWN_FIELD_WORDING);
  });
});
