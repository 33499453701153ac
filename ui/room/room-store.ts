// One store per room: plain data fed by socket events, and the actions a participant can take on it.
import { batch } from 'solid-js';
import { createStore, produce, reconcile, type SetStoreFunction } from 'solid-js/store';
import type { ChatMessageBody, LobbyEntryBody, ParticipantBody, QuestionBody, RoomBody, SessionStatsBody } from '../../core/schemas.ts';
import type {
  AckResult,
  ClientToServerEvents,
  JoinRoomResult,
  MediaModeBody,
  ReactionEmoji,
  SelfBody,
  SfuLayerName,
  SfuLayerReason,
} from '../../signaling/protocol.ts';
import type { IceConfig } from '../api.ts';
import type { AttendeeLinkView } from '../rtc/presenter-hub.ts';
import type { PeerState } from '../rtc/peer.ts';
import type { LinkPath } from '../rtc/quality.ts';
import type { PauseReason } from '../rtc/signaling.ts';
import { describeIssues, issueFromSocketMessage } from '../lib/error-wording.ts';
import { randomId } from '../random-id.ts';
import { MAX_MESSAGES_PAGE } from '../../core/limits.ts';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'removed' | 'ended';

export interface Reaction {
  key: number;
  emoji: ReactionEmoji;
}

export interface RoomState {
  slug: string;
  connection: ConnectionStatus;
  room: RoomBody | null;
  self: SelfBody | null;
  presenterId: string | null;
  participants: ParticipantBody[];
  messages: ChatMessageBody[];
  /** The server holds messages older than the first one here ("Load earlier"). */
  hasEarlierMessages: boolean;
  questions: QuestionBody[];
  isScreenSharing: boolean;
  /** Presenter side: one entry per attendee link. */
  peers: Record<string, AttendeeLinkView>;
  /** Attendee side: the link toward the presenter; `unreachable` when no candidate pair succeeded in time. */
  link: { state: PeerState | 'idle'; videoPaused: PauseReason | null; unreachable: boolean; path: LinkPath | null };
  /** The room's network settings as the ICE servers answer told them: relay available, addresses hidden. */
  network: Omit<IceConfig, 'iceServers'> | null;
  /** Star or SFU, as the server last said; null before it did. */
  media: MediaModeBody | null;
  /** Presenter side: the SFU layer the server chose for each attendee, and why. */
  sfuLayers: Record<string, { layer: SfuLayerName; reason: SfuLayerReason }>;
  mutedByPresenter: boolean;
  /** A host invited this attendee to the stage (by whom); cleared by answering. */
  stageInvite: { by: string | null } | null;
  /** Removed by a host: banned from joining again from this browser or address, as far as this page was told. */
  banned: boolean;
  sessionStats: SessionStatsBody | null;
  reactions: Reaction[];
  /** Text for the polite live region: new chat messages and questions from others. */
  announcement: string;
  /** Hosts: who waits outside the room, first come first. */
  lobby: LobbyEntryBody[];
  /** Attendee: whether the stage's video shows moving pictures (see components/stage-view.tsx). */
  stageVideo: 'waiting' | 'playing' | 'stalled';
  /** Attendee: the last of their own questions a host answered, until read. */
  answeredQuestion: { questionId: string; question: string; answer: string | null } | null;
}

/** Whether this page's participant is a host now: the presenter or a co-host (co-hosts come and go). */
export function selfIsHost(state: Pick<RoomState, 'self' | 'participants'>, sessionRole?: SelfBody['role']): boolean {
  const self = state.self;
  if ((self?.role ?? sessionRole) === 'presenter') return true;
  return Boolean(self && state.participants.some((p) => p.id === self.participantId && p.isCoHost));
}

/** What the store needs from signaling: send one client event and get its ack. */
export type RoomTransport = <E extends keyof ClientToServerEvents>(
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
) => Promise<AckResult<AckPayload<E>>>;

type AckPayload<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends (result: AckResult<infer T>) => void ? T : never;

/** A refused action; a validation refusal's message is put in words for people (the server's stays in `serverMessage`). */
export class RoomActionError extends Error {
  override name = 'RoomActionError';
  constructor(
    readonly code: string,
    readonly serverMessage: string,
  ) {
    super(code === 'validation_error' ? describeIssues([issueFromSocketMessage(serverMessage)]) : serverMessage);
  }
}

/** Pinned first, then most votes, then oldest: the order every participant sees. */
export function compareQuestions(a: QuestionBody, b: QuestionBody): number {
  if (a.isPinned !== b.isPinned) return a.isPinned ? -1 : 1;
  if (a.votes !== b.votes) return b.votes - a.votes;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

const REACTION_LIMIT = 12;
let reactionKey = 0;

function initialRoomState(slug: string): RoomState {
  return {
    slug,
    connection: 'connecting',
    room: null,
    self: null,
    presenterId: null,
    participants: [],
    messages: [],
    hasEarlierMessages: false,
    questions: [],
    isScreenSharing: false,
    peers: {},
    link: { state: 'idle', videoPaused: null, unreachable: false, path: null },
    network: null,
    media: null,
    sfuLayers: {},
    mutedByPresenter: false,
    stageInvite: null,
    banned: false,
    sessionStats: null,
    reactions: [],
    announcement: '',
    lobby: [],
    answeredQuestion: null,
    stageVideo: 'waiting',
  };
}

export type RoomStore = ReturnType<typeof createRoomStore>;

/** A page of chat history older than the message `beforeId` (the REST API's cursor). */
export type EarlierMessages = (beforeId: string) => Promise<{ messages: ChatMessageBody[]; hasMore: boolean }>;

const byCreatedAt = (a: ChatMessageBody, b: ChatMessageBody) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);

type SetRoomState = SetStoreFunction<RoomState>;

/** One client event sent and its ack read: a refusal becomes a RoomActionError with the server's code. */
function makeSender(transport: RoomTransport) {
  return async function send<E extends keyof ClientToServerEvents>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]) {
    const result = await transport(event, payload);
    if (!result.ok) throw new RoomActionError(result.error.code, result.error.message);
    return result;
  };
}
type Send = ReturnType<typeof makeSender>;

/**
 * The chat a page keeps, however long the session runs: the newest CHAT_WINDOW messages while the reader follows the
 * conversation; "Load earlier" may raise that to CHAT_KEPT_MAX (plus its last page) while they read back, and
 * coming back to the newest (`followLatest`) trims it again. What is dropped stays on the server ("Load earlier").
 */
export const CHAT_WINDOW = 200;
export const CHAT_KEPT_MAX = 1000;

/** How chat messages and questions enter the store, whether a socket event or an action's answer brought them. */
function makeRoomContent(state: RoomState, setState: SetRoomState) {
  const isSelf = (participantId: string | null) => participantId !== null && participantId === state.self?.participantId;
  let kept = CHAT_WINDOW;

  /** Drops the oldest messages beyond what the page keeps; the server still has them. */
  const trimChat = () => {
    // Reading back, new messages are kept too, up to the hard bound.
    if (kept > CHAT_WINDOW) kept = Math.min(Math.max(kept, state.messages.length), CHAT_KEPT_MAX + MAX_MESSAGES_PAGE);
    const excess = state.messages.length - kept;
    if (excess <= 0) return;
    batch(() => {
      setState('messages', (list) => list.slice(excess));
      setState('hasEarlierMessages', true);
    });
  };

  const addMessage = (message: ChatMessageBody) => {
    if (message.messageType === 'reaction') return;
    if (state.messages.some((m) => m.id === message.id)) return;
    setState('messages', state.messages.length, message);
    trimChat();
    if (!isSelf(message.participantId) && message.messageType === 'chat') {
      setState('announcement', `${message.name ?? 'Someone'} says: ${message.message}`);
    }
  };

  const addQuestion = (question: QuestionBody) => {
    const known = state.questions.find((q) => q.id === question.id);
    if (known) {
      // Approval makes a question visible; a host's copy keeps the anonymous author's name.
      const keepName = question.isAnonymous && question.name === null && known.name !== null;
      setState('questions', (q) => q.id === question.id, keepName ? { ...question, name: known.name, participantId: known.participantId, votedByMe: known.votedByMe } : { ...question, votedByMe: known.votedByMe });
      return;
    }
    setState('questions', state.questions.length, { ...question, votedByMe: isSelf(question.participantId) ? question.votedByMe : false });
    if (!isSelf(question.participantId)) setState('announcement', `New question from ${question.name ?? 'someone'}: ${question.question}`);
  };

  const patchQuestion = (questionId: string, patch: Partial<QuestionBody>) =>
    setState('questions', (q) => q.id === questionId, patch);

  function mergeOlder(messages: ChatMessageBody[]) {
    const known = new Set(state.messages.map((m) => m.id));
    const older = messages.filter((m) => m.messageType !== 'reaction' && !known.has(m.id));
    if (older.length) setState('messages', (current) => [...older, ...current].sort(byCreatedAt));
  }

  /** The reader paged back: keep what they loaded (up to CHAT_KEPT_MAX and one page) until they follow again. */
  const keepLoaded = () => {
    kept = Math.min(Math.max(kept, state.messages.length), CHAT_KEPT_MAX + MAX_MESSAGES_PAGE);
  };
  const followLatest = () => {
    kept = CHAT_WINDOW;
    trimChat();
  };

  return { addMessage, addQuestion, patchQuestion, mergeOlder, trimChat, keepLoaded, followLatest };
}
type RoomContent = ReturnType<typeof makeRoomContent>;

/** What the room's socket events (and the rtc layer's reports) do to the store. */
function makeRoomEvents(state: RoomState, setState: SetRoomState, content: RoomContent) {
  const { addMessage, addQuestion, patchQuestion, mergeOlder } = content;
  return {
    joined(result: JoinRoomResult) {
      batch(() => {
        setState('room', result.room);
        setState('self', result.self);
        setState('presenterId', result.presenterId);
        setState('participants', reconcile(result.participants, { key: 'id' }));
        setState('isScreenSharing', result.isScreenSharing);
        setState('connection', 'live');
      });
    },
    history(messages: ChatMessageBody[], questions: QuestionBody[], hasMore = false) {
      batch(() => {
        mergeOlder(messages);
        // A reconnect's newest page must not hide older messages already loaded by "Load earlier".
        if (!state.hasEarlierMessages || !hasMore) setState('hasEarlierMessages', hasMore);
        content.trimChat();
        setState('questions', reconcile(questions, { key: 'id' }));
      });
    },
    /** A join snapshot can arrive after an update of the same participant; it never overwrites one. */
    participantJoined(participant: ParticipantBody) {
      if (!state.participants.some((p) => p.id === participant.id)) setState('participants', state.participants.length, participant);
    },
    participantUpdated(participant: ParticipantBody) {
      const index = state.participants.findIndex((p) => p.id === participant.id);
      if (index === -1) setState('participants', state.participants.length, participant);
      else setState('participants', index, reconcile(participant));
    },
    participantLeft(participantId: string) {
      setState('participants', (list) => list.filter((p) => p.id !== participantId));
      setState('peers', produce((peers) => void delete peers[participantId]));
    },
    chatMessage: addMessage,
    newQuestion: addQuestion,
    questionVoted(questionId: string, votes: number) {
      patchQuestion(questionId, { votes });
    },
    /** A null answer only marks the question answered; text it had stays. */
    questionAnswered(questionId: string, answer: string | null, answeredAt: string) {
      patchQuestion(questionId, { ...(answer === null ? {} : { answer }), answeredAt, isAnswered: true });
    },
    ownQuestionAnswered(answered: { questionId: string; question: string; answer: string | null }) {
      batch(() => {
        setState('answeredQuestion', answered);
        setState('announcement', `Your question was answered: ${answered.question}${answered.answer ? `. Answer: ${answered.answer}` : ''}`);
      });
    },
    stageVideo(stageVideo: RoomState['stageVideo']) {
      setState('stageVideo', stageVideo);
    },
    capacity(maxParticipants: number) {
      if (state.room) setState('room', 'maxParticipants', maxParticipants);
    },
    joinsRefused(refusedJoins: number) {
      if (state.room) setState('room', 'refusedJoins', refusedJoins);
    },
    questionPinned(questionId: string, isPinned: boolean) {
      patchQuestion(questionId, { isPinned });
    },
    screenSharing(isSharing: boolean) {
      setState('isScreenSharing', isSharing);
    },
    reaction(emoji: ReactionEmoji) {
      setState('reactions', (list) => [...list.slice(-(REACTION_LIMIT - 1)), { key: ++reactionKey, emoji }]);
    },
    reactionDone(key: number) {
      setState('reactions', (list) => list.filter((r) => r.key !== key));
    },
    mutedByPresenter() {
      setState('mutedByPresenter', true);
    },
    questionDismissed(questionId: string) {
      setState('questions', (list) => list.filter((q) => q.id !== questionId));
    },
    questionHighlighted(questionId: string | null) {
      if (state.room) setState('room', 'highlightedQuestionId', questionId);
    },
    chatMessageDeleted(messageId: string) {
      setState('messages', (list) => list.filter((m) => m.id !== messageId));
    },
    roomOptions(options: Pick<RoomBody, 'isLocked' | 'questionsNeedApproval' | 'attendeeChat' | 'attendeeMicrophones' | 'lobby'>) {
      if (state.room) setState('room', options);
    },
    lobbyUpdated(waiting: LobbyEntryBody[]) {
      setState('lobby', reconcile(waiting, { key: 'participantId' }));
    },
    roomLive(liveAt: string) {
      if (state.room) setState('room', 'liveAt', liveAt);
    },
    stageInvited(by: string | null) {
      setState('stageInvite', { by });
    },
    removed(banned = false) {
      batch(() => {
        if (banned) setState('banned', true);
        setState('connection', 'removed');
      });
    },
    ended(sessionStats: SessionStatsBody | null) {
      batch(() => {
        setState('sessionStats', sessionStats);
        setState('connection', 'ended');
      });
    },
    connection(status: ConnectionStatus) {
      if (state.connection !== 'ended' && state.connection !== 'removed') setState('connection', status);
    },
    peer(participantId: string, view: AttendeeLinkView | null) {
      if (view) setState('peers', participantId, reconcile(view));
      else setState('peers', produce((peers) => void delete peers[participantId]));
    },
    mediaMode(body: MediaModeBody) {
      setState('media', reconcile(body));
    },
    sfuLayer(participantId: string, layer: SfuLayerName, reason: SfuLayerReason) {
      setState('sfuLayers', participantId, { layer, reason });
    },
    link(patch: Partial<RoomState['link']>) {
      setState('link', patch);
    },
    network(network: RoomState['network']) {
      setState('network', network);
    },
  };

}
type RoomEvents = ReturnType<typeof makeRoomEvents>;

/** A participant's own actions in the room: chat, questions, reactions, media and the presenter's controls. */
function makeRoomActions(
  slug: string,
  state: RoomState,
  setState: SetRoomState,
  send: Send,
  events: RoomEvents,
  content: RoomContent,
  earlierMessages?: EarlierMessages,
) {
  const { addMessage, addQuestion, patchQuestion, mergeOlder, keepLoaded, followLatest } = content;
  /** The last ask not yet acknowledged, so that sending the same question again is a retry of it. */
  let unansweredAsk: { question: string; clientQuestionId: string } | null = null;
  return {
    /** One more page of history before the oldest message shown. */
    async loadEarlierMessages() {
      const oldest = state.messages[0];
      if (!earlierMessages || !oldest || state.messages.length >= CHAT_KEPT_MAX) return;
      const page = await earlierMessages(oldest.id);
      batch(() => {
        mergeOlder(page.messages);
        keepLoaded();
        setState('hasEarlierMessages', page.hasMore);
      });
    },
    /** The reader is back at the newest message: the page keeps only the newest CHAT_WINDOW again. */
    followLatest,
    async sendChat(message: string) {
      const result = await send('chat-message', { roomSlug: slug, message, clientMessageId: randomId() });
      addMessage(result.message);
    },
    /**
     * One id per question: a failed ask (a timeout may still have stored it) sent again with the same text keeps its
     * id, so the server answers the first question instead of storing a second.
     */
    async ask(question: string, anonymous = false) {
      const clientQuestionId = unansweredAsk?.question === question ? unansweredAsk.clientQuestionId : randomId();
      unansweredAsk = { question, clientQuestionId };
      const result = await send('ask-question', { question, clientQuestionId, ...(anonymous ? { anonymous } : {}) });
      if (unansweredAsk?.clientQuestionId === clientQuestionId) unansweredAsk = null;
      addQuestion(result.question);
    },
    /** Optimistic: the count moves at once and rolls back if the server refuses. */
    async vote(questionId: string, up: boolean) {
      const question = state.questions.find((q) => q.id === questionId);
      if (!question || question.votedByMe === up) return;
      const before = { votes: question.votes, votedByMe: question.votedByMe };
      patchQuestion(questionId, { votes: before.votes + (up ? 1 : -1), votedByMe: up });
      try {
        const result = await send('vote-question', { questionId, up });
        patchQuestion(questionId, { votes: result.votes });
      } catch (err) {
        patchQuestion(questionId, before);
        throw err;
      }
    },
    async pin(questionId: string, pinned: boolean) {
      await send('pin-question', { questionId, pinned });
      patchQuestion(questionId, { isPinned: pinned });
    },
    /** Without text, the question is only marked answered. */
    async answer(questionId: string, answer?: string) {
      await send('answer-question', answer === undefined ? { questionId } : { questionId, answer });
      patchQuestion(questionId, { ...(answer === undefined ? {} : { answer }), isAnswered: true, answeredAt: new Date().toISOString() });
    },
    /** Leaves for good: the seat is free at once; the server closes this page's connection right after. */
    async leave() {
      await send('leave-room', {});
    },
    async setCapacity(maxParticipants: number) {
      events.capacity((await send('set-capacity', { maxParticipants })).maxParticipants);
    },
    acknowledgeAnswer() {
      setState('answeredQuestion', null);
    },
    async react(emoji: ReactionEmoji) {
      await send('reaction', { emoji });
    },
    async muteAll() {
      return (await send('mute-all-attendees', {})).muted;
    },
    async endRoom() {
      const result = await send('end-room', {});
      events.ended(result.sessionStats);
      return result.sessionStats;
    },
    async mediaState(audio: boolean, video: boolean) {
      await send('media-state', { audio, video });
    },
    /** Attendee on the star: what it receives, for the session report (over the SFU, sfu-stats carry it). */
    async receivedQuality(report: { decodeFps: number; lossPct: number; rttMs: number }) {
      await send('received-quality', report);
    },
    /** Attendee on the SFU: audio only (or video back, from the lowest layer up). */
    async sfuLayer(audioOnly: boolean) {
      return (await send('sfu-layer', { audioOnly })).layer;
    },
    async screenShare(on: boolean) {
      await (on ? send('screen-share-start', { roomSlug: slug }) : send('screen-share-stop', {}));
      setState('isScreenSharing', on);
    },
    acknowledgeMute() {
      setState('mutedByPresenter', false);
    },
  };
}

/** Moderation: each returns once the server accepted it; the room's broadcast updates the store. */
function makeModerationActions(setState: SetRoomState, send: Send, events: RoomEvents, { addQuestion }: RoomContent) {
  return {
    async raiseHand(raised: boolean) {
      events.participantUpdated((await send('raise-hand', { raised })).participant);
    },
    async setCoHost(participantId: string, coHost: boolean) {
      events.participantUpdated((await send('set-co-host', { participantId, coHost })).participant);
    },
    async inviteToStage(participantId: string) {
      events.participantUpdated((await send('stage-invite', { participantId })).participant);
    },
    async answerStageInvite(accept: boolean) {
      setState('stageInvite', null);
      events.participantUpdated((await send('stage-answer', { accept })).participant);
    },
    async leaveStage(participantId?: string) {
      events.participantUpdated((await send('stage-leave', participantId ? { participantId } : {})).participant);
    },
    async muteParticipant(participantId: string, muted: boolean) {
      events.participantUpdated((await send('mute-participant', { participantId, muted })).participant);
    },
    async stopCamera(participantId: string) {
      events.participantUpdated((await send('stop-camera', { participantId })).participant);
    },
    async removeParticipant(participantId: string, ban: boolean) {
      await send('remove-participant', { participantId, ban });
      events.participantLeft(participantId);
    },
    async setRoomOptions(options: Partial<Pick<RoomBody, 'isLocked' | 'questionsNeedApproval' | 'attendeeChat' | 'attendeeMicrophones' | 'lobby'>>) {
      events.roomOptions((await send('room-options', options)).options);
    },
    // The lobby and going live (hosts).
    async listLobby() {
      events.lobbyUpdated((await send('list-lobby', {})).waiting);
    },
    async admit(participantId: string, coHost = false) {
      await send('admit-participant', { participantId, coHost });
      setState('lobby', (list) => list.filter((w) => w.participantId !== participantId));
    },
    async deny(participantId: string) {
      await send('deny-participant', { participantId });
      setState('lobby', (list) => list.filter((w) => w.participantId !== participantId));
    },
    async admitAll() {
      return (await send('admit-all', {})).admitted;
    },
    async goLive() {
      const { room } = await send('go-live', {});
      events.roomLive(room.liveAt ?? new Date().toISOString());
    },
    async approveQuestion(questionId: string) {
      addQuestion((await send('approve-question', { questionId })).question);
    },
    async dismissQuestion(questionId: string) {
      await send('dismiss-question', { questionId });
      events.questionDismissed(questionId);
    },
    async highlightQuestion(questionId: string | null) {
      await send('highlight-question', { questionId });
      events.questionHighlighted(questionId);
    },
    /** Presenter: the presenter role to a co-host (the pages then switch; see room-session.ts). */
    async handOverPresenter(participantId: string) {
      await send('hand-over-presenter', { participantId });
    },
    /** Co-host: take over presenting while the presenter is away past the reconnect grace. */
    async takeOverPresenting() {
      await send('take-over-presenting', {});
    },
    async deleteChatMessage(messageId: string) {
      await send('delete-chat-message', { messageId });
      events.chatMessageDeleted(messageId);
    },
  };

}

export function createRoomStore(slug: string, transport: RoomTransport, earlierMessages?: EarlierMessages) {
  const [state, setState] = createStore<RoomState>(initialRoomState(slug));
  const send = makeSender(transport);
  const content = makeRoomContent(state, setState);
  const events = makeRoomEvents(state, setState, content);
  const actions = {
    ...makeRoomActions(slug, state, setState, send, events, content, earlierMessages),
    ...makeModerationActions(setState, send, events, content),
  };
  return { state, events, actions };
}
