import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ANSWER_LENGTH, MAX_CHAT_MESSAGE_LENGTH, MAX_QUESTION_LENGTH } from '../core/limits.ts';
import { listMessages } from '../db/chat.ts';
import { listQuestions } from '../db/questions.ts';
import { clientEventSchemas, MAX_SDP_BYTES, type ClientEvent } from './protocol.ts';
import { barrier, createTestRoom, joinAs, recordEvents, roomState, useSignaling, type TestClient } from './testing.ts';

// Budgets off: every refusal here must be the payload's, not the rate limiter's. One room and its two
// sockets serve every test of the file, so clients stay until the end.
const live = useSignaling({ RATE_LIMITS: 'off' }, {}, { keepClients: true });

/** A valid payload per event, from which near misses are made by breaking one field. */
function validPayloads(slug: string, presenterId: string, questionId: string): Record<ClientEvent, Record<string, unknown>> {
  return {
    'join-room': { slug },
    'webrtc-offer': { target: presenterId, offer: { type: 'offer', sdp: 'v=0' } },
    'webrtc-answer': { target: presenterId, answer: { type: 'answer', sdp: 'v=0' } },
    'webrtc-ice-candidate': { target: presenterId, candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } },
    'media-control': { target: presenterId, action: 'video-paused', reason: 'loss' },
    'chat-message': { roomSlug: slug, message: 'hello', clientMessageId: 'c1' },
    reaction: { emoji: '👍' },
    'ask-question': { question: 'why?' },
    'vote-question': { questionId, up: true },
    'answer-question': { questionId, answer: 'because' },
    'pin-question': { questionId, pinned: true },
    'screen-share-start': { roomSlug: slug },
    'screen-share-stop': {},
    'mute-all-attendees': {},
    'end-room': {},
    'media-state': { audio: true, video: false },
    'webrtc-report': { peerId: presenterId, outcome: 'connected', timeToConnectMs: 10, iceRestarts: 0 },
    'sfu-publish': { sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' },
    'sfu-subscribe': { feed: 1, speaker: presenterId },
    'sfu-answer': { sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', speaker: presenterId },
    'sfu-ice': { candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 }, speaker: presenterId },
    'sfu-stats': { lossPct: 0, rttMs: 20, availableKbps: 2000, decodeFps: 30 },
    'sfu-layer': { audioOnly: true },
    'sfu-upgrade': { reason: 'uplink' },
    'received-quality': { decodeFps: 30, lossPct: 0.5, rttMs: 20 },
    'create-poll': { question: 'Which?', options: ['A', 'B'], allowsMultiple: false, resultsVisible: false },
    'launch-poll': { pollId: questionId },
    'vote-poll': { pollId: questionId, choices: [0] },
    'close-poll': { pollId: questionId, shareResults: true },
    'raise-hand': { raised: true },
    'set-co-host': { participantId: presenterId, coHost: true },
    'stage-invite': { participantId: presenterId },
    'stage-answer': { accept: true },
    'stage-leave': { participantId: presenterId },
    'mute-participant': { participantId: presenterId, muted: true },
    'stop-camera': { participantId: presenterId },
    'hand-over-presenter': { participantId: presenterId },
    'take-over-presenting': {},
    'remove-participant': { participantId: presenterId, ban: true },
    'room-options': { isLocked: true, questionsNeedApproval: true, attendeeChat: false, attendeeMicrophones: true },
    'approve-question': { questionId },
    'dismiss-question': { questionId },
    'highlight-question': { questionId },
    'delete-chat-message': { messageId: questionId },
    'list-questions': {},
    'lobby-status': {},
    'list-lobby': {},
    'admit-participant': { participantId: presenterId, coHost: false },
    'admit-all': {},
    'deny-participant': { participantId: presenterId },
    'go-live': {},
    'leave-room': {},
    'set-capacity': { maxParticipants: 10 },
  };
}

/** Anything at all, or the valid payload with one field replaced by anything, kept only if the schema refuses it. */
function invalidPayload(event: ClientEvent, valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const nearMiss = keys.length
    ? fc.tuple(fc.constantFrom(...keys), fc.anything()).map(([key, value]) => ({ ...valid, [key]: value }))
    : fc.anything();
  // One field over the longest any field may be: the whole message stays under the socket's size cap
  // (MAX_SOCKET_MESSAGE_BYTES), past which the connection itself is closed (signaling/caps.test.ts).
  const tooLong = keys.length
    ? fc.constantFrom(...keys).map((key) => ({ ...valid, [key]: 'x'.repeat(MAX_SDP_BYTES + 1) }))
    : fc.constant({ field: 'x'.repeat(MAX_SDP_BYTES + 1) });
  return fc
    .oneof(fc.anything(), fc.object(), nearMiss, nearMiss, tooLong)
    .filter((payload) => !clientEventSchemas[event].safeParse(payload).success);
}

const events = Object.keys(clientEventSchemas) as ClientEvent[];

/**
 * Texts a person could send and some no person would: any code points (NUL, lone surrogates, control and
 * bidi characters, emoji), blank padding, up to a little past the limit; kept only if the schema accepts them.
 */
function acceptedText<E extends ClientEvent>(event: E, field: string, max: number, rest: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const padding = fc.constantFrom('', ' ', '\n', '\t', '\u00a0', '\u200b');
  const body = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: max + 2 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary-ascii', minLength: max - 2, maxLength: max + 1 }),
  );
  return fc
    .tuple(padding, body, padding)
    .map(([before, text, after]) => ({ ...rest, [field]: before + text + after }))
    .filter((payload) => clientEventSchemas[event].safeParse(payload).success);
}

describe('fuzzed payloads', () => {
  let fixture: {
    roomId: string;
    slug: string;
    presenterSocket: TestClient;
    attendeeSocket: TestClient;
    valid: Record<ClientEvent, Record<string, unknown>>;
  };

  beforeAll(async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee('Fuzz');
    const presenterSocket = (await joinAs(live.url, presenter, room.slug)).socket;
    const attendeeSocket = (await joinAs(live.url, attendee, room.slug)).socket;
    const asked = await attendeeSocket.emitWithAck('ask-question', { question: 'A question to vote on' });
    if (!asked.ok) throw new Error('could not ask');
    await Promise.all([presenterSocket, attendeeSocket].map(barrier));
    fixture = { roomId: room.id, slug: room.slug, presenterSocket, attendeeSocket, valid: validPayloads(room.slug, presenter.id, asked.question.id) };
  });

  it.each(events)('should answer validation_error to invalid %s payloads, store and broadcast nothing, and stay up', async (event) => {
    const { presenterSocket, attendeeSocket, roomId, valid } = fixture;
    const before = await roomState(live.db, roomId);
    const seen = [recordEvents(presenterSocket), recordEvents(attendeeSocket)];
    // The presenter sends, so role checks cannot mask a missing validation.
    await fc.assert(
      fc.asyncProperty(invalidPayload(event, valid[event]), async (payload) => {
        const result = await presenterSocket.emitWithAck(event, payload as never);
        expect(result).toEqual({ ok: false, error: { code: 'validation_error', message: expect.any(String) } });
      }),
      { numRuns: 40 },
    );
    await Promise.all([presenterSocket, attendeeSocket].map(barrier));
    expect(seen).toEqual([[], []]);
    expect(await roomState(live.db, roomId)).toEqual(before);
    expect(presenterSocket.connected && attendeeSocket.connected).toBe(true);
  });

  // The other half of the contract: what the schema lets through is stored and read back exactly as the
  // schema hands it on (trimmed and normalised by it, never altered afterwards), and the room hears the same.
  it('should store and read back exactly what the schema accepts in chat, questions and answers', async () => {
    const { presenterSocket, attendeeSocket, roomId, valid } = fixture;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(acceptedText('chat-message', 'message', MAX_CHAT_MESSAGE_LENGTH, { roomSlug: fixture.slug }), async (payload) => {
        const expected = clientEventSchemas['chat-message'].parse(payload).message;
        const result = await attendeeSocket.emitWithAck('chat-message', { ...payload, clientMessageId: `valid-${sent++}` } as never);
        if (!result.ok) throw new Error(`refused an accepted payload: ${JSON.stringify(result)}`);
        expect(result.message.message).toBe(expected);
        const stored = (await listMessages(live.db, roomId, { limit: 1000 })).messages.find((m) => m.id === result.message.id);
        expect(stored?.message).toBe(expected);
      }),
      { numRuns: 30 },
    );
    await fc.assert(
      fc.asyncProperty(acceptedText('ask-question', 'question', MAX_QUESTION_LENGTH, {}), async (payload) => {
        const expected = clientEventSchemas['ask-question'].parse(payload).question;
        const result = await attendeeSocket.emitWithAck('ask-question', payload as never);
        if (!result.ok) throw new Error(`refused an accepted payload: ${JSON.stringify(result)}`);
        expect(result.question.question).toBe(expected);
        const stored = (await listQuestions(live.db, roomId, null)).find((q) => q.id === result.question.id);
        expect(stored?.question).toBe(expected);
      }),
      { numRuns: 30 },
    );
    const questionId = (valid['answer-question'] as { questionId: string }).questionId;
    await fc.assert(
      fc.asyncProperty(acceptedText('answer-question', 'answer', MAX_ANSWER_LENGTH, { questionId }), async (payload) => {
        const expected = clientEventSchemas['answer-question'].parse(payload).answer;
        const result = await presenterSocket.emitWithAck('answer-question', payload as never);
        expect(result).toEqual({ ok: true });
        const stored = (await listQuestions(live.db, roomId, null)).find((q) => q.id === questionId);
        expect(stored?.answer).toBe(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('should survive events sent without an ack, with extra arguments, or with an ack in place of the payload', async () => {
    const { presenterSocket, attendeeSocket, roomId } = fixture;
    const before = await roomState(live.db, roomId);
    const send = (presenterSocket.emit as (...args: unknown[]) => void).bind(presenterSocket);
    const invalid = (payload: unknown, event: ClientEvent) => !clientEventSchemas[event].safeParse(payload).success;
    for (const [i, event] of events.entries()) {
      // Only payloads the schema refuses: `{}`-shaped events accept any object, and some no payload at all.
      if (invalid({ garbage: true }, event)) send(event, { garbage: true }, undefined);
      send(event, 1, 2, 3, 4);
      if (invalid(undefined, event)) send(event);
      // Under the socket's backlog (64 events waiting), which every event's three sends would exceed together.
      if (i % 10 === 9) await barrier(presenterSocket);
    }
    // An ack in place of the payload: the payload is then missing, which only some events allow.
    const ackOnly = await (presenterSocket.emitWithAck as (event: string) => Promise<unknown>)('chat-message');
    expect(ackOnly).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    await Promise.all([presenterSocket, attendeeSocket].map(barrier));
    expect(await roomState(live.db, roomId)).toEqual(before);
    expect(presenterSocket.connected).toBe(true);
  });
});
