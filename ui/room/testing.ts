// Test fixtures for the room store and the components over it: wire shapes and a transport that plays the server.
import type { QuestionBody, RoomBody } from '../../core/schemas.ts';
import type { AckResult } from '../../signaling/protocol.ts';
import type { RoomTransport } from './room-store.ts';

export const PRESENTER_ID = '00000000-0000-4000-8000-000000000001';
export const ATTENDEE_ID = '00000000-0000-4000-8000-000000000002';
export const OTHER_ID = '00000000-0000-4000-8000-000000000003';

export const roomBody: RoomBody = {
  slug: 'room-slug-1',
  title: 'Launch',
  presenterName: 'Ada',
  hasPassword: false,
  maxParticipants: 50,
  isActive: true,
  hideAddresses: false,
  hideLanAddresses: false,
  isLocked: false,
  questionsNeedApproval: false,
  attendeeChat: true,
  attendeeMicrophones: false,
  highlightedQuestionId: null,
  refusedJoins: 0,
  lobby: false,
  startsAt: null,
  timeZone: null,
  description: null,
  liveAt: '2026-01-01T10:00:00.000Z',
  createdAt: '2026-01-01T10:00:00.000Z',
  endedAt: null,
};

/** Moderation state of a participant who just joined: audience, no hand, no co-host, not locked. */
export const audienceState = { handRaisedAt: null, stage: 'audience', isCoHost: false, muteLocked: false } as const;

export function makeQuestion(id: string, patch: Partial<QuestionBody> = {}): QuestionBody {
  return {
    id,
    participantId: OTHER_ID,
    name: 'Grace',
    question: `Question ${id}`,
    votes: 0,
    isAnswered: false,
    isPinned: false,
    answer: null,
    answeredAt: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    votedByMe: false,
    status: 'visible',
    isAnonymous: false,
    ...patch,
  };
}

/** A transport answering each event with `answer`'s result and recording what was sent. */
export function answering(answer: (event: string, payload: unknown) => AckResult<object>) {
  const sent: Array<{ event: string; payload: unknown }> = [];
  const transport = (async (event: string, payload: unknown) => {
    sent.push({ event, payload });
    return answer(event, payload);
  }) as RoomTransport;
  return { transport, sent };
}
