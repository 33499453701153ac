// The presenter's one connection to the SFU (microphone, camera in three simulcast layers, screen as a second
// video), and a speaker's on stage (microphone and camera).
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
 * Simulcast layers, highest first: Janus numbers the rids of the SDP from the last (substream 0) to the first
 * (substream 2), as its own janus.js sends them; listed lowest first, "high" would forward the quarter-size layer.
 * Bitrates match what signaling/sfu-layers.ts assumes each layer needs. Every layer names its frame rate: Chromium
 * otherwise sends every layer at the lowest one's.
 */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, maxFramerate: 30 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 400_000, maxFramerate: 30 },
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 120_000, maxFramerate: 15 },
];

const SCREEN_MAX_BITRATE = 1_500_000;

/** Simulcast in Janus is a VP8 (and H.264) feature, and every browser sends it: the fallback to VP9 SVC. */
const SIMULCAST_CODECS = ['video/VP8', 'video/H264'];

/**
 * VP9 SVC: one encoder, one stream, three spatial layers (a quarter, half and full size) with three temporal
 * layers each, keyframes the only frames where spatial layers depend on each other (K-SVC), so Janus can
 * forward each attendee any spatial and temporal layer (`video_svc` in the room). Its whole stream is capped
 * like the top simulcast layer plus the two below it.
 */
export const SVC_MODE = 'L3T3_KEY';
/** Off until Janus's spatial-layer switching is shown working in e2e (see the publisher below). */
const SVC_ENABLED = false;
export const SVC_ENCODINGS: RTCRtpEncodingParameters[] = [{ scalabilityMode: SVC_MODE, maxBitrate: 1_720_000 } as RTCRtpEncodingParameters];

/** How the camera goes out: VP9 SVC where the browser encodes it, VP8 simulcast elsewhere. */
export type CameraLayering = 'svc' | 'simulcast';

/** The codecs that only ride along with a real one (retransmission, redundancy, FEC): kept in every list. */
const HELPER_CODEC = /\/(rtx|red|ulpfec|flexfec-03)$/i;

/**
 * Whether this browser encodes VP9 in L3T3_KEY for WebRTC, asked the standard way (Media Capabilities, which
 * Chromium answers for `scalabilityMode`; `getCapabilities()` lists no scalability modes without a flag).
 */
export async function cameraLayering(): Promise<CameraLayering> {
  try {
    const info = await navigator.mediaCapabilities?.encodingInfo({
      type: 'webrtc',
      video: { contentType: 'video/VP9', width: 1280, height: 720, bitrate: 1_720_000, framerate: 30, scalabilityMode: SVC_MODE },
    } as MediaEncodingConfiguration);
    return info?.supported ? 'svc' : 'simulcast';
  } catch {
    // Browsers that do not know the `webrtc` type (or scalabilityMode) send simulcast.
    return 'simulcast';
  }
}

/**
 * The codec list for one transceiver: for SVC, VP9 alone (profile 0 first), so Janus cannot pick VP8 from the
 * room's list; for simulcast, VP8 and H.264 without VP9, AV1 and the rest, which Janus would not simulcast.
 */
export function publisherCodecs<C extends { mimeType: string; sdpFmtpLine?: string }>(codecs: readonly C[], layering: CameraLayering): C[] {
  const wanted = layering === 'svc' ? ['video/VP9'] : SIMULCAST_CODECS;
  const kept = codecs.filter((c) => HELPER_CODEC.test(c.mimeType) || wanted.some((m) => m.toLowerCase() === c.mimeType.toLowerCase()));
  const profile0 = (c: C) => (layering === 'svc' && /profile-id=2/.test(c.sdpFmtpLine ?? '') ? 1 : 0);
  return orderCodecs(kept, wanted)
    .map((codec, index) => ({ codec, index }))
    .sort((a, b) => profile0(a.codec) - profile0(b.codec) || a.index - b.index)
    .map(({ codec }) => codec);
}

/** Retries of a refused or unanswered publication back off from the first to the last of these (ms). */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

export interface SfuPublisherOptions {
  /** Read at each new connection, so renewed TURN credentials are used. */
  ice: IceSettings;
  signaling: SfuSignaling;
  /** Whether a screen goes out too (the presenter's); a speaker on stage sends no screen. */
  screen?: boolean;
}

export type SfuPublisher = ReturnType<typeof makeSfuPublisher>;

export function makeSfuPublisher(options: SfuPublisherOptions) {
  const events = makeEmitter<SfuPublisherEvents>();
  const tracks: LocalTracks = { audio: null, camera: null, screen: null };
  let pc: RTCPeerConnection | null = null;
  let senders: { audio: RTCRtpSender; camera: RTCRtpSender; screen: RTCRtpSender | null } | null = null;
  let closed = false;
  let attempt = 0;

  const setState = (state: SfuLinkState) => events.emit('state', state);

  function preferVideo(transceiver: RTCRtpTransceiver, layering: CameraLayering) {
    if (typeof transceiver.setCodecPreferences !== 'function') return;
    const codecs = RTCRtpReceiver.getCapabilities?.('video')?.codecs;
    if (!codecs) return;
    try {
      transceiver.setCodecPreferences(publisherCodecs(codecs, layering));
    } catch {
      // The browser's own order still negotiates; Janus then picks the first codec the room allows.
    }
  }


  /**
   * A new connection and a new publication; the server replaces the previous one once Janus accepts this. A
   * refused or unanswered one is tried again (a busy server, a Janus restarting) until a newer one starts.
   */
  async function publish(): Promise<void> {
    const mine = ++attempt;
    for (let failures = 1; ; failures += 1) {
      try {
        return await publishOnce(mine);
      } catch (err) {
        if (mine !== attempt || closed) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS)));
        if (mine !== attempt || closed) throw err;
      }
    }
  }

  async function publishOnce(mine: number): Promise<void> {
    // VP9 SVC is negotiated where the browser encodes it, but Janus kept an attendee on the top spatial layer when a
    // lower one was asked for (640 px wide where 320 was asked), so the camera stays VP8 simulcast, whose layers
    // switch, until that works; cameraLayering() is what will pick SVC then.
    const cameraMode: CameraLayering = SVC_ENABLED ? await cameraLayering() : 'simulcast';
    if (mine !== attempt || closed) return;
    pc?.close();
    const next = new RTCPeerConnection({
      iceServers: options.ice.iceServers,
      iceTransportPolicy: options.ice.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    });
    pc = next;
    setState('connecting');
    const audio = next.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendonly' });
    const camera = next.addTransceiver(tracks.camera ?? 'video', {
      direction: 'sendonly',
      sendEncodings: cameraMode === 'svc' ? SVC_ENCODINGS : SIMULCAST_ENCODINGS,
    });
    const screen =
      options.screen === false ? null : next.addTransceiver(tracks.screen ?? 'video', { direction: 'sendonly', sendEncodings: [{ maxBitrate: SCREEN_MAX_BITRATE }] });
    preferVideo(camera, cameraMode);
    // The screen is one plain stream; VP8 keeps it on the codec every subscriber decodes cheapest.
    if (screen) preferVideo(screen, 'simulcast');
    senders = { audio: audio.sender, camera: camera.sender, screen: screen?.sender ?? null };
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
    /** Renewed TURN credentials: for the next connection, and for the ICE restarts of the current one. */
    setIceServers(iceServers: RTCIceServer[]) {
      options.ice.iceServers = iceServers;
      if (pc) pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
    },
    /** The connection, for counting and stats. */
    connection: () => pc,
    /** Swaps tracks without renegotiating: the transceivers exist from the first offer. */
    async setTracks(next: Partial<LocalTracks>) {
      Object.assign(tracks, next);
      if (!senders) return;
      const swaps: Promise<void>[] = [];
      if ('audio' in next) swaps.push(senders.audio.replaceTrack(tracks.audio));
      if ('camera' in next) swaps.push(senders.camera.replaceTrack(tracks.camera));
      if ('screen' in next && senders.screen) swaps.push(senders.screen.replaceTrack(tracks.screen));
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
