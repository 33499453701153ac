import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import type { ChatMessageBody, ParticipantBody } from '../../core/schemas.ts';
import type { JoinRoomResult } from '../../signaling/protocol.ts';
import { CHAT_KEPT_MAX, CHAT_WINDOW, compareQuestions, createRoomStore, RoomActionError, type RoomTransport } from './room-store.ts';
import { answering, ATTENDEE_ID, audienceState, makeQuestion, OTHER_ID, PRESENTER_ID, roomBody } from './testing.ts';

const participant = (id: string, role: ParticipantBody['role'], name: string): ParticipantBody => ({
  id,
  name,
  role,
  isMuted: true,
  isVideoOn: role === 'presenter',
  joinedAt: '2026-01-01T10:00:00.000Z',
  ...audienceState,
});

const message = (id: string, from: string, text: string, createdAt = '2026-01-01T10:00:00.000Z'): ChatMessageBody => ({
  id,
  participantId: from,
  name: from === ATTENDEE_ID ? 'Me' : 'Grace',
  message: text,
  messageType: 'chat',
  clientMessageId: null,
  createdAt,
});

const joinResult: JoinRoomResult = {
  self: { participantId: ATTENDEE_ID, role: 'attendee', name: 'Me' },
  room: roomBody,
  participants: [participant(PRESENTER_ID, 'presenter', 'Ada'), participant(ATTENDEE_ID, 'attendee', 'Me')],
  presenterId: PRESENTER_ID,
  isScreenSharing: false,
};

function withStore(transport: RoomTransport) {
  return createRoot((dispose) => ({ ...createRoomStore('room-slug-1', transport), dispose }));
}

describe('compareQuestions', () => {
  it('should order pinned first, then by votes, then oldest first', () => {
    const list = [
      makeQuestion('a', { votes: 5 }),
      makeQuestion('b', { isPinned: true, votes: 0 }),
      makeQuestion('c', { votes: 5, createdAt: '2026-01-01T09:00:00.000Z' }),
      makeQuestion('d', { votes: 9 }),
    ];
    expect([...list].sort(compareQuestions).map((q) => q.id)).toEqual(['b', 'd', 'c', 'a']);
  });
});

describe('createRoomStore', () => {
  it('should take the join snapshot and go live', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    expect(room.state.connection).toBe('live');
    expect(room.state.self?.participantId).toBe(ATTENDEE_ID);
    expect(room.state.participants.map((p) => p.id)).toEqual([PRESENTER_ID, ATTENDEE_ID]);
    room.dispose();
  });

  it('should add, update and remove participants by id', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    room.events.participantJoined(participant(OTHER_ID, 'attendee', 'Grace'));
    room.events.participantJoined(participant(OTHER_ID, 'attendee', 'Grace'));
    expect(room.state.participants).toHaveLength(3);
    room.events.participantUpdated({ ...participant(OTHER_ID, 'attendee', 'Grace'), isMuted: false });
    expect(room.state.participants.find((p) => p.id === OTHER_ID)?.isMuted).toBe(false);
    room.events.peer(OTHER_ID, { state: 'connected', rttMs: 4, outgoingKbps: 900, videoPaused: null, path: 'direct', unreachable: false });
    room.events.participantLeft(OTHER_ID);
    expect(room.state.participants.map((p) => p.id)).toEqual([PRESENTER_ID, ATTENDEE_ID]);
    expect(room.state.peers[OTHER_ID]).toBeUndefined();
    room.dispose();
  });

  it('should not let a late join snapshot undo a newer update of the same participant', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    room.events.participantUpdated({ ...participant(OTHER_ID, 'attendee', 'Grace'), isMuted: true });
    room.events.participantJoined({ ...participant(OTHER_ID, 'attendee', 'Grace'), isMuted: false });
    expect(room.state.participants.filter((p) => p.id === OTHER_ID)).toEqual([expect.objectContaining({ isMuted: true })]);
    room.dispose();
  });

  it('should keep one copy of a chat message and announce only messages from others', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    room.events.chatMessage(message('m1', ATTENDEE_ID, 'my words'));
    expect(room.state.announcement).toBe('');
    room.events.chatMessage(message('m2', OTHER_ID, 'hello all'));
    room.events.chatMessage(message('m2', OTHER_ID, 'hello all'));
    room.events.chatMessage({ ...message('m3', OTHER_ID, '👏'), messageType: 'reaction' });
    expect(room.state.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(room.state.announcement).toBe('Grace says: hello all');
    room.dispose();
  });

  it('should merge older history in time order without duplicating live messages', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    room.events.chatMessage(message('m3', OTHER_ID, 'live', '2026-01-01T10:05:00.000Z'));
    room.events.history(
      [message('m1', OTHER_ID, 'first', '2026-01-01T10:01:00.000Z'), message('m3', OTHER_ID, 'live', '2026-01-01T10:05:00.000Z')],
      [makeQuestion('q1', { votes: 2, votedByMe: true })],
    );
    expect(room.state.messages.map((m) => m.id)).toEqual(['m1', 'm3']);
    expect(room.state.questions[0]).toMatchObject({ id: 'q1', votedByMe: true });
    room.dispose();
  });

  it('should keep only the newest CHAT_WINDOW messages however many arrive (1,500 here), and more only while reading back', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 10) + i * 1000).toISOString();
    const all = Array.from({ length: 1500 }, (_, i) => message(`m${i}`, OTHER_ID, `message ${i}`, at(i)));
    const asked: string[] = [];
    const room = createRoot((dispose) => ({
      ...createRoomStore('room-slug-1', answering(() => ({ ok: true })).transport, async (beforeId) => {
        asked.push(beforeId);
        const end = all.findIndex((m) => m.id === beforeId);
        return { messages: all.slice(Math.max(0, end - 100), end), hasMore: end > 100 };
      }),
      dispose,
    }));
    room.events.joined(joinResult);
    for (const m of all) room.events.chatMessage(m);
    expect(room.state.messages).toHaveLength(CHAT_WINDOW);
    expect(room.state.messages[0]!.id).toBe(`m${1500 - CHAT_WINDOW}`);
    expect(room.state.messages.at(-1)!.id).toBe('m1499');
    expect(room.state.hasEarlierMessages).toBe(true);
    // Reading back keeps what was loaded, even as new messages arrive…
    await room.actions.loadEarlierMessages();
    expect(room.state.messages).toHaveLength(CHAT_WINDOW + 100);
    room.events.chatMessage(message('late', OTHER_ID, 'late', at(6000)));
    expect(room.state.messages[0]!.id).toBe(`m${1500 - CHAT_WINDOW - 100}`);
    expect(room.state.messages).toHaveLength(CHAT_WINDOW + 101);
    // …up to CHAT_KEPT_MAX and one page, where loading stops.
    for (let i = 0; i < 20; i++) await room.actions.loadEarlierMessages();
    expect(room.state.messages.length).toBeGreaterThanOrEqual(CHAT_KEPT_MAX);
    expect(room.state.messages.length).toBeLessThanOrEqual(CHAT_KEPT_MAX + 100);
    expect(asked.length).toBeLessThan(12);
    // Back at the newest message, the page lets the rest go.
    room.actions.followLatest();
    expect(room.state.messages).toHaveLength(CHAT_WINDOW);
    expect(room.state.messages.at(-1)!.id).toBe('late');
    // A reconnect's missed messages (up to 1,000) are trimmed the same way.
    room.events.history(all.slice(0, 1000), [], true);
    expect(room.state.messages).toHaveLength(CHAT_WINDOW);
    room.dispose();
  });

  it('should load earlier pages before the oldest message shown until the server has no more', async () => {
    const asked: string[] = [];
    const pages: Record<string, { messages: ChatMessageBody[]; hasMore: boolean }> = {
      m3: { messages: [message('m2', OTHER_ID, 'second', '2026-01-01T10:02:00.000Z')], hasMore: true },
      m2: { messages: [message('m1', OTHER_ID, 'first', '2026-01-01T10:01:00.000Z')], hasMore: false },
    };
    const room = createRoot((dispose) => ({
      ...createRoomStore('room-slug-1', answering(() => ({ ok: true })).transport, async (beforeId) => (asked.push(beforeId), pages[beforeId]!)),
      dispose,
    }));
    room.events.joined(joinResult);
    room.events.history([message('m3', OTHER_ID, 'third', '2026-01-01T10:03:00.000Z')], [], true);
    expect(room.state.hasEarlierMessages).toBe(true);
    await room.actions.loadEarlierMessages();
    expect(room.state.hasEarlierMessages).toBe(true);
    await room.actions.loadEarlierMessages();
    expect(asked).toEqual(['m3', 'm2']);
    expect(room.state.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(room.state.hasEarlierMessages).toBe(false);
    // A reconnect's newest page says there is more; what was loaded stays and the button comes back.
    room.events.history([message('m3', OTHER_ID, 'third', '2026-01-01T10:03:00.000Z')], [], true);
    expect(room.state.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    room.dispose();
  });

  it('should apply votes, answers and pins to the one question they name', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.joined(joinResult);
    room.events.newQuestion(makeQuestion('q1'));
    room.events.newQuestion(makeQuestion('q2'));
    const untouched = room.state.questions[1];
    room.events.questionVoted('q1', 4);
    room.events.questionAnswered('q1', 'Yes.', '2026-01-01T11:00:00.000Z');
    room.events.questionPinned('q1', true);
    expect(room.state.questions[0]).toMatchObject({ votes: 4, answer: 'Yes.', isAnswered: true, isPinned: true });
    expect(room.state.questions[1]).toBe(untouched);
    expect(room.state.announcement).toBe('New question from Grace: Question q2');
    room.dispose();
  });

  it('should move a vote at once and keep the count the server answers', async () => {
    const { transport, sent } = answering(() => ({ ok: true, votes: 7 }));
    const room = withStore(transport);
    room.events.joined(joinResult);
    room.events.newQuestion(makeQuestion('q1', { votes: 5 }));
    const pending = room.actions.vote('q1', true);
    expect(room.state.questions[0]).toMatchObject({ votes: 6, votedByMe: true });
    await pending;
    expect(room.state.questions[0]).toMatchObject({ votes: 7, votedByMe: true });
    expect(sent).toEqual([{ event: 'vote-question', payload: { questionId: 'q1', up: true } }]);
    await room.actions.vote('q1', true);
    expect(sent).toHaveLength(1);
    room.dispose();
  });

  it('should roll a vote back when the server refuses it', async () => {
    const room = withStore(answering(() => ({ ok: false, error: { code: 'room_ended', message: 'The room has ended' } })).transport);
    room.events.joined(joinResult);
    room.events.newQuestion(makeQuestion('q1', { votes: 5 }));
    await expect(room.actions.vote('q1', true)).rejects.toBeInstanceOf(RoomActionError);
    expect(room.state.questions[0]).toMatchObject({ votes: 5, votedByMe: false });
    room.dispose();
  });

  it('should send chat with a client message id and show the stored message once', async () => {
    const stored = message('m9', ATTENDEE_ID, 'sent by me');
    const { transport, sent } = answering(() => ({ ok: true, message: stored }));
    const room = withStore(transport);
    room.events.joined(joinResult);
    await room.actions.sendChat('sent by me');
    room.events.chatMessage(stored);
    expect(room.state.messages).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event: 'chat-message', payload: { roomSlug: 'room-slug-1', message: 'sent by me' } });
    expect((sent[0]!.payload as { clientMessageId: string }).clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
    room.dispose();
  });

  it('should ask again with the same client question id after a failed ask, and with a new one for a new question', async () => {
    let fail = true;
    const { transport, sent } = answering((_event, payload) => {
      if (fail) return { ok: false, error: { code: 'internal_error', message: 'The room did not answer in time.' } };
      return { ok: true, question: makeQuestion('q1', { question: (payload as { question: string }).question }) };
    });
    const room = withStore(transport);
    room.events.joined(joinResult);
    await expect(room.actions.ask('Why?')).rejects.toBeInstanceOf(RoomActionError);
    fail = false;
    await room.actions.ask('Why?');
    await room.actions.ask('And how?');
    const ids = sent.map((s) => (s.payload as { clientQuestionId: string }).clientQuestionId);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    room.dispose();
  });

  it('should end with the stats and ignore later connection changes', async () => {
    const stats = { maxConcurrentParticipants: 3, totalParticipants: 4, totalMessages: 2, totalQuestions: 1, sessionDurationMinutes: 12 };
    const room = withStore(answering(() => ({ ok: true, sessionStats: stats })).transport);
    room.events.joined(joinResult);
    await room.actions.endRoom();
    room.events.connection('reconnecting');
    expect(room.state.connection).toBe('ended');
    expect(room.state.sessionStats).toEqual(stats);
    room.dispose();
  });

  it('should raise and clear the muted-by-presenter notice', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    room.events.mutedByPresenter();
    expect(room.state.mutedByPresenter).toBe(true);
    room.actions.acknowledgeMute();
    expect(room.state.mutedByPresenter).toBe(false);
    room.dispose();
  });

  it('should keep only the latest reactions and drop each when its animation ends', () => {
    const room = withStore(answering(() => ({ ok: true })).transport);
    for (let i = 0; i < 20; i++) room.events.reaction('🎉');
    expect(room.state.reactions).toHaveLength(12);
    room.events.reactionDone(room.state.reactions[0]!.key);
    expect(room.state.reactions).toHaveLength(11);
    room.dispose();
  });
});
