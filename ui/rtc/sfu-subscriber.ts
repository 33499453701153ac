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

export function makeSfuSubscriber(options: SfuSubscriberOptions) {
  const events = makeEmitter<SfuSubscriberEvents>();
  let pc: RTCPeerConnection | null = null;
  let feed: number | null = null;
  let counters: SubscriberCounters | null = null;
  let firstFrameTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let attempt = 0;

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

  /** Subscribes to `to` (again, after a move or a presenter reload); the previous connection goes once this one is set up. */
  async function subscribe(to: number): Promise<void> {
    const mine = ++attempt;
    feed = to;
    const offer = await options.signaling.subscribe(to);
    if (mine !== attempt || closed) return;
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
        if (!closed && feed !== null) void subscribe(feed).catch(() => {});
      }
    };
    await next.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await next.createAnswer();
    await next.setLocalDescription(answer);
    const previous = pc;
    pc = next;
    counters = null;
    events.emit('state', 'connecting');
    await options.signaling.answer(answer.sdp ?? '');
    previous?.close();
    events.emit('media', media);
    watchFirstFrame(next, to);
  }

  return {
    on: events.on,
    subscribe,
    feed: () => feed,
    connection: () => pc,
    /** Renewed TURN credentials: for the next subscription, and for the ICE restarts of the current one. */
    setIceServers(iceServers: RTCIceServer[]) {
      options.ice.iceServers = iceServers;
      if (pc) pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
    },
    close() {
      closed = true;
      clearInterval(statsTimer);
      clearInterval(firstFrameTimer);
      pc?.close();
      pc = null;
      events.clear();
    },
  };
}
