// Each room's media mode (star or SFU), when it moves, and the sfu-* events that reach Janus through Podium.
import type { Config } from '../core/config.ts';
import { findParticipant } from '../db/participants.ts';
import { findRoomById } from '../db/rooms.ts';
import { markSfuUsed } from '../db/report.ts';
import { createQualityRecorder } from '../core/received-quality.ts';
import type { EventHandlers, HandlerDeps, SignalingSocket } from './context.ts';
import { forbidden, SignalingError } from './errors.ts';
import { RoomError } from '../core/errors.ts';
import { actorOf, requireLiveRoom, requirePresenter } from './guards.ts';
import { participantChannel, type MediaMode, type MediaModeBody, type MediaModeReason, type SfuLayerName, type SfuLayerReason } from './protocol.ts';
import { SfuError, type Sfu } from './sfu.ts';
import { initialLayerState, nextLayer, toSfuLayer, type LayerState } from './sfu-layers.ts';

export interface MediaOptions {
  /** The Janus client; absent when no Janus is configured or installed: every room is a star. */
  sfu?: Sfu;
  mode: Config['MEDIA_MODE'];
  starMaxAttendees: number;
  /** How often one attendee's received-quality report counts for the session report (tests shorten it). */
  qualitySampleMs?: number;
  onError: (err: unknown, context: Record<string, unknown>) => void;
}

type SfuEvent = 'sfu-publish' | 'sfu-subscribe' | 'sfu-answer' | 'sfu-ice' | 'sfu-stats' | 'sfu-layer' | 'sfu-upgrade' | 'received-quality';

interface RoomMedia {
  mode: MediaMode;
  reason: MediaModeReason | null;
  /** The socket that published the presenter's feed: a reload's new socket may publish before the old one leaves. */
  publisherSocket?: string;
  /** Per attendee: the socket holding its subscription, and its layer. */
  subscribers: Map<string, { socketId: string; layer: LayerState }>;
  /** Per speaker: the socket that published their feed. */
  speakerSockets: Map<string, string>;
  /** Per subscription to a speaker's feed (`subscriber>speaker`): the socket that holds it. */
  speakerSubscriptions: Map<string, { socketId: string; participantId: string; speaker: string }>;
}

export interface Media {
  handlers: EventHandlers<SfuEvent>;
  /** Tells the new socket the room's mode, and moves an auto room to the SFU when it outgrows the star. */
  connected(socket: SignalingSocket): void;
  /** Hangs up what the socket had on Janus; destroys the Janus room once the room ended or emptied. */
  disconnected(socket: SignalingSocket): void;
  /** The Janus room moved to another server (or a restarted one): everyone renegotiates. */
  roomMoved(roomId: string): void;
  /** The presenter's feed started or stopped reaching Janus. */
  feedChanged(roomId: string, feed: number | undefined): void;
  /** A speaker's feed started or stopped reaching Janus. */
  speakersChanged(roomId: string): void;
  /**
   * A participant's stage state may have changed (sent back, muted, camera off, removed): their publication, if
   * they have one, follows at once. A sweep catches the changes made elsewhere (REST, another process).
   */
  stageChanged(roomId: string, participantId: string): Promise<void>;
  close(): void;
  /** Resolves once every leave begun so far has spoken to Janus: a shutdown waits for it before Janus stops. */
  settled(): Promise<void>;
}

/** How often the speakers publishing through this process are checked against what the room allows them. */
const STAGE_SWEEP_MS = 1_000;

function sfuRefusal(err: unknown): unknown {
  if (!(err instanceof SfuError)) return err;
  switch (err.code) {
    case 'invalid_sdp':
      return new SignalingError('validation_error', err.message);
    case 'wrong_feed':
      return forbidden(err.message);
    case 'no_publisher':
    case 'no_connection':
      return new SignalingError('not_found', err.message);
    case 'unavailable':
      return new SignalingError('media_unavailable', err.message);
  }
}

export function createMedia({ db, io, core }: HandlerDeps, options: MediaOptions): Media {
  const { sfu } = options;
  const rooms = new Map<string, RoomMedia>();
  /** Leaves on their way to Janus (see `settled`). */
  const settling = new Set<Promise<void>>();
  const quality = createQualityRecorder(db, options.qualitySampleMs);
  const unlisten = sfu?.listen({
    roomMoved: (roomId) => media.roomMoved(roomId),
    feedChanged: (roomId, feed) => media.feedChanged(roomId, feed),
    speakersChanged: (roomId) => media.speakersChanged(roomId),
  });

  function roomOf(roomId: string): RoomMedia {
    let room = rooms.get(roomId);
    if (!room) {
      const sfuFromStart = options.mode === 'sfu' && sfu !== undefined;
      room = {
        mode: sfuFromStart ? 'sfu' : 'star',
        reason: sfuFromStart ? 'configured' : null,
        subscribers: new Map(),
        speakerSockets: new Map(),
        speakerSubscriptions: new Map(),
      };
      rooms.set(roomId, room);
    }
    return room;
  }

  function body(roomId: string): MediaModeBody {
    const room = roomOf(roomId);
    return {
      mode: room.mode,
      feed: room.mode === 'sfu' ? (sfu?.feedOf(roomId) ?? null) : null,
      reason: room.reason,
      sfuAvailable: sfu?.available ?? false,
      starMaxAttendees: options.starMaxAttendees,
      speakers: room.mode === 'sfu' ? (sfu?.liveSpeakers(roomId) ?? []) : [],
    };
  }

  /**
   * Tells the whole room (every process's sockets) its media, the speakers who publish through other processes
   * read from the shared store first, so no page is told a list that misses them.
   */
  function announce(roomId: string): void {
    void (sfu?.refreshSpeakers(roomId) ?? Promise.resolve())
      .catch((err: unknown) => options.onError(err, { step: 'media-mode', roomId }))
      .then(() => io.to(roomId).emit('media-mode', body(roomId)));
  }

  /** Moves the room to the SFU for good: a room that shrinks again stays there, so nobody renegotiates twice. */
  function moveToSfu(roomId: string, reason: MediaModeReason): boolean {
    const room = roomOf(roomId);
    if (room.mode === 'sfu') return true;
    if (options.mode !== 'auto' || !sfu?.available) return false;
    room.mode = 'sfu';
    room.reason = reason;
    markSfuUsed(db, roomId).catch((err: unknown) => options.onError(err, { step: 'sfu-used', roomId }));
    sfu.ensureRoom(roomId).then(
      () => announce(roomId),
      (err: unknown) => options.onError(err, { step: 'sfu-room', roomId }),
    );
    return true;
  }

  async function attendeesPresent(socket: SignalingSocket): Promise<number> {
    const ids = new Set<string>();
    if (socket.data.role === 'attendee') ids.add(socket.data.participantId);
    // SFU rooms live in one process (see docs/design.md), so its own sockets are all there is to count.
    for (const other of await io.local.in(socket.data.roomId).fetchSockets()) {
      if (other.data.role === 'attendee') ids.add(other.data.participantId);
    }
    return ids.size;
  }

  /**
   * Whether the room is on the SFU, as this process knows it or as the shared store says (the move may have
   * happened in another signaling process); a room found there is on the SFU here too from now on.
   */
  async function sync(roomId: string): Promise<boolean> {
    const room = roomOf(roomId);
    if (!sfu) return false;
    if (await sfu.refresh(roomId)) {
      if (room.mode !== 'sfu') {
        room.mode = 'sfu';
        room.reason ??= options.mode === 'sfu' ? 'configured' : 'attendees';
      }
    }
    return room.mode === 'sfu';
  }

  /** `fresh`: read the shared store even when this process already knows the room is on the SFU (its feed may be new). */
  async function requireSfuRoom(socket: SignalingSocket, fresh = false): Promise<Sfu> {
    if (!sfu) throw new SignalingError('media_unavailable', 'This server has no media server; the room stays a star');
    const known = roomOf(socket.data.roomId).mode === 'sfu' && !fresh;
    if (!known && !(await sync(socket.data.roomId))) throw forbidden('This room is in star mode');
    return sfu;
  }

  function requireAttendee(socket: SignalingSocket): void {
    if (socket.data.role !== 'attendee') throw forbidden('Only attendees subscribe; the presenter publishes');
  }

  /**
   * A subscription to a speaker's feed: the presenter and attendees alike, never the speaker to their own; none
   * named is the subscription to the presenter's feed, an attendee's alone.
   */
  function requireSubscriber(socket: SignalingSocket, speaker: string | undefined): void {
    if (speaker === undefined) return requireAttendee(socket);
    if (speaker === socket.data.participantId) throw forbidden('A speaker hears and sees themselves locally, not through the media server');
  }

  const speakerSubscriptionKey = (participantId: string, speaker: string) => `${participantId}>${speaker}`;

  const call = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      throw sfuRefusal(err);
    }
  };

  function tellPresenter(socket: SignalingSocket, layer: SfuLayerName, reason: SfuLayerReason) {
    io.to(participantChannel(socket.data.presenterId)).emit('sfu-layer', { participantId: socket.data.participantId, layer, reason });
  }

  /**
   * A speaker's publication follows what the room allows them now: gone once they are off the stage (or removed),
   * and Janus forwards their microphone only while a host has not muted them, their camera only while it is on.
   */
  async function enforceStage(roomId: string, participantId: string): Promise<void> {
    if (!sfu?.speakerFeeds(roomId).some((s) => s.participantId === participantId)) return;
    const actor = { roomId, participantId, role: 'attendee' as const, name: null };
    if (!(await core.mayPublish(actor))) return sfu.unpublishSpeaker(roomId, participantId);
    const row = await findParticipant(db, roomId, participantId);
    const audio = await core.mayUseMicrophone(actor).catch(() => false);
    await sfu.moderateSpeaker(roomId, participantId, { audio, video: row?.isVideoOn ?? false });
  }

  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping || !sfu) return;
    sweeping = true;
    const checks = [...rooms.keys()].flatMap((roomId) => sfu.speakerFeeds(roomId).map((s) => ({ roomId, participantId: s.participantId })));
    void Promise.all(
      checks.map(({ roomId, participantId }) =>
        enforceStage(roomId, participantId).catch((err: unknown) => options.onError(err, { step: 'sfu-stage', roomId })),
      ),
    ).finally(() => {
      sweeping = false;
    });
  }, STAGE_SWEEP_MS);
  sweep.unref();

  const handlers: EventHandlers<SfuEvent> = {
    async 'sfu-publish'(socket, { sdp }, ack) {
      const { roomId, participantId, role } = socket.data;
      // The presenter publishes; an attendee only while on stage (the database says so, not the page).
      if (role !== 'presenter' && !(await core.mayPublish(actorOf(socket)))) {
        throw forbidden('Only the presenter and speakers on stage publish');
      }
      await requireLiveRoom(db, socket);
      const janus = await requireSfuRoom(socket);
      if (role === 'presenter') {
        const published = await call(janus.publish(roomId, participantId, sdp));
        roomOf(roomId).publisherSocket = socket.id;
        ack({ ok: true, sdp: published.sdp });
        return;
      }
      const published = await call(janus.publishSpeaker(roomId, participantId, sdp));
      roomOf(roomId).speakerSockets.set(participantId, socket.id);
      // Muted or camera off before publishing: Janus holds back what is not allowed from the first packet.
      await enforceStage(roomId, participantId);
      ack({ ok: true, sdp: published.sdp });
    },

    async 'sfu-subscribe'(socket, { feed, speaker }, ack) {
      requireSubscriber(socket, speaker);
      await requireLiveRoom(db, socket);
      const janus = await requireSfuRoom(socket, true);
      const { roomId, participantId } = socket.data;
      const offer = await call(
        janus.subscribe(roomId, participantId, feed, speaker).catch((err: unknown) => {
          // A feed that is gone (a reload heard of late, a speaker sent back) or not live yet: the room's current
          // feeds, to try next (or to close the subscription to a speaker no longer there).
          if (err instanceof SfuError && (err.code === 'wrong_feed' || err.code === 'no_publisher')) socket.emit('media-mode', body(roomId));
          throw err;
        }),
      );
      if (speaker) roomOf(roomId).speakerSubscriptions.set(speakerSubscriptionKey(participantId, speaker), { socketId: socket.id, participantId, speaker });
      else roomOf(roomId).subscribers.set(participantId, { socketId: socket.id, layer: initialLayerState() });
      ack({ ok: true, sdp: offer.sdp });
    },

    async 'sfu-answer'(socket, { sdp, speaker }, ack) {
      requireSubscriber(socket, speaker);
      await requireLiveRoom(db, socket);
      const janus = await requireSfuRoom(socket);
      await call(janus.answer(socket.data.roomId, socket.data.participantId, sdp, speaker));
      ack({ ok: true });
    },

    async 'sfu-ice'(socket, { candidate, to, speaker }, ack) {
      const janus = await requireSfuRoom(socket);
      await call(janus.trickle(socket.data.roomId, socket.data.participantId, candidate, { to, speaker }));
      ack({ ok: true });
    },

    async 'sfu-stats'(socket, stats, ack) {
      requireAttendee(socket);
      await requireLiveRoom(db, socket);
      const janus = await requireSfuRoom(socket);
      const { roomId, participantId } = socket.data;
      const subscriber = roomOf(roomId).subscribers.get(participantId);
      if (!subscriber) throw new SignalingError('not_found', 'There is no subscription to report on');
      const { state, reason } = nextLayer(subscriber.layer, stats);
      if (reason) await call(janus.setLayer(roomId, participantId, toSfuLayer(state.layer)));
      subscriber.layer = state;
      ack({ ok: true, layer: state.layer });
      if (reason) tellPresenter(socket, state.layer, reason);
      // The same report, as what this attendee received, for the session report.
      await quality.record(socket.data, 'sfu', stats).catch((err: unknown) => {
        if (!(err instanceof RoomError)) options.onError(err, { event: 'sfu-stats', roomId });
      });
    },

    async 'received-quality'(socket, sample, ack) {
      requireAttendee(socket);
      // Over the SFU the attendee's sfu-stats count; a star report then would count the same viewing twice.
      if (roomOf(socket.data.roomId).mode !== 'star') throw new SignalingError('conflict', 'This room is on the media server: sfu-stats report its quality');
      ack({ ok: true, counted: await quality.record(socket.data, 'star', sample) });
    },

    async 'sfu-layer'(socket, { audioOnly }, ack) {
      requireAttendee(socket);
      await requireLiveRoom(db, socket);
      const janus = await requireSfuRoom(socket);
      const { roomId, participantId } = socket.data;
      const subscriber = roomOf(roomId).subscribers.get(participantId);
      if (!subscriber) throw new SignalingError('not_found', 'There is no subscription to configure');
      // Back from audio only, the lowest layer first: stats bring the rest back once the link proves it.
      const layer: SfuLayerName = audioOnly ? 'audio-only' : 'low';
      await call(janus.setLayer(roomId, participantId, toSfuLayer(layer)));
      subscriber.layer = { ...initialLayerState(), layer, audioOnlyRequested: audioOnly };
      ack({ ok: true, layer });
      tellPresenter(socket, layer, 'request');
    },

    async 'sfu-upgrade'(socket, { reason }, ack) {
      requirePresenter(socket);
      await requireLiveRoom(db, socket);
      moveToSfu(socket.data.roomId, reason);
      ack({ ok: true, mode: roomOf(socket.data.roomId).mode });
    },
  };

  async function settle(socket: SignalingSocket): Promise<void> {
    const { roomId, participantId, role } = socket.data;
    const room = rooms.get(roomId);
    if (!room || !sfu) return;
    if (role === 'presenter' && room.publisherSocket === socket.id) {
      room.publisherSocket = undefined;
      await sfu.leave(roomId, participantId);
    }
    if (role === 'attendee' && room.speakerSockets.get(participantId) === socket.id) {
      room.speakerSockets.delete(participantId);
      await sfu.unpublishSpeaker(roomId, participantId);
    }
    if (role === 'attendee' && room.subscribers.get(participantId)?.socketId === socket.id) {
      room.subscribers.delete(participantId);
      await sfu.leave(roomId, participantId);
    }
    for (const [key, held] of room.speakerSubscriptions) {
      if (held.socketId !== socket.id) continue;
      room.speakerSubscriptions.delete(key);
      await sfu.unsubscribe(roomId, held.participantId, held.speaker);
    }
    const ended = !(await findRoomById(db, roomId))?.isActive;
    const empty = (await io.local.in(roomId).fetchSockets()).length === 0;
    if (ended) {
      // For good: a request still on its way (a subscription, a reload's publication) makes no Janus room again.
      await sfu.endRoom(roomId);
      rooms.delete(roomId);
    } else if (empty) {
      // The Janus room may have been made by another process: this one learns it first, to destroy it.
      await sfu.refresh(roomId);
      await sfu.destroyRoom(roomId);
      // An emptied room that lives on keeps its mode: whoever comes back finds it where it was.
    }
  }

  const media: Media = {
    handlers,
    connected(socket) {
      const { roomId } = socket.data;
      const room = roomOf(roomId);
      void (async () => {
        if (sfu) await sync(roomId);
        if (room.mode === 'sfu' && sfu) await sfu.ensureRoom(roomId);
        else if (options.mode === 'auto' && sfu?.available && (await attendeesPresent(socket)) > options.starMaxAttendees) {
          moveToSfu(roomId, 'attendees');
        }
        socket.emit('media-mode', body(roomId));
      })().catch((err: unknown) => options.onError(err, { step: 'media-mode', roomId }));
    },
    disconnected(socket) {
      const leaving: Promise<void> = settle(socket)
        .catch((err: unknown) => options.onError(err, { step: 'sfu-leave', roomId: socket.data.roomId }))
        .finally(() => settling.delete(leaving));
      settling.add(leaving);
    },
    roomMoved(roomId) {
      const room = rooms.get(roomId);
      if (!room) return;
      room.publisherSocket = undefined;
      room.subscribers.clear();
      room.speakerSubscriptions.clear();
      io.to(roomId).emit('sfu-renegotiate', {});
      announce(roomId);
    },
    feedChanged(roomId) {
      if (rooms.get(roomId)?.mode === 'sfu') announce(roomId);
    },
    speakersChanged(roomId) {
      const room = rooms.get(roomId);
      if (room?.mode !== 'sfu') return;
      // Subscriptions to a speaker no longer publishing here went with their feed (signaling/sfu.ts closed them).
      const live = new Set(sfu?.liveSpeakers(roomId).map((s) => s.participantId));
      for (const [key, held] of room.speakerSubscriptions) if (!live.has(held.speaker)) room.speakerSubscriptions.delete(key);
      announce(roomId);
    },
    stageChanged: enforceStage,
    close() {
      clearInterval(sweep);
      unlisten?.();
    },
    async settled() {
      await Promise.allSettled([...settling]);
    },
  };
  return media;
}
