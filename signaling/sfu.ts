// The one owner of the Janus client (janode): room-level verbs over one or more Janus VideoRoom servers.
import { randomBytes, randomInt } from 'node:crypto';
import Janode, { type JanodeConnection, type JanodeSession } from 'janode';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { SfuRoomStore, SharedSfuRoom } from '../db/room-media.ts';
import { MAX_SPEAKERS_PER_ROOM } from '../core/limits.ts';

export interface JanusServerConfig {
  url: string;
  apiSecret?: string;
  /** Janus's VideoRoom admin_key, when the server requires one to create rooms. */
  adminKey?: string;
}

export interface SfuServerStatus {
  url: string;
  healthy: boolean;
  rooms: number;
  publishers: number;
  subscribers: number;
  /** Milliseconds of the last `info` round trip; null while the server does not answer. */
  latencyMs: number | null;
}

/**
 * A subscriber's video: one simulcast layer, or VP9 SVC spatial layer (0 lowest … 2 highest), with its temporal
 * layers, or none at all.
 */
export type SfuLayer = { substream: 0 | 1 | 2; temporal: 0 | 1 | 2 } | 'audio-only';

export type SfuErrorCode = 'invalid_sdp' | 'no_publisher' | 'wrong_feed' | 'no_connection' | 'unavailable';

export class SfuError extends Error {
  override name = 'SfuError';
  constructor(
    readonly code: SfuErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SfuOptions {
  servers: JanusServerConfig[];
  /** How often each server is asked for `info`; one that leaves two in a row unanswered (2 s each) is given up on. */
  healthIntervalMs?: number;
  /** A server became healthy or stopped answering. */
  onServerChange?: (status: SfuServerStatus) => void;
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /**
   * Where every signaling process finds each room's Janus room and feed (PostgreSQL): with it, a process can
   * subscribe its attendees to a presenter who publishes through another process. Without it, each process
   * knows only the rooms it made.
   */
  store?: SfuRoomStore;
}

export interface SfuListener {
  /**
   * The room's Janus went away and the room now lives on another (or the restarted) server: its publisher
   * must publish again and its subscribers subscribe again.
   */
  roomMoved(roomId: string): void;
  /** The room's publisher is sending (its connection to Janus is up: only then can anyone subscribe), or it stopped. */
  feedChanged(roomId: string, feed: number | undefined): void;
  /** A speaker's feed went live or went away (this process's speakers; another's are found at the next `refresh`). */
  speakersChanged(roomId: string): void;
}

export interface Sfu {
  /**
   * Where room moves and feed changes go (the signaling server, which tells the browsers); the returned function
   * stops them (a server closing while the client lives on, as in tests that share one Janus client).
   */
  listen(listener: SfuListener): () => void;
  /** Whether at least one server is healthy now. */
  readonly available: boolean;
  /** Creates the room on the least-loaded healthy server (once), with a random Janus room secret. */
  ensureRoom(roomId: string): Promise<void>;
  /** The presenter's offer in, Janus's answer out. A second publish (a reload) replaces the first once it succeeded. */
  publish(roomId: string, participantId: string, offerSdp: string): Promise<{ sdp: string; feed: number }>;
  /** The current publisher's feed in the room, once its media reaches Janus. */
  feedOf(roomId: string): number | undefined;
  /**
   * A speaker's offer in (an attendee on stage: the caller checked that), Janus's answer out; publishes beside the
   * presenter. A second one of the same speaker replaces the first.
   */
  publishSpeaker(roomId: string, participantId: string, offerSdp: string): Promise<{ sdp: string; feed: number }>;
  /** The speakers publishing in the room through this process, with their feeds. */
  speakerFeeds(roomId: string): Array<{ participantId: string; feed: number; live: boolean }>;
  /** Every speaker whose feed is live in the room, through this process or (as of the last `refresh`) another. */
  liveSpeakers(roomId: string): Array<{ participantId: string; feed: number }>;
  /**
   * What of a speaker's publication Janus forwards (VideoRoom `moderate` on each of its audio and video mids): a
   * muted kind reaches no subscriber, whatever the speaker's browser sends.
   */
  moderateSpeaker(roomId: string, participantId: string, allowed: { audio: boolean; video: boolean }): Promise<void>;
  /** Ends a speaker's publication (back in the audience, removed): its feed is gone from Janus. */
  unpublishSpeaker(roomId: string, participantId: string): Promise<void>;
  /**
   * Takes the room's placement and feed from the shared store (another process may have made the room, or
   * its presenter may publish there); true when the room is on the SFU.
   */
  refresh(roomId: string): Promise<boolean>;
  /**
   * Reads the speakers other processes publish in a room this process holds (never placing or adopting one: a room
   * being destroyed stays gone).
   */
  refreshSpeakers(roomId: string): Promise<void>;
  /**
   * Starts a subscription to `feed`, the presenter's or (`speaker`) that speaker's; returns Janus's offer. Replaces
   * this participant's earlier subscription to the same publisher; subscriptions to different ones live side by side.
   */
  subscribe(roomId: string, participantId: string, feed: number, speaker?: string): Promise<{ sdp: string }>;
  /** The subscriber's answer to the offer from `subscribe` (of the same `speaker`, or of the presenter's feed). */
  answer(roomId: string, participantId: string, answerSdp: string, speaker?: string): Promise<void>;
  /**
   * A browser's ICE candidate for one of its connections: `to: 'speaker'` its own publication on stage, `speaker`
   * its subscription to that speaker's feed, neither its presenter publication or subscription; null ends them.
   */
  trickle(roomId: string, participantId: string, candidate: RTCIceCandidateInit | null, route?: { to?: 'speaker'; speaker?: string }): Promise<void>;
  /** Ends this participant's subscription to a speaker's feed. */
  unsubscribe(roomId: string, participantId: string, speaker: string): Promise<void>;
  /** The layer (or audio only) of everything this participant receives: the presenter's feed and every speaker's. */
  setLayer(roomId: string, participantId: string, layer: SfuLayer): Promise<void>;
  /** Hangs up whatever this participant has in the room (its publications and subscriptions). */
  leave(roomId: string, participantId: string): Promise<void>;
  /** Destroys the room's Janus room (after an empty room; whoever comes back makes it again). */
  destroyRoom(roomId: string): Promise<void>;
  /**
   * The room ended: its Janus room (this process's, or one another process made) is destroyed, and nothing places,
   * adopts or publishes in it again here, not even a request that was already on its way.
   */
  endRoom(roomId: string): Promise<void>;
  hasRoom(roomId: string): boolean;
  status(): SfuServerStatus[];
  close(): Promise<void>;
}

interface Server {
  config: JanusServerConfig;
  connection?: JanodeConnection;
  session?: JanodeSession;
  control?: VideoRoomHandle;
  connecting?: Promise<void>;
  healthy: boolean;
  latencyMs: number | null;
  /** `info` requests in a row that went unanswered in time. */
  missedChecks: number;
}

interface Speaker {
  handle: VideoRoomHandle;
  feed: number;
  live: boolean;
  mids: { audio: string[]; video: string[] };
  /** What `moderate` last set, so an unchanged state is not sent again. */
  allowed?: { audio: boolean; video: boolean };
}

/** The mids of an offer's audio and video sections: what `moderate` names. */
export function offerMids(sdp: string): { audio: string[]; video: string[] } {
  const mids = { audio: [] as string[], video: [] as string[] };
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const kind = section.startsWith('audio') ? 'audio' : section.startsWith('video') ? 'video' : null;
    const mid = /\r?\na=mid:(\S+)/.exec(section)?.[1];
    if (kind && mid) mids[kind].push(mid);
  }
  return mids;
}

interface Subscription {
  handle: VideoRoomHandle;
  videoMids: string[];
  layer: SfuLayer;
  /** The speaker whose feed this is; none for the presenter's. */
  speaker?: string;
  feed: number;
}

const sameLayer = (a: SfuLayer, b: SfuLayer) =>
  a === 'audio-only' || b === 'audio-only' ? a === b : a.substream === b.substream && a.temporal === b.temporal;

/** Tells Janus which layer (or none) of its publisher's video a subscription forwards. */
async function configureLayer(subscription: Subscription, layer: SfuLayer): Promise<void> {
  const streams = subscription.videoMids.map((mid) =>
    // One request serves both kinds of publisher: a VP8 simulcast stream reads substream/temporal, a VP9
    // SVC stream spatial_layer/temporal_layer; Janus ignores the pair that does not apply.
    layer === 'audio-only'
      ? { mid, send: false }
      : { mid, send: true, substream: layer.substream, temporal: layer.temporal, spatial_layer: layer.substream, temporal_layer: layer.temporal },
  );
  if (streams.length > 0) await subscription.handle.configure({ streams });
  subscription.layer = layer;
}

/**
 * Where a participant's subscription lives among the room's: its subscription to the presenter under its own id,
 * each one to a speaker under both ids, so they never replace each other.
 */
const subscriptionKey = (participantId: string, speaker?: string) => (speaker ? `${participantId}>${speaker}` : participantId);
const isSubscriptionOf = (key: string, participantId: string) => key === participantId || key.startsWith(`${participantId}>`);

interface Room {
  id: string;
  server?: Server;
  janusRoom?: number;
  secret?: string;
  creating?: Promise<void>;
  publisher?: { participantId: string; handle: VideoRoomHandle; feed: number; janusRoom: number; live: boolean };
  /** Speakers on stage publishing beside the presenter, by participant; their mids by kind, for `moderate`. */
  speakers: Map<string, Speaker>;
  /** The live feed of a presenter who publishes through another process (from the shared store). */
  remoteFeed?: number;
  /** The live feeds of speakers who publish through other processes (from the shared store), by participant. */
  remoteSpeakers: Map<string, number>;
  /**
   * Feeds this process's publishers had before they were replaced or left: the shared store may still name one
   * for a moment (its clearing is a write in flight), and subscribing to it would fail.
   */
  retiredFeeds: Set<number>;
  /** The Janus room this process lost with its server: the shared store's row naming it is stale. */
  lostJanusRoom?: number;
  /** By subscriptionKey(). */
  subscribers: Map<string, Subscription>;
  /**
   * Per subscriptionKey(), the number of its latest subscribe: an earlier one that Janus answers later (two requests in
   * flight, or a leave meanwhile) is dropped instead of replacing the newer subscription its browser answers.
   */
  subscribing: Map<string, number>;
}

const INFO_TIMEOUT_MS = 2_000;
/**
 * Unanswered `info` requests in a row before a server whose connection is still open is given up on: one slow
 * answer on a busy machine is not a frozen Janus, and giving up moves every room on it (everyone renegotiates).
 * A Janus that dies closes its connection and is given up on at once.
 */
const MISSED_CHECKS_TO_GIVE_UP = 2;

/**
 * Janus errors that mean "your SDP is wrong": the VideoRoom plugin's 429 missing element, 430 invalid
 * element, 431 invalid SDP type, 437 invalid SDP, and the core's 464 unknown JSEP type, 465 invalid SDP.
 */
const CLIENT_ERROR_CODES = new Set([429, 430, 431, 437, 464, 465]);

const NO_SUCH_FEED = 428;
const NO_SUCH_ROOM = 426;
/** Ended rooms remembered per process, to refuse their late requests (a few hundred bytes each). */
const MAX_ENDED_ROOMS = 10_000;

/**
 * The Janus error code of a janode error: plugin errors carry it as `_code`, core errors (the handle's and
 * the session's) only as the first word of the message.
 */
function janusCode(err: unknown): number | undefined {
  const code = (err as { _code?: unknown } | null)?._code;
  if (typeof code === 'number') return code;
  const leading = err instanceof Error ? /^(\d{3}) /.exec(err.message) : null;
  return leading ? Number(leading[1]) : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * The VideoRoom `create` request with the room settings janode's `create` does not pass on (`video_svc`,
 * `opus_dtx`): sent as a raw plugin message, checked for Janus's `created` reply.
 */
export async function createJanusRoom(control: VideoRoomHandle, settings: Record<string, unknown>): Promise<void> {
  const reply = await control.message({ request: 'create', ...settings });
  const data = reply.plugindata?.data;
  if (data?.videoroom !== 'created') {
    throw new Error(`Janus did not create the room: ${String(data?.error ?? JSON.stringify(data ?? reply))}`);
  }
}

/**
 * An offer to a subscriber without transport-wide congestion control (the `transport-cc` feedback and its header
 * extension), so the browser's answer leaves it out too. With it, the browser sends Janus feedback on every few
 * packets for a sender-side estimate that Janus 1.1 never makes for a subscriber: about 18 RTCP packets a second
 * from each subscriber for Janus to decrypt and drop, and no estimate anywhere. Without it, the browser runs its own
 * receive-side estimate (REMB, which Janus offers too) and reports it as `availableIncomingBitrate`, which Podium's
 * layer choice reads. The presenter's publication keeps transport-cc: its uplink estimate is the browser's own.
 */
export function withoutTransportCc(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !/^a=rtcp-fb:\S+ transport-cc\s*$/.test(line) && !/^a=extmap:\S+ \S*transport-wide-cc-extensions/.test(line))
    .join('\r\n');
}

/**
 * Opus without DTX, said in the SDP the presenter's browser applies: `usedtx` in an answer is what the
 * receiving side (Janus) asks of the sender, so `usedtx=0` on every Opus payload type keeps the browser
 * sending every 20 ms frame, silence included, whatever the offer asked for.
 */
export function withoutOpusDtx(sdp: string): string {
  const lines = sdp.split('\r\n');
  const opus = new Set(lines.flatMap((line) => /^a=rtpmap:(\d+) opus\//i.exec(line)?.[1] ?? []));
  const out: string[] = [];
  const hasFmtp = new Set<string>();
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && opus.has(fmtp[1]!)) {
      hasFmtp.add(fmtp[1]!);
      const params = fmtp[2]!.split(';').map((p) => p.trim()).filter((p) => p !== '' && !/^usedtx=/i.test(p));
      out.push(`a=fmtp:${fmtp[1]} ${[...params, 'usedtx=0'].join(';')}`);
    } else out.push(line);
  }
  // An Opus payload type with no fmtp line at all gets one, right after its rtpmap.
  return out
    .flatMap((line) => {
      const pt = /^a=rtpmap:(\d+) opus\//i.exec(line)?.[1];
      return pt && !hasFmtp.has(pt) ? [line, `a=fmtp:${pt} usedtx=0`] : [line];
    })
    .join('\r\n');
}

/** Janode logs to stdout on its own; Podium reports Janus failures through its own error path instead. */
Janode.Logger.setLevel('none');

export function createSfu(options: SfuOptions): Sfu {
  const servers: Server[] = options.servers.map((config) => ({ config, healthy: false, latencyMs: null, missedChecks: 0 }));
  const rooms = new Map<string, Room>();
  /** Rooms that ended, most recent last (bounded: an ended room's late requests come within seconds). */
  const ended = new Set<string>();
  const requireNotEnded = (roomId: string) => {
    if (ended.has(roomId)) throw new SfuError('unavailable', 'The room has ended');
  };
  let subscribeTurns = 0;
  let closed = false;
  const listeners = new Set<SfuListener>();
  /** Every listener at once, as one: each signaling server on this client hears the same facts. */
  const listener: SfuListener = {
    roomMoved: (roomId) => listeners.forEach((l) => l.roomMoved(roomId)),
    feedChanged: (roomId, feed) => listeners.forEach((l) => l.feedChanged(roomId, feed)),
    speakersChanged: (roomId) => listeners.forEach((l) => l.speakersChanged(roomId)),
  };
  const report = (err: unknown, context: Record<string, unknown>) => options.onError?.(err, context);

  const load = (server: Server) => {
    let n = 0;
    for (const room of rooms.values()) if (room.server === server) n += 1 + room.subscribers.size;
    return n;
  };

  function statusOf(server: Server): SfuServerStatus {
    let roomCount = 0;
    let publishers = 0;
    let subscribers = 0;
    for (const room of rooms.values()) {
      if (room.server !== server) continue;
      roomCount += 1;
      if (room.publisher) publishers += 1;
      publishers += room.speakers.size;
      subscribers += room.subscribers.size;
    }
    return { url: server.config.url, healthy: server.healthy, rooms: roomCount, publishers, subscribers, latencyMs: server.latencyMs };
  }

  function connect(server: Server): Promise<void> {
    server.connecting ??= (async () => {
      const connection = await Janode.connect({
        address: { url: server.config.url, ...(server.config.apiSecret ? { apisecret: server.config.apiSecret } : {}) },
        retry_time_secs: 1,
        max_retries: 1,
      });
      const lost = () => serverLost(server, connection);
      connection.once(Janode.EVENT.CONNECTION_CLOSED, lost);
      connection.once(Janode.EVENT.CONNECTION_ERROR, lost);
      try {
        const session = await connection.create();
        session.once(Janode.EVENT.SESSION_DESTROYED, lost);
        server.control = await session.attach(VideoRoomPlugin);
        server.session = session;
      } catch (err) {
        await connection.close().catch(() => {});
        throw err;
      }
      if (closed) {
        await connection.close().catch(() => {});
        return;
      }
      server.connection = connection;
      server.healthy = true;
      options.onServerChange?.(statusOf(server));
      // Rooms whose server went away while no other was healthy come here.
      for (const room of rooms.values()) if (!room.server) void replace(room);
    })().finally(() => {
      server.connecting = undefined;
    });
    return server.connecting;
  }

  /** The connection to `server` is gone (Janus died, restarted, or stopped answering): its rooms move. */
  function serverLost(server: Server, connection: JanodeConnection) {
    if (server.connection !== connection) return;
    server.connection = undefined;
    server.session = undefined;
    server.control = undefined;
    server.latencyMs = null;
    server.missedChecks = 0;
    const wasHealthy = server.healthy;
    server.healthy = false;
    connection.close().catch(() => {});
    if (wasHealthy) options.onServerChange?.(statusOf(server));
    for (const room of rooms.values()) {
      if (room.server !== server) continue;
      room.server = undefined;
      room.lostJanusRoom = room.janusRoom;
      room.janusRoom = undefined;
      room.publisher = undefined;
      room.speakers.clear();
      room.remoteSpeakers.clear();
      room.remoteFeed = undefined;
      room.subscribers.clear();
      void replace(room);
    }
  }

  async function replace(room: Room) {
    if (closed || room.server || room.creating || !servers.some((s) => s.healthy)) return;
    try {
      await ensureRoom(room.id);
      listener.roomMoved(room.id);
    } catch (err) {
      report(err, { step: 'sfu-move', roomId: room.id });
    }
  }

  async function check(server: Server) {
    if (!server.connection) {
      await connect(server).catch(() => {});
      return;
    }
    const connection = server.connection;
    const started = performance.now();
    try {
      await withTimeout(connection.getInfo(), INFO_TIMEOUT_MS, 'Janus info');
      server.latencyMs = Math.round((performance.now() - started) * 100) / 100;
      server.missedChecks = 0;
    } catch {
      server.missedChecks += 1;
      if (server.missedChecks >= MISSED_CHECKS_TO_GIVE_UP) serverLost(server, connection);
    }
  }

  const interval = options.healthIntervalMs ?? 1_000;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void Promise.all(servers.map(check)).finally(() => {
      checking = false;
    });
  }, interval);
  timer.unref();
  for (const server of servers) void connect(server).catch(() => {});

  function pick(): Server {
    const healthy = servers.filter((s) => s.healthy);
    if (healthy.length === 0) throw new SfuError('unavailable', 'No media server is answering right now');
    return healthy.reduce((best, s) => (load(s) < load(best) ? s : best));
  }

  function roomOf(roomId: string): Room {
    let room = rooms.get(roomId);
    if (!room) {
      requireNotEnded(roomId);
      room = { id: roomId, speakers: new Map(), remoteSpeakers: new Map(), subscribers: new Map(), subscribing: new Map(), retiredFeeds: new Set() };
      rooms.set(roomId, room);
    }
    return room;
  }

  /** Creates a Janus room for `room` on the least-loaded healthy server. */
  async function createOnJanus(room: Room): Promise<{ server: Server; janusRoom: number; secret: string }> {
    const server = pick();
    const janusRoom = randomInt(1, 2 ** 47);
    const secret = randomBytes(18).toString('base64url');
    await createJanusRoom(server.control!, {
      room: janusRoom,
      secret,
      ...(server.config.adminKey ? { admin_key: server.config.adminKey } : {}),
      // The presenter and each speaker, twice: a page that reloads publishes again before its old publisher is gone.
      publishers: 2 * (1 + MAX_SPEAKERS_PER_ROOM),
      is_private: true,
      permanent: false,
      // Janus picks the first codec of this list that a publisher offers: VP8 (and H.264) carry simulcast;
      // a presenter whose browser encodes VP9 SVC offers VP9 alone, and video_svc lets Janus drop its layers.
      videocodec: 'vp8,vp9,h264',
      video_svc: true,
      audiocodec: 'opus',
      // Speech clarity: no discontinuous transmission, so quiet syllables and breaths are never cut.
      opus_dtx: false,
      // Publishers get a PLI at most this often (seconds), so a new subscriber's first frame is never far off.
      fir_freq: 2,
      bitrate: 3_000_000,
    });
    room.lostJanusRoom = undefined;
    return { server, janusRoom, secret };
  }

  /**
   * The feed the shared store names, as far as this process should believe it: a publisher of its own (live, or
   * a reload's publication not yet live) knows better, and a feed it retired is gone whatever the store says.
   */
  function sharedFeed(room: Room, shared: SharedSfuRoom): number | undefined {
    if (room.publisher || shared.feed === null || room.retiredFeeds.has(shared.feed)) return undefined;
    return shared.feed;
  }

  /**
   * The publisher's feed is gone from Janus (replaced by a reload's publication, hung up, or its socket left):
   * the store stops naming it, then the room is told, so no attendee is sent to a feed that no longer exists.
   */
  function retire(room: Room, publisher: NonNullable<Room['publisher']>) {
    retireFeed(room, publisher.feed);
    if (room.remoteFeed === publisher.feed) room.remoteFeed = undefined;
    void shareFeed(room.id, publisher.janusRoom, null, publisher.feed).then(() => listener.feedChanged(room.id, feedOf(room.id)));
  }

  function retireFeed(room: Room, feed: number) {
    room.retiredFeeds.add(feed);
    // A few per publisher are enough: only a store read racing the clearing write can bring one back.
    if (room.retiredFeeds.size > 4 * (1 + MAX_SPEAKERS_PER_ROOM)) room.retiredFeeds.delete(room.retiredFeeds.values().next().value!);
  }

  /**
   * A speaker's feed is gone from Janus (sent back, removed, replaced by a reload's publication, hung up): the
   * subscriptions to it close, the store stops naming it, then the room is told, so every page drops its tile.
   */
  async function retireSpeaker(room: Room, participantId: string, speaker: Speaker): Promise<void> {
    retireFeed(room, speaker.feed);
    dropSpeakerSubscriptions(room, (s) => s.speaker === participantId && s.feed === speaker.feed);
    if (speaker.live) {
      void unshareSpeaker(room.id, participantId, speaker.feed).then(() => listener.speakersChanged(room.id));
    }
    await detach(speaker.handle);
  }

  function unshareSpeaker(roomId: string, participantId: string, feed: number): Promise<void> {
    return (options.store?.removeSpeaker(roomId, participantId, feed) ?? Promise.resolve()).catch((err: unknown) =>
      report(err, { step: 'sfu-share-speaker', roomId }),
    );
  }

  function dropSpeakerSubscriptions(room: Room, gone: (s: Subscription) => boolean) {
    for (const [key, subscription] of room.subscribers) {
      if (subscription.speaker === undefined || !gone(subscription)) continue;
      room.subscribers.delete(key);
      room.subscribing.delete(key);
      void detach(subscription.handle);
    }
  }

  /** The speaker's live feed in the room: this process's own publication, or another's from the store. */
  function speakerFeedOf(room: Room, participantId: string): number | undefined {
    const own = room.speakers.get(participantId);
    if (own) return own.live ? own.feed : undefined;
    return room.remoteSpeakers.get(participantId);
  }

  /** The speakers the store names in the room's current Janus room, minus this process's own and the retired. */
  async function syncSpeakers(room: Room): Promise<void> {
    const store = options.store;
    if (!store || room.janusRoom === undefined) return;
    const janusRoom = room.janusRoom;
    const rows = await store.speakers(room.id);
    if (room.janusRoom !== janusRoom) return;
    room.remoteSpeakers = new Map(
      rows.filter((r) => r.janusRoom === janusRoom && !room.speakers.has(r.participantId) && !room.retiredFeeds.has(r.feed)).map((r) => [r.participantId, r.feed]),
    );
    // Subscriptions to a speaker who is no longer publishing anywhere: their feed is gone from Janus.
    dropSpeakerSubscriptions(room, (s) => speakerFeedOf(room, s.speaker!) !== s.feed);
  }

  /** A Janus room another process made (and still there): this process subscribes and publishes in it too. */
  async function adoptable(room: Room, shared: SharedSfuRoom | null): Promise<Server | undefined> {
    if (!shared || shared.janusRoom === room.lostJanusRoom) return undefined;
    const server = servers.find((s) => s.config.url === shared.janusUrl && s.healthy);
    if (!server?.control) return undefined;
    const { exists } = await server.control.exists({ room: shared.janusRoom });
    return exists ? server : undefined;
  }

  function adopt(room: Room, server: Server, shared: SharedSfuRoom) {
    if (room.janusRoom !== shared.janusRoom) {
      // Subscriptions to a Janus room that is gone are dead: their attendees subscribe again.
      room.subscribers.clear();
      if (room.publisher) room.publisher = undefined;
    }
    room.server = server;
    room.janusRoom = shared.janusRoom;
    room.secret = shared.janusSecret;
    room.remoteFeed = sharedFeed(room, shared);
  }

  async function ensureRoom(roomId: string): Promise<void> {
    const room = roomOf(roomId);
    if (room.server) return;
    const store = options.store;
    room.creating ??= (async () => {
      if (!store) {
        const made = await createOnJanus(room);
        Object.assign(room, { server: made.server, janusRoom: made.janusRoom, secret: made.secret });
        return;
      }
      // One process at a time places a room: the others find its Janus room and join it.
      await store.place(roomId, async (current, place) => {
        const server = await adoptable(room, current);
        if (server && current) return adopt(room, server, current);
        const made = await createOnJanus(room);
        await place({ janusUrl: made.server.config.url, janusRoom: made.janusRoom, janusSecret: made.secret });
        Object.assign(room, { server: made.server, janusRoom: made.janusRoom, secret: made.secret, remoteFeed: undefined });
      });
    })().finally(() => {
      room.creating = undefined;
    });
    return room.creating;
  }

  async function refresh(roomId: string): Promise<boolean> {
    const store = options.store;
    const local = rooms.get(roomId);
    if (!store) return local?.server !== undefined;
    await local?.creating?.catch(() => {});
    const shared = await store.find(roomId);
    // The room ended while the store answered: its Janus room is going, not to be adopted again.
    if (!shared || ended.has(roomId)) return rooms.get(roomId)?.server !== undefined;
    const room = roomOf(roomId);
    if (room.server && room.janusRoom === shared.janusRoom) {
      room.remoteFeed = sharedFeed(room, shared);
      await syncSpeakers(room);
      return true;
    }
    const server = await adoptable(room, shared);
    if (!server) return room.server !== undefined;
    adopt(room, server, shared);
    await syncSpeakers(room);
    return true;
  }

  /** Tells the other processes which feed is live in the room (or that none is). */
  function shareFeed(roomId: string, janusRoom: number, feed: number | null, onlyIfFeed?: number): Promise<void> {
    return (options.store?.setFeed(roomId, janusRoom, feed, onlyIfFeed) ?? Promise.resolve()).catch((err: unknown) =>
      report(err, { step: 'sfu-share-feed', roomId }),
    );
  }

  const attach = (room: Room) => room.server!.session!.attach(VideoRoomPlugin);

  function clientError(err: unknown, what: string): Error {
    const code = janusCode(err);
    if (code !== undefined && CLIENT_ERROR_CODES.has(code)) return new SfuError('invalid_sdp', `The media server refused the ${what}`);
    if (err instanceof SfuError) return err;
    return err instanceof Error ? err : new Error(String(err));
  }

  const detach = (handle: VideoRoomHandle | undefined) => handle?.detach().catch(() => {});

  /** A new publisher handle in the room with this offer; Janus's answer (Opus DTX off) and the feed it gave. */
  async function joinAsPublisher(room: Room, participantId: string, offerSdp: string) {
    const handle = await attach(room);
    let joined: { feed: number; jsep?: { sdp: string } };
    try {
      joined = await handle.joinConfigurePublisher({
        room: room.janusRoom!,
        display: participantId,
        audio: true,
        video: true,
        jsep: { type: 'offer', sdp: offerSdp },
      });
      if (!joined.jsep) throw new SfuError('invalid_sdp', 'The media server sent no answer');
    } catch (err) {
      void detach(handle);
      throw clientError(err, 'offer');
    }
    return { handle, feed: joined.feed, sdp: withoutOpusDtx(joined.jsep.sdp) };
  }

  function feedOf(roomId: string): number | undefined {
    const room = rooms.get(roomId);
    return room?.publisher?.live ? room.publisher.feed : room?.remoteFeed;
  }

  return {
    listen(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    get available() {
      return servers.some((s) => s.healthy);
    },
    ensureRoom,
    async publish(roomId, participantId, offerSdp) {
      await ensureRoom(roomId);
      const room = roomOf(roomId);
      const joined = await joinAsPublisher(room, participantId, offerSdp);
      const { handle } = joined;
      const previous = room.publisher;
      const janusRoom = room.janusRoom!;
      const publisher = { participantId, handle, feed: joined.feed, janusRoom, live: false };
      room.publisher = publisher;
      handle.once(Janode.EVENT.HANDLE_WEBRTCUP, () => {
        if (room.publisher !== publisher) return;
        publisher.live = true;
        room.remoteFeed = undefined;
        void shareFeed(roomId, janusRoom, publisher.feed).then(() => listener.feedChanged(roomId, publisher.feed));
      });
      handle.once(Janode.EVENT.HANDLE_HANGUP, () => {
        if (room.publisher !== publisher) return;
        room.publisher = undefined;
        void detach(handle);
        retire(room, publisher);
      });
      if (previous) {
        void detach(previous.handle);
        retire(room, previous);
      }
      return { sdp: joined.sdp, feed: joined.feed };
    },
    feedOf,
    refresh,
    async refreshSpeakers(roomId) {
      const room = rooms.get(roomId);
      if (room?.server) await syncSpeakers(room);
    },
    async publishSpeaker(roomId, participantId, offerSdp) {
      await ensureRoom(roomId);
      const room = roomOf(roomId);
      const joined = await joinAsPublisher(room, participantId, offerSdp);
      const { handle } = joined;
      const previous = room.speakers.get(participantId);
      const speaker: Speaker = { handle, feed: joined.feed, live: false, mids: offerMids(offerSdp) };
      const janusRoom = room.janusRoom!;
      room.speakers.set(participantId, speaker);
      room.remoteSpeakers.delete(participantId);
      handle.once(Janode.EVENT.HANDLE_WEBRTCUP, () => {
        if (room.speakers.get(participantId) !== speaker) return;
        speaker.live = true;
        void (options.store?.setSpeaker(roomId, { participantId, janusRoom, feed: speaker.feed }) ?? Promise.resolve())
          .catch((err: unknown) => report(err, { step: 'sfu-share-speaker', roomId }))
          // Gone while the row was written: its removal may have run first, so it runs again after.
          .then(() => (room.speakers.get(participantId) === speaker ? undefined : unshareSpeaker(roomId, participantId, speaker.feed)))
          .then(() => listener.speakersChanged(roomId));
      });
      handle.once(Janode.EVENT.HANDLE_HANGUP, () => {
        if (room.speakers.get(participantId) !== speaker) return;
        room.speakers.delete(participantId);
        void retireSpeaker(room, participantId, speaker);
      });
      if (previous) void retireSpeaker(room, participantId, previous);
      return { sdp: joined.sdp, feed: joined.feed };
    },
    liveSpeakers(roomId) {
      const room = rooms.get(roomId);
      if (!room?.server) return [];
      const own = [...room.speakers].filter(([, s]) => s.live).map(([participantId, s]) => ({ participantId, feed: s.feed }));
      const remote = [...room.remoteSpeakers].filter(([id]) => !room.speakers.has(id)).map(([participantId, feed]) => ({ participantId, feed }));
      return [...own, ...remote];
    },
    speakerFeeds(roomId) {
      return [...(rooms.get(roomId)?.speakers ?? new Map<string, Speaker>())].map(([participantId, s]) => ({ participantId, feed: s.feed, live: s.live }));
    },
    async moderateSpeaker(roomId, participantId, allowed) {
      const room = rooms.get(roomId);
      const speaker = room?.speakers.get(participantId);
      const control = room?.server?.control;
      if (!room || !speaker || !control || room.janusRoom === undefined) return;
      if (speaker.allowed?.audio === allowed.audio && speaker.allowed.video === allowed.video) return;
      const requests = [
        ...speaker.mids.audio.map((mid) => ({ mid, mute: !allowed.audio })),
        ...speaker.mids.video.map((mid) => ({ mid, mute: !allowed.video })),
      ];
      for (const { mid, mute } of requests) {
        const reply = await control.message({ request: 'moderate', secret: room.secret, room: room.janusRoom, id: speaker.feed, mid, mute });
        const data = reply.plugindata?.data;
        if (data?.videoroom !== 'success') throw new Error(`Janus did not moderate the feed: ${String(data?.error ?? JSON.stringify(data ?? reply))}`);
      }
      speaker.allowed = { ...allowed };
    },
    async unpublishSpeaker(roomId, participantId) {
      const room = rooms.get(roomId);
      const speaker = room?.speakers.get(participantId);
      if (!room || !speaker) return;
      room.speakers.delete(participantId);
      await retireSpeaker(room, participantId, speaker);
    },
    async subscribe(roomId, participantId, feed, speaker) {
      const room = rooms.get(roomId);
      const who = speaker ? 'That participant is not speaking through the media server right now' : 'The presenter is not publishing right now';
      const live = speaker && room ? speakerFeedOf(room, speaker) : feedOf(roomId);
      if (live === undefined || !room?.server) throw new SfuError('no_publisher', who);
      if (live !== feed) throw new SfuError('wrong_feed', speaker ? 'That feed is not this speaker’s on the room’s stage' : 'That feed is not this room’s presenter');
      const key = subscriptionKey(participantId, speaker);
      const turn = ++subscribeTurns;
      room.subscribing.set(key, turn);
      const handle = await attach(room);
      let joined: { jsep?: { sdp: string }; streams?: Array<{ type: string; mid: string }> };
      try {
        joined = await handle.joinSubscriber({ room: room.janusRoom!, streams: [{ feed }], autoupdate: true });
        if (!joined.jsep) throw new SfuError('no_publisher', 'The presenter is not sending media yet');
      } catch (err) {
        void detach(handle);
        if (janusCode(err) === NO_SUCH_FEED) throw new SfuError('no_publisher', who);
        throw clientError(err, 'subscription');
      }
      const stillLive = speaker ? speakerFeedOf(room, speaker) === feed : true;
      if (room.subscribing.get(key) !== turn || rooms.get(roomId) !== room || !stillLive) {
        void detach(handle);
        if (!stillLive) throw new SfuError('no_publisher', who);
        throw new SfuError('no_connection', 'A newer subscription (or a leave) replaced this one');
      }
      const previous = room.subscribers.get(key);
      room.subscribers.set(key, {
        handle,
        videoMids: (joined.streams ?? []).filter((s) => s.type === 'video').map((s) => s.mid),
        layer: { substream: 2, temporal: 2 },
        feed,
        ...(speaker ? { speaker } : {}),
      });
      if (previous) void detach(previous.handle);
      return { sdp: withoutTransportCc(joined.jsep.sdp) };
    },
    async answer(roomId, participantId, answerSdp, speaker) {
      const subscription = rooms.get(roomId)?.subscribers.get(subscriptionKey(participantId, speaker));
      if (!subscription) throw new SfuError('no_connection', 'There is no subscription to answer');
      try {
        await subscription.handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
      } catch (err) {
        throw clientError(err, 'answer');
      }
      // A speaker's feed starts on the layer the participant's link already gets from the presenter's.
      const chosen = speaker ? rooms.get(roomId)?.subscribers.get(participantId)?.layer : undefined;
      if (chosen && !sameLayer(chosen, subscription.layer)) await configureLayer(subscription, chosen);
    },
    async trickle(roomId, participantId, candidate, { to, speaker } = {}) {
      const room = rooms.get(roomId);
      const handle =
        to === 'speaker'
          ? room?.speakers.get(participantId)?.handle
          : speaker
            ? room?.subscribers.get(subscriptionKey(participantId, speaker))?.handle
            : room?.publisher?.participantId === participantId
              ? room.publisher.handle
              : room?.subscribers.get(participantId)?.handle;
      if (!handle) throw new SfuError('no_connection', 'There is no media server connection for this candidate');
      await (candidate === null ? handle.trickleComplete() : handle.trickle(candidate));
    },
    async unsubscribe(roomId, participantId, speaker) {
      const room = rooms.get(roomId);
      const key = subscriptionKey(participantId, speaker);
      const subscription = room?.subscribers.get(key);
      room?.subscribers.delete(key);
      room?.subscribing.delete(key);
      await detach(subscription?.handle);
    },
    async setLayer(roomId, participantId, layer) {
      const room = rooms.get(roomId);
      const subscription = room?.subscribers.get(participantId);
      if (!room || !subscription) throw new SfuError('no_connection', 'There is no subscription to configure');
      await configureLayer(subscription, layer);
      // The link that carries the presenter carries the speakers too: the participant's subscriptions to them
      // follow the same layer, audio only included.
      for (const [key, other] of room.subscribers) {
        if (other.speaker && isSubscriptionOf(key, participantId)) await configureLayer(other, layer);
      }
    },
    async leave(roomId, participantId) {
      const room = rooms.get(roomId);
      if (!room) return;
      const publisher = room.publisher;
      if (publisher?.participantId === participantId) {
        room.publisher = undefined;
        retire(room, publisher);
        await detach(publisher.handle);
      }
      const subscriptions = [...room.subscribers].filter(([key]) => isSubscriptionOf(key, participantId));
      for (const [key] of subscriptions) room.subscribers.delete(key);
      for (const key of [...room.subscribing.keys()]) if (isSubscriptionOf(key, participantId)) room.subscribing.delete(key);
      const speaker = room.speakers.get(participantId);
      room.speakers.delete(participantId);
      await Promise.all([...subscriptions.map(([, s]) => detach(s.handle)), speaker && retireSpeaker(room, participantId, speaker)]);
    },
    async destroyRoom(roomId) {
      const room = rooms.get(roomId);
      if (!room) return;
      rooms.delete(roomId);
      await room.creating?.catch(() => {});
      const handles = [room.publisher?.handle, ...[...room.speakers.values()].map((s) => s.handle), ...[...room.subscribers.values()].map((s) => s.handle)];
      await Promise.all(handles.map(detach));
      if (room.server?.control && room.janusRoom !== undefined) {
        const janusRoom = room.janusRoom;
        await room.server.control.destroy({ room: janusRoom, secret: room.secret }).catch((err: unknown) => {
          // Another process destroyed it first: the room is gone either way.
          if (janusCode(err) !== NO_SUCH_ROOM) report(err, { step: 'sfu-destroy', roomId });
        });
        await options.store?.remove(roomId, janusRoom).catch((err: unknown) => report(err, { step: 'sfu-destroy', roomId }));
      }
    },
    async endRoom(roomId) {
      // The Janus room may have been made by another process: this one learns it first, to destroy it.
      await refresh(roomId).catch((err: unknown) => report(err, { step: 'sfu-destroy', roomId }));
      ended.add(roomId);
      if (ended.size > MAX_ENDED_ROOMS) ended.delete(ended.values().next().value!);
      await this.destroyRoom(roomId);
    },
    hasRoom(roomId) {
      return rooms.get(roomId)?.server !== undefined;
    },
    status() {
      return servers.map(statusOf);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.all([...rooms.keys()].map((id) => this.destroyRoom(id)));
      await Promise.all(
        servers.map(async (server) => {
          await server.connecting?.catch(() => {});
          const connection = server.connection;
          server.connection = undefined;
          server.healthy = false;
          await connection?.close().catch(() => {});
        }),
      );
    },
  };
}
