// The presenter's one connection to the SFU: microphone, camera in three simulcast layers, screen as a second video.
import { orderCodecs } from './codecs.ts';
import { makeEmitter } from './emitter.ts';
import type { IceSettings } from './peer.ts';
import type { LocalTracks } from './presenter-hub.ts';
import type { SfuSignaling } from './signaling.ts';

export type SfuLinkState = 'idle' | 'connecting' | 'connected' | 'failed' | 'closed';

export interface SfuPublisherEvents {
  state: SfuLinkState;
}

/**
 * Simulcast layers, lowest first (Janus's substream 0, 1, 2). Bitrates match what signaling/sfu-layers.ts
 * assumes each layer needs.
 */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 120_000, maxFramerate: 15 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

const SCREEN_MAX_BITRATE = 1_500_000;

/**
 * Simulcast in Janus is a VP8 (and H.264) feature, and every browser sends it. VP9 SVC (one stream with
 * `scalabilityMode` layers) would save the presenter two encodes but is not used yet.
 */
const SIMULCAST_CODECS = ['video/VP8', 'video/H264'];

export interface SfuPublisherOptions {
  /** Read at each new connection, so renewed TURN credentials are used. */
  ice: IceSettings;
  signaling: SfuSignaling;
}

export type SfuPublisher = ReturnType<typeof makeSfuPublisher>;

export function makeSfuPublisher(options: SfuPublisherOptions) {
  const events = makeEmitter<SfuPublisherEvents>();
  const tracks: LocalTracks = { audio: null, camera: null, screen: null };
  let pc: RTCPeerConnection | null = null;
  let senders: { audio: RTCRtpSender; camera: RTCRtpSender; screen: RTCRtpSender } | null = null;
  let closed = false;
  let attempt = 0;

  const setState = (state: SfuLinkState) => events.emit('state', state);

  function preferVideo(transceiver: RTCRtpTransceiver) {
    if (typeof transceiver.setCodecPreferences !== 'function') return;
    const codecs = RTCRtpReceiver.getCapabilities?.('video')?.codecs;
    if (!codecs) return;
    try {
      transceiver.setCodecPreferences(orderCodecs(codecs, SIMULCAST_CODECS));
    } catch {
      // The browser's own order still negotiates; Janus then picks the first codec the room allows.
    }
  }

  /** A new connection and a new publication; the server replaces the previous one once Janus accepts this. */
  async function publish(): Promise<void> {
    const mine = ++attempt;
    pc?.close();
    const next = new RTCPeerConnection({
      iceServers: options.ice.iceServers,
      iceTransportPolicy: options.ice.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    });
    pc = next;
    setState('connecting');
    const audio = next.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendonly' });
    const camera = next.addTransceiver(tracks.camera ?? 'video', { direction: 'sendonly', sendEncodings: SIMULCAST_ENCODINGS });
    const screen = next.addTransceiver(tracks.screen ?? 'video', { direction: 'sendonly', sendEncodings: [{ maxBitrate: SCREEN_MAX_BITRATE }] });
    preferVideo(camera);
    preferVideo(screen);
    senders = { audio: audio.sender, camera: camera.sender, screen: screen.sender };
    next.onicecandidate = ({ candidate }) => options.signaling.candidate(candidate ? candidate.toJSON() : null);
    next.onconnectionstatechange = () => {
      if (pc !== next) return;
      if (next.connectionState === 'connected') setState('connected');
      else if (next.connectionState === 'failed') {
        setState('failed');
        // A publication that lost its path to Janus starts over: a fresh connection, a fresh feed.
        if (!closed) void publish().catch(() => {});
      }
    };
    const offer = await next.createOffer();
    await next.setLocalDescription(offer);
    const answer = await options.signaling.publish(offer.sdp ?? '');
    if (mine !== attempt || closed) return;
    await next.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  return {
    on: events.on,
    publish,
    /** The connection, for counting and stats. */
    connection: () => pc,
    /** Swaps tracks without renegotiating: the transceivers exist from the first offer. */
    async setTracks(next: Partial<LocalTracks>) {
      Object.assign(tracks, next);
      if (!senders) return;
      const swaps: Promise<void>[] = [];
      if ('audio' in next) swaps.push(senders.audio.replaceTrack(tracks.audio));
      if ('camera' in next) swaps.push(senders.camera.replaceTrack(tracks.camera));
      if ('screen' in next) swaps.push(senders.screen.replaceTrack(tracks.screen));
      await Promise.allSettled(swaps);
    },
    close() {
      closed = true;
      pc?.close();
      pc = null;
      setState('closed');
      events.clear();
    },
  };
}
