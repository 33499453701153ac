// Joins one room: fetches ICE servers, opens the socket, feeds the store and the rtc layer, and cleans up.
import { createRoot, createSignal, onCleanup } from 'solid-js';
import { api, ApiRequestError, type IceConfig } from '../api.ts';
import { mediaSupport, presentProblem, type MediaSupport } from '../rtc/support.ts';
import type { RoomSession } from '../session.ts';
import { createAttendeeMedia, type AttendeeMedia } from './attendee-media.ts';
import { createPresenterMedia, type PresenterMedia } from './presenter-media.ts';
import { connectRoomSocket, socketSfu, socketSignaling, socketTransport, type RoomSocket } from './room-socket.ts';
import { createRoomStore, type RoomStore } from './room-store.ts';

export interface RoomSessionValue extends RoomStore {
  session: RoomSession;
  support: MediaSupport;
  /** Present once the socket is up and the browser can present (presenter) or watch (attendee). */
  presenter: () => PresenterMedia | null;
  attendee: () => AttendeeMedia | null;
}

/** Must run inside a reactive owner (a component): everything it opens is closed with that owner. */
export function createRoomSession(slug: string, session: RoomSession): RoomSessionValue {
  let socket: RoomSocket | null = null;
  // Actions taken before the socket exists (a message typed during the first second) wait for it.
  let socketOpened: (socket: RoomSocket) => void = () => {};
  const opened = new Promise<RoomSocket>((resolve) => (socketOpened = resolve));
  const store = createRoomStore(
    slug,
    async (event, payload) => socketTransport(socket ?? (await opened))(event, payload),
    async (beforeId) => {
      const page = await api.messages(slug, session.token, { beforeId });
      return { messages: [...page.messages].reverse(), hasMore: page.hasMore };
    },
  );
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
        if (disposed) return;
        // Without an ICE server list, host candidates still connect peers on the same network.
        const ice = { iceServers: config?.iceServers ?? [], iceTransportPolicy: config?.iceTransportPolicy ?? 'all' } as const;
        // A media-mode that arrived before the media existed applies now.
        if (session.role === 'presenter' && presentProblem(support) === null) {
          const created = withOwner(cleanups, () => createPresenterMedia(store, signaling, sfu, ice));
          setPresenter(created);
          void created.start();
          if (store.state.media) created.mode(store.state.media);
        }
        // Watching needs WebRTC only: no camera, microphone or secure origin.
        if (session.role === 'attendee' && support.webrtc) {
          const created = withOwner(cleanups, () => createAttendeeMedia(store, signaling, sfu, ice));
          setAttendee(created);
          if (store.state.media) created.mode(store.state.media);
        }
      })());
    /** TURN credentials expire; fresh ones come a few minutes before, for as long as the page is in the room. */
    let renewTimer: ReturnType<typeof setTimeout> | undefined;
    cleanups.push(() => clearTimeout(renewTimer));
    const renewCredentials = (config: IceConfig) => {
      const expiresAt = credentialsExpireAt(config);
      if (expiresAt === null || disposed) return;
      renewTimer = setTimeout(async () => {
        const fresh = await fetchIceConfig(slug, session.token);
        if (typeof fresh !== 'object' || fresh === null || disposed) return;
        presenter()?.hub.setIceServers(fresh.iceServers);
        attendee()?.setIceServers(fresh.iceServers);
        renewCredentials(fresh);
      }, Math.max(30_000, expiresAt - Date.now() - RENEW_BEFORE_EXPIRY_MS));
    };
    if (first !== 'left') void ensureMedia();
    bindSocket(live, slug, session, store, presenter, attendee, ensureMedia);
    // A phone that slept the tab may have lost the socket without noticing; coming back reconnects at once
    // (and the join that follows subscribes the media again) instead of waiting for the next backoff step.
    const onVisible = () => {
      const over = store.state.connection === 'ended' || store.state.connection === 'unauthorized';
      if (document.visibilityState === 'visible' && !live.connected && !over) live.connect();
    };
    document.addEventListener('visibilitychange', onVisible);
    cleanups.push(() => document.removeEventListener('visibilitychange', onVisible));
  })();

  return { ...store, session, support, presenter, attendee };
}

const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

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
    try {
      const [messages, questions] = await Promise.all([api.messages(slug, session.token), api.questions(slug, session.token)]);
      events.history([...messages.messages].reverse(), questions.questions, messages.hasMore);
    } catch {
      // History is a convenience: live events keep flowing without it.
    }
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      events.connection('unauthorized');
      socket.disconnect();
    } else events.connection('reconnecting');
  });
  socket.on('disconnect', async (reason) => {
    if (store.state.connection === 'ended') return;
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
  socket.on('media-mode', (body) => {
    events.mediaMode(body);
    presenter()?.mode(body);
    attendee()?.mode(body);
  });
  socket.on('sfu-renegotiate', () => presenter()?.renegotiate());
  socket.on('sfu-layer', ({ participantId, layer, reason }) => events.sfuLayer(participantId, layer, reason));

  socket.on('webrtc-offer', ({ from, offer }) => void (presenter()?.hub.handleDescription(from, offer) ?? attendee()?.description(from, offer)));
  socket.on('webrtc-answer', ({ from, answer }) => void (presenter()?.hub.handleDescription(from, answer) ?? attendee()?.description(from, answer)));
  socket.on('webrtc-ice-candidate', ({ from, candidate }) => void (presenter()?.hub.handleCandidate(from, candidate) ?? attendee()?.candidate(from, candidate)));
  socket.on('media-control', ({ from, action, reason }) => {
    presenter()?.hub.handleControl(from, action);
    attendee()?.control(from, action, reason);
  });
}
