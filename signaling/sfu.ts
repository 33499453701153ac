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
}

export interface Sfu {
  /** Where room moves and feed changes go (the signaling server, which tells the browsers). */
  listen(listener: SfuListener): void;
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
  /** Starts a subscription to `feed`; returns Janus's offer. Replaces this participant's earlier subscription. */
  subscribe(roomId: string, participantId: string, feed: number): Promise<{ sdp: string }>;
  /** The subscriber's answer to the offer from `subscribe`. */
  answer(roomId: string, participantId: string, answerSdp: string): Promise<void>;
  /**
   * A browser's ICE candidate for its publisher or subscriber connection (`speaker`: an attendee's publication on
   * stage, which it has beside its subscription); null ends its candidates.
   */
  trickle(roomId: string, participantId: string, candidate: RTCIceCandidateInit | null, to?: 'speaker'): Promise<void>;
  setLayer(roomId: string, participantId: string, layer: SfuLayer): Promise<void>;
  /** Hangs up whatever this participant has in the room (its publisher or its subscription). */
  leave(roomId: string, participantId: string): Promise<void>;
  destroyRoom(roomId: string): Promise<void>;
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
}

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
  /**
   * Feeds this process's publishers had before they were replaced or left: the shared store may still name one
   * for a moment (its clearing is a write in flight), and subscribing to it would fail.
   */
  retiredFeeds: Set<number>;
  /** The Janus room this process lost with its server: the shared store's row naming it is stale. */
  lostJanusRoom?: number;
  subscribers: Map<string, Subscription>;
  /**
   * Per participant, the number of its latest subscribe: an earlier one that Janus answers later (two requests in
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
  let subscribeTurns = 0;
  let closed = false;
  let listener: SfuListener | undefined;
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
      room.remoteFeed = undefined;
      room.subscribers.clear();
      void replace(room);
    }
  }

  async function replace(room: Room) {
    if (closed || room.server || room.creating || !servers.some((s) => s.healthy)) return;
    try {
      await ensureRoom(room.id);
      listener?.roomMoved(room.id);
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
      room = { id: roomId, speakers: new Map(), subscribers: new Map(), subscribing: new Map(), retiredFeeds: new Set() };
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
    room.retiredFeeds.add(publisher.feed);
    // A few are enough: only a store read racing the clearing write can bring one back.
    if (room.retiredFeeds.size > 8) room.retiredFeeds.delete(room.retiredFeeds.values().next().value!);
    if (room.remoteFeed === publisher.feed) room.remoteFeed = undefined;
    void shareFeed(room.id, publisher.janusRoom, null, publisher.feed).then(() => listener?.feedChanged(room.id, feedOf(room.id)));
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
    if (!shared) return local?.server !== undefined;
    const room = roomOf(roomId);
    if (room.server && room.janusRoom === shared.janusRoom) {
      room.remoteFeed = sharedFeed(room, shared);
      return true;
    }
    const server = await adoptable(room, shared);
    if (!server) return room.server !== undefined;
    adopt(room, server, shared);
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
      listener = l;
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
        void shareFeed(roomId, janusRoom, publisher.feed).then(() => listener?.feedChanged(roomId, publisher.feed));
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
    async publishSpeaker(roomId, participantId, offerSdp) {
      await ensureRoom(roomId);
      const room = roomOf(roomId);
      const joined = await joinAsPublisher(room, participantId, offerSdp);
      const { handle } = joined;
      const previous = room.speakers.get(participantId);
      const speaker: Speaker = { handle, feed: joined.feed, live: false, mids: offerMids(offerSdp) };
      room.speakers.set(participantId, speaker);
      handle.once(Janode.EVENT.HANDLE_WEBRTCUP, () => {
        speaker.live = true;
      });
      handle.once(Janode.EVENT.HANDLE_HANGUP, () => {
        if (room.speakers.get(participantId) !== speaker) return;
        room.speakers.delete(participantId);
        void detach(handle);
      });
      if (previous) void detach(previous.handle);
      return { sdp: joined.sdp, feed: joined.feed };
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
      await detach(speaker.handle);
    },
    async subscribe(roomId, participantId, feed) {
      const room = rooms.get(roomId);
      const live = feedOf(roomId);
      if (live === undefined || !room?.server) throw new SfuError('no_publisher', 'The presenter is not publishing right now');
      if (live !== feed) throw new SfuError('wrong_feed', 'That feed is not this room’s presenter');
      const turn = ++subscribeTurns;
      room.subscribing.set(participantId, turn);
      const handle = await attach(room);
      let joined: { jsep?: { sdp: string }; streams?: Array<{ type: string; mid: string }> };
      try {
        joined = await handle.joinSubscriber({ room: room.janusRoom!, streams: [{ feed }], autoupdate: true });
        if (!joined.jsep) throw new SfuError('no_publisher', 'The presenter is not sending media yet');
      } catch (err) {
        void detach(handle);
        if (janusCode(err) === NO_SUCH_FEED) throw new SfuError('no_publisher', 'The presenter is not publishing right now');
        throw clientError(err, 'subscription');
      }
      if (room.subscribing.get(participantId) !== turn || rooms.get(roomId) !== room) {
        void detach(handle);
        throw new SfuError('no_connection', 'A newer subscription (or a leave) replaced this one');
      }
      const previous = room.subscribers.get(participantId);
      room.subscribers.set(participantId, {
        handle,
        videoMids: (joined.streams ?? []).filter((s) => s.type === 'video').map((s) => s.mid),
        layer: { substream: 2, temporal: 2 },
      });
      if (previous) void detach(previous.handle);
      return { sdp: joined.jsep.sdp };
    },
    async answer(roomId, participantId, answerSdp) {
      const subscription = rooms.get(roomId)?.subscribers.get(participantId);
      if (!subscription) throw new SfuError('no_connection', 'There is no subscription to answer');
      try {
        await subscription.handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
      } catch (err) {
        throw clientError(err, 'answer');
      }
    },
    async trickle(roomId, participantId, candidate, to) {
      const room = rooms.get(roomId);
      const handle =
        to === 'speaker'
          ? room?.speakers.get(participantId)?.handle
          : room?.publisher?.participantId === participantId
            ? room.publisher.handle
            : room?.subscribers.get(participantId)?.handle;
      if (!handle) throw new SfuError('no_connection', 'There is no media server connection for this candidate');
      await (candidate === null ? handle.trickleComplete() : handle.trickle(candidate));
    },
    async setLayer(roomId, participantId, layer) {
      const subscription = rooms.get(roomId)?.subscribers.get(participantId);
      if (!subscription) throw new SfuError('no_connection', 'There is no subscription to configure');
      const streams = subscription.videoMids.map((mid) =>
        // One request serves both kinds of publisher: a VP8 simulcast stream reads substream/temporal, a VP9
        // SVC stream spatial_layer/temporal_layer; Janus ignores the pair that does not apply.
        layer === 'audio-only'
          ? { mid, send: false }
          : { mid, send: true, substream: layer.substream, temporal: layer.temporal, spatial_layer: layer.substream, temporal_layer: layer.temporal },
      );
      if (streams.length > 0) await subscription.handle.configure({ streams });
      subscription.layer = layer;
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
      const subscription = room.subscribers.get(participantId);
      room.subscribers.delete(participantId);
      room.subscribing.delete(participantId);
      const speaker = room.speakers.get(participantId);
      room.speakers.delete(participantId);
      await Promise.all([detach(subscription?.handle), detach(speaker?.handle)]);
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
