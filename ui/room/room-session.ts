// Joins one room: fetches ICE servers, opens the socket, feeds the store and the rtc layer, and cleans up.
import { createEffect, createRoot, createSignal, onCleanup } from 'solid-js';
import type { ChatMessageBody } from '../../core/schemas.ts';
import { MAX_MESSAGES_PAGE } from '../../core/limits.ts';
import { api, ApiRequestError, type IceConfig } from '../api.ts';
import { mediaSupport, presentProblem, type MediaSupport } from '../rtc/support.ts';
import type { IceSettings } from '../rtc/peer.ts';
import { saveSession, type RoomSession } from '../session.ts';
import { createAttendeeMedia, type AttendeeMedia } from './attendee-media.ts';
import { createPresenterMedia, type PresenterMedia } from './presenter-media.ts';
import { connectRoomSocket, socketSfu, socketSignaling, socketTransport, type RoomSocket } from './room-socket.ts';
import { createPollStore, type PollStore } from './polls/poll-store.ts';
import { createRoomStore, type RoomStore } from './room-store.ts';

export interface RoomSessionValue extends RoomStore {
  session: RoomSession;
  support: MediaSupport;
  /** Present once the socket is up and the browser can present (presenter) or watch (attendee). */
  presenter: () => PresenterMedia | null;
  attendee: () => AttendeeMedia | null;
  polls: PollStore;
}

/** Must run inside a reactive owner (a component): everything it opens is closed with that owner. */
export function createRoomSession(slug: string, session: RoomSession): RoomSessionValue {
  let socket: RoomSocket | null = null;
  // Actions taken before the socket exists (a message typed during the first second) wait for it.
  let socketOpened: (socket: RoomSocket) => void = () => {};
  const opened = new Promise<RoomSocket>((resolve) => (socketOpened = resolve));
  const transport: Parameters<typeof createRoomStore>[1] = async (event, payload) => socketTransport(socket ?? (await opened))(event, payload);
  const store = createRoomStore(slug, transport, async (beforeId) => {
    const page = await api.messages(slug, session.token, { beforeId });
    return { messages: [...page.messages].reverse(), hasMore: page.hasMore };
  });
  const polls = createPollStore(transport);
  const support = mediaSupport();
  const [presenter, setPresenter] = createSignal<PresenterMedia | null>(null);
  const [attendee, setAttendee] = createSignal<AttendeeMedia | null>(null);
  let disposed = false;
  // Primitives created after an await have no owner: each gets its own root, disposed with the component.
  const cleanups: Array<() => void> = [];
  onCleanup(() => {
    disposed = true;
    socket?.disconnect();
    for (const cleanup of cleanups) cleanup();
  });
  // Removed or ended: the camera, microphone and every media connection close at once, not with the page.
  const mediaCleanups: Array<() => void> = [];
  cleanups.push(() => mediaCleanups.splice(0).forEach((cleanup) => cleanup()));
  createEffect(() => {
    if (store.state.connection !== 'removed' && store.state.connection !== 'ended') return;
    for (const cleanup of mediaCleanups.splice(0)) cleanup();
    setPresenter(null);
    setAttendee(null);
  });

  void (async () => {
    const first = await fetchIceConfig(slug, session.token);
    if (first === 'refused') {
      if (await signedOutOrEnded(slug, store)) store.events.connection('unauthorized');
      return;
    }
    if (disposed) return;
    const live = connectRoomSocket(session.token);
    socket = live;
    socketOpened(live);
    const signaling = socketSignaling(live);
    const sfu = socketSfu(live);
    let media: Promise<void> | undefined;
    /** Peer connections need the ICE configuration; someone who had left gets it once the join made them present. */
    const ensureMedia = () =>
      (media ??= (async () => {
        const fetched = first === 'left' ? await fetchIceConfig(slug, session.token) : first;
        const config = typeof fetched === 'object' ? fetched : null;
        if (config) {
          const { iceTransportPolicy, relay, hideAddresses, hideLanAddresses } = config;
          store.events.network({ iceTransportPolicy, relay, hideAddresses, hideLanAddresses });
          renewCredentials(config);
        }
        const over = store.state.connection === 'removed' || store.state.connection === 'ended';
        if (disposed || over) return;
        // Without an ICE server list, host candidates still connect peers on the same network.
        const ice: IceSettings = { iceServers: config?.iceServers ?? [], iceTransportPolicy: config?.iceTransportPolicy ?? 'all' };
        // A media-mode that arrived before the media existed applies now.
        if (session.role === 'presenter' && presentProblem(support) === null) {
          const created = withOwner(mediaCleanups, () => createPresenterMedia(store, signaling, sfu, ice));
          setPresenter(created);
          void created.start();
          if (store.state.media) created.mode(store.state.media);
        }
        // Watching needs WebRTC only: no camera, microphone or secure origin.
        if (session.role === 'attendee' && support.webrtc) {
          const created = withOwner(mediaCleanups, () => createAttendeeMedia(store, signaling, sfu, ice));
          setAttendee(created);
          if (store.state.media) created.mode(store.state.media);
        }
      })());
    /** TURN credentials expire; fresh ones come a few minutes before, for as long as the page is in the room. */
    let renewTimer: ReturnType<typeof setTimeout> | undefined;
    cleanups.push(() => clearTimeout(renewTimer));
    const renewCredentials = (config: IceConfig, retryInMs?: number) => {
      const expiresAt = credentialsExpireAt(config);
      if (expiresAt === null || disposed) return;
      renewTimer = setTimeout(async () => {
        const fresh = await fetchIceConfig(slug, session.token);
        if (disposed || fresh === 'refused' || fresh === 'left') return;
        // An unanswered request (a busy server, a network blip) is asked again soon, not given up on.
        if (fresh === null) return renewCredentials(config, RENEW_RETRY_MS);
        presenter()?.setIceServers(fresh.iceServers);
        attendee()?.setIceServers(fresh.iceServers);
        renewCredentials(fresh);
      }, retryInMs ?? Math.max(30_000, expiresAt - Date.now() - RENEW_BEFORE_EXPIRY_MS));
    };
    if (first !== 'left') void ensureMedia();
    bindSocket(live, slug, session, store, presenter, attendee, ensureMedia);
    bindPolls(live, slug, session, polls);
    // A phone that slept the tab may have lost the socket without noticing; coming back reconnects at once
    // (and the join that follows subscribes the media again) instead of waiting for the next backoff step.
    const onVisible = () => {
      const over = store.state.connection === 'ended' || store.state.connection === 'unauthorized';
      if (document.visibilityState === 'visible' && !live.connected && !over) live.connect();
    };
    document.addEventListener('visibilitychange', onVisible);
    cleanups.push(() => document.removeEventListener('visibilitychange', onVisible));
  })();

  return { ...store, session, support, presenter, attendee, polls };
}

const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;
const RENEW_RETRY_MS = 5_000;

/** When the TURN credentials expire (ms), from the `<unix seconds>:<participant>` username coturn checks too. */
export function credentialsExpireAt(config: Pick<IceConfig, 'iceServers'>): number | null {
  const expiries = config.iceServers
    .map((server) => Number(server.username?.split(':')[0]))
    .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
  return expiries.length ? Math.min(...expiries) * 1000 : null;
}

/**
 * The room's ICE configuration; `left` when this participant was away long enough to be marked gone (the
 * socket's join brings them back), `refused` when the token no longer works, null when the request failed.
 */
async function fetchIceConfig(slug: string, token: string): Promise<IceConfig | 'left' | 'refused' | null> {
  try {
    return await api.iceServers(slug, token);
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 'participant_left') return 'left';
    if (err instanceof ApiRequestError && (err.status === 401 || err.status === 403 || err.status === 410)) return 'refused';
    return null;
  }
}

/** A refused token means the room ended or the token is gone; tells which. Resolves true if the room is live. */
async function signedOutOrEnded(slug: string, store: RoomStore): Promise<boolean> {
  try {
    if ((await api.getRoom(slug)).isActive) return true;
    store.events.ended(null);
  } catch {
    store.events.connection('unauthorized');
  }
  return false;
}

const HISTORY_PAGE = MAX_MESSAGES_PAGE;
const MAX_HISTORY_PAGES = 10;

/**
 * The chat to show after a (re)join, newest first: the latest page on a first join; after a drop, pages back
 * until one holds a message this page already shows, so a busy room's missed messages all arrive (up to 1,000).
 */
/** Newest first: what the page missed (paging back until a message it shows), and whether older ones remain. */
async function missedMessages(slug: string, token: string, known: Set<string>): Promise<{ messages: ChatMessageBody[]; hasMore: boolean }> {
  if (known.size === 0) return api.messages(slug, token);
  const missed: ChatMessageBody[] = [];
  let beforeId: string | undefined;
  let more = false;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const { messages, hasMore } = await api.messages(slug, token, { limit: HISTORY_PAGE, beforeId });
    missed.push(...messages);
    more = hasMore;
    if (!hasMore || messages.length === 0 || messages.some((m) => known.has(m.id))) break;
    beforeId = messages.at(-1)!.id;
  }
  return { messages: missed, hasMore: more };
}

function withOwner<T>(cleanups: Array<() => void>, make: () => T): T {
  let dispose = () => {};
  const value = createRoot((d) => {
    dispose = d;
    return make();
  });
  cleanups.push(dispose);
  return value;
}

function bindSocket(
  socket: RoomSocket,
  slug: string,
  session: RoomSession,
  store: RoomStore,
  presenter: () => PresenterMedia | null,
  attendee: () => AttendeeMedia | null,
  ensureMedia: () => Promise<void>,
) {
  const { events } = store;
  let joinedBefore = false;

  socket.on('connect', async () => {
    if (socket.recovered) return events.connection('live');
    const result = await socketTransport(socket)('join-room', { slug });
    if (!result.ok) {
      if (result.error.code === 'room_ended') return events.ended(null);
      if (result.error.code === 'unauthorized' || result.error.code === 'forbidden') return events.connection('unauthorized');
      return events.connection('reconnecting');
    }
    events.joined(result);
    await ensureMedia();
    const hub = presenter()?.hub;
    if (hub) {
      // The store, not the snapshot: attendees who arrived while the ICE configuration loaded are there too.
      const attendees = new Set(store.state.participants.filter((p) => p.role === 'attendee').map((p) => p.id));
      for (const id of hub.attendees()) if (!attendees.has(id)) hub.removeAttendee(id);
      for (const id of attendees) if (!hub.attendees().includes(id)) hub.addAttendee(id);
      // Links that lived through the signaling outage may have lost candidates on the way.
      if (joinedBefore) hub.restartAll();
      // A reloaded console shares nothing yet, whatever the room remembers from before the reload.
      if (result.isScreenSharing && !presenter()?.sharing()) void store.actions.screenShare(false).catch(() => {});
    }
    attendee()?.joined(result.presenterId);
    joinedBefore = true;
    // Hosts see who waits outside; anyone else is refused, which says nothing new.
    if (session.role === 'presenter' || result.participants.some((p) => p.id === session.participantId && p.isCoHost)) {
      void store.actions.listLobby().catch(() => {});
    }
    try {
      const known = new Set(store.state.messages.map((m) => m.id));
      const [missed, questions] = await Promise.all([missedMessages(slug, session.token, known), api.questions(slug, session.token)]);
      events.history(missed.messages.reverse(), questions.questions, missed.hasMore);
    } catch {
      // History is a convenience: live events keep flowing without it.
    }
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'removed') {
      events.removed();
      socket.disconnect();
    } else if (err.message === 'unauthorized') {
      events.connection('unauthorized');
      socket.disconnect();
    } else events.connection('reconnecting');
  });
  socket.on('disconnect', async (reason) => {
    if (store.state.connection === 'ended' || store.state.connection === 'removed') return;
    events.connection('reconnecting');
    // The server drops a room's sockets when it ends; a missed room-ended still lands on the ended page.
    if (reason === 'io server disconnect') {
      if (await signedOutOrEnded(slug, store)) socket.connect();
    }
  });

  socket.on('participant-joined', ({ participant }) => {
    // The presenter's peer for a new attendee starts when that attendee's page says `peer-ready`.
    events.participantJoined(participant);
  });
  socket.on('participant-updated', ({ participant }) => events.participantUpdated(participant));
  // The presenter role moved: the new presenter's page becomes the host console, the old presenter's the attendee
  // room (as a co-host), and every other page starts over, its media now from the new presenter.
  socket.on('presenter-changed', ({ presenterId, previousPresenterId }) => {
    const role = presenterId === session.participantId ? 'presenter' : previousPresenterId === session.participantId ? 'attendee' : null;
    if (role) saveSession(slug, { ...session, role });
    if (role === null) window.location.reload();
    else window.location.assign(role === 'presenter' ? `/r/${slug}/host` : `/r/${slug}`);
  });
  socket.on('participant-left', ({ participantId }) => {
    events.participantLeft(participantId);
    presenter()?.hub.removeAttendee(participantId);
  });
  socket.on('new-chat-message', ({ message }) => events.chatMessage(message));
  socket.on('new-question', ({ question }) => events.newQuestion(question));
  socket.on('question-voted', ({ questionId, votes }) => events.questionVoted(questionId, votes));
  socket.on('question-answered', ({ questionId, answer, answeredAt }) => events.questionAnswered(questionId, answer, answeredAt));
  socket.on('question-pinned', ({ questionId, isPinned }) => events.questionPinned(questionId, isPinned));
  socket.on('presenter-screen-sharing', ({ isSharing }) => events.screenSharing(isSharing));
  socket.on('reaction', ({ emoji }) => events.reaction(emoji));
  socket.on('muted-by-presenter', () => {
    const media = attendee();
    if (media?.microphoneOn()) void media.microphoneOff();
    events.mutedByPresenter();
  });
  socket.on('room-ended', ({ sessionStats }) => events.ended(sessionStats));
  socket.on('question-for-hosts', ({ question }) => events.newQuestion(question));
  socket.on('question-dismissed', ({ questionId }) => events.questionDismissed(questionId));
  socket.on('question-highlighted', ({ questionId }) => events.questionHighlighted(questionId));
  socket.on('chat-message-deleted', ({ messageId }) => events.chatMessageDeleted(messageId));
  socket.on('room-options', ({ options }) => events.roomOptions(options));
  socket.on('lobby-updated', ({ waiting }) => events.lobbyUpdated(waiting));
  socket.on('room-live', ({ liveAt }) => events.roomLive(liveAt));
  socket.on('room-capacity', ({ maxParticipants }) => events.capacity(maxParticipants));
  socket.on('joins-refused', ({ refusedJoins }) => events.joinsRefused(refusedJoins));
  socket.on('your-question-answered', (answered) => events.ownQuestionAnswered(answered));
  socket.on('stage-invited', ({ by }) => events.stageInvited(by));
  socket.on('camera-stopped', () => void attendee()?.cameraOff());
  socket.on('removed', ({ banned }) => events.removed(banned));
  socket.on('media-mode', (body) => {
    events.mediaMode(body);
    presenter()?.mode(body);
    attendee()?.mode(body);
  });
  socket.on('sfu-renegotiate', () => {
    presenter()?.renegotiate();
    attendee()?.renegotiate();
  });
  socket.on('sfu-layer', ({ participantId, layer, reason }) => events.sfuLayer(participantId, layer, reason));

  socket.on('webrtc-offer', ({ from, offer }) => void (presenter()?.hub.handleDescription(from, offer) ?? attendee()?.description(from, offer)));
  socket.on('webrtc-answer', ({ from, answer }) => void (presenter()?.hub.handleDescription(from, answer) ?? attendee()?.description(from, answer)));
  socket.on('webrtc-ice-candidate', ({ from, candidate }) => void (presenter()?.hub.handleCandidate(from, candidate) ?? attendee()?.candidate(from, candidate)));
  socket.on('media-control', ({ from, action, reason, feeds }) => {
    presenter()?.hub.handleControl(from, action);
    attendee()?.control(from, action, reason, feeds);
  });
}

/**
 * Polls: live updates, and the room's polls (re)read on every join, so a reconnect misses nothing, and whenever
 * this participant's host role changes (a new co-host sees the drafts and the live results).
 */
function bindPolls(socket: RoomSocket, slug: string, session: RoomSession, polls: PollStore) {
  socket.on('poll-updated', ({ poll }) => polls.events.updated(poll));
  socket.on('poll-results', ({ pollId, results }) => polls.events.results(pollId, results));
  const load = async (replace = false) => {
    try {
      const { polls: list } = await api.polls(slug, session.token);
      if (replace) polls.events.replaced(list);
      else polls.events.loaded(list);
    } catch {
      // Like history: live events keep flowing without it.
    }
  };
  // A change of this participant's row may be a change of role: the polls are read again as the row now may see them.
  socket.on('participant-updated', ({ participant }) => {
    if (participant.id === session.participantId) void load(true);
  });
  socket.on('connect', () => load());
}
