// An attendee's connection from the SFU: the presenter's audio, camera and screen, its first frame, its link reports.
import { makeEmitter } from './emitter.ts';
import type { IceSettings } from './peer.ts';
import type { AttendeeMedia } from './attendee-link.ts';
import type { SfuLinkState } from './sfu-publisher.ts';
import { subscriberReport, type SubscriberCounters } from './sfu-stats.ts';
import type { SfuSignaling } from './signaling.ts';

export interface SfuSubscriberEvents {
  state: SfuLinkState;
  media: AttendeeMedia;
  /** The first video frame of this subscription was decoded: the star link may close now. */
  'first-frame': { feed: number };
}

export interface SfuSubscriberOptions {
  /** Read at each new connection, so renewed TURN credentials are used. */
  ice: IceSettings;
  signaling: SfuSignaling;
  statsIntervalMs?: number;
  /** How often to look for the first decoded frame while waiting for it. */
  firstFramePollMs?: number;
}

export type SfuSubscriber = ReturnType<typeof makeSfuSubscriber>;

/** Retries of a refused or unanswered subscription back off from the first to the last of these (ms). */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

export function makeSfuSubscriber(options: SfuSubscriberOptions) {
  const events = makeEmitter<SfuSubscriberEvents>();
  let pc: RTCPeerConnection | null = null;
  /** The feed of the connection in `pc`, once Janus has its answer. */
  let feed: number | null = null;
  /** The feed the server named last: what this subscriber works towards, whatever order the news came in. */
  let wanted: number | null = null;
  let following = false;
  let counters: SubscriberCounters | null = null;
  let firstFrameTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeRetry: (() => void) | undefined;

  const statsTimer = setInterval(async () => {
    if (!pc || pc.connectionState !== 'connected') return;
    try {
      const result = subscriberReport((await pc.getStats()).values() as Iterable<{ type: string }>, counters);
      counters = result.counters;
      options.signaling.stats(result.report);
    } catch {
      // A connection closing under getStats has nothing left to report.
    }
  }, options.statsIntervalMs ?? 2000);

  function watchFirstFrame(connection: RTCPeerConnection, forFeed: number) {
    clearInterval(firstFrameTimer);
    firstFrameTimer = setInterval(async () => {
      if (pc !== connection) return clearInterval(firstFrameTimer);
      const stats = await connection.getStats().catch(() => null);
      let decoded = 0;
      stats?.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded ?? 0;
      });
      if (decoded > 0) {
        clearInterval(firstFrameTimer);
        events.emit('first-frame', { feed: forFeed });
      }
    }, options.firstFramePollMs ?? 100);
  }

  /** Waits before the next try; news of another feed cuts the wait short. */
  function backOff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, ms);
    }).finally(() => {
      clearTimeout(retryTimer);
      wakeRetry = undefined;
    });
  }

  /**
   * One subscription at a time, always to the feed named last: two in flight would race on the server (one
   * participant has one subscription there), and a refused or unanswered one is tried again, not forgotten.
   */
  async function follow(): Promise<void> {
    if (following) return;
    following = true;
    try {
      let failures = 0;
      while (!closed && wanted !== null && wanted !== feed) {
        try {
          await connect(wanted);
          failures = 0;
        } catch {
          failures += 1;
          if (!closed) await backOff(Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS));
        }
      }
    } finally {
      following = false;
    }
  }

  /** A new connection to `to`; the previous one goes once Janus has this one's answer. */
  async function connect(to: number): Promise<void> {
    const offer = await options.signaling.subscribe(to);
    // Another feed was named meanwhile: the loop subscribes to that one instead.
    if (wanted !== to || closed) return;
    const next = new RTCPeerConnection({
      iceServers: options.ice.iceServers,
      iceTransportPolicy: options.ice.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    });
    let media: AttendeeMedia = { camera: null, screen: null, audio: null };
    next.ontrack = (event) => {
      // Janus offers the presenter's streams in the order published: audio, camera, then screen.
      const stream = new MediaStream([event.track]);
      if (event.track.kind === 'audio') media = { ...media, audio: stream };
      else {
        const videos = next.getTransceivers().filter((t) => t.receiver.track.kind === 'video');
        media = videos.indexOf(event.transceiver) === 1 ? { ...media, screen: stream } : { ...media, camera: stream };
      }
      if (pc === next) events.emit('media', media);
    };
    next.onicecandidate = ({ candidate }) => options.signaling.candidate(candidate ? candidate.toJSON() : null);
    next.onconnectionstatechange = () => {
      if (pc !== next) return;
      if (next.connectionState === 'connected') events.emit('state', 'connected');
      if (next.connectionState === 'failed') {
        events.emit('state', 'failed');
        // Subscribe again, to whatever feed the server named last (the one this connection had, or a newer one).
        feed = null;
        void follow();
      }
    };
    try {
      await next.setRemoteDescription({ type: 'offer', sdp: offer });
      const answer = await next.createAnswer();
      await next.setLocalDescription(answer);
      if (wanted !== to || closed) return next.close();
      await options.signaling.answer(answer.sdp ?? '');
    } catch (err) {
      next.close();
      throw err;
    }
    if (closed) return next.close();
    const previous = pc;
    pc = next;
    feed = to;
    counters = null;
    events.emit('state', next.connectionState === 'connected' ? 'connected' : 'connecting');
    previous?.close();
    events.emit('media', media);
    watchFirstFrame(next, to);
  }

  return {
    on: events.on,
    /**
     * The room's feed as the server names it: subscribes (again) when it differs from the one this connection
     * has; null (no live feed right now) only stops the retries, the next feed named brings a new subscription.
     */
    follow(to: number | null) {
      wanted = to;
      wakeRetry?.();
      if (to !== null) void follow();
    },
    feed: () => feed,
    connection: () => pc,
    /** Renewed TURN credentials: for the next subscription, and for the ICE restarts of the current one. */
    setIceServers(iceServers: RTCIceServer[]) {
      options.ice.iceServers = iceServers;
      if (pc) pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
    },
    close() {
      closed = true;
      wakeRetry?.();
      clearInterval(statsTimer);
      clearInterval(firstFrameTimer);
      pc?.close();
      pc = null;
      events.clear();
    },
  };
}
