// The attendee's side of the star: one polite peer toward the presenter, the received media, an optional mic.
import { preferCodecs } from './codecs.ts';
import { makeEmitter } from './emitter.ts';
import { makePeer, type IceSettings, type Peer, type PeerState } from './peer.ts';
import type { LinkPath } from './quality.ts';
import { sdpFingerprint, type PauseReason, type PeerSignaling } from './signaling.ts';
import type { MediaControlAction, StageFeed } from '../../signaling/protocol.ts';

export interface AttendeeMedia {
  camera: MediaStream | null;
  screen: MediaStream | null;
  audio: MediaStream | null;
}

/** Per speaker on stage, their microphone and camera as the presenter forwards them. */
export type StageMedia = Record<string, { audio: MediaStream | null; video: MediaStream | null }>;

/**
 * The presenter's transceivers come in a fixed order: its microphone, camera and screen, this attendee's camera
 * toward it (used on stage), then the stage's slots (a speaker's microphone and camera each).
 */
const PRESENTER_AUDIO = 0;
const PRESENTER_SCREEN = 2;
const UP_CAMERA = 3;
const FIRST_STAGE_SLOT = 4;

/** A hello no offer answered is said again after this, then twice as long each time, up to the maximum. */
const HELLO_AGAIN_MS = 4_000;
const HELLO_AGAIN_MAX_MS = 30_000;

export interface AttendeeLinkEvents {
  state: PeerState;
  media: AttendeeMedia;
  stage: StageMedia;
  control: { action: MediaControlAction; reason?: PauseReason };
  unreachable: boolean;
  path: LinkPath | null;
}

export interface AttendeeLinkOptions extends IceSettings {
  presenterId: string;
  signaling: PeerSignaling;
}

export type AttendeeLink = ReturnType<typeof makeAttendeeLink>;

export function makeAttendeeLink(options: AttendeeLinkOptions) {
  const { presenterId, signaling } = options;
  const events = makeEmitter<AttendeeLinkEvents>();
  let media: AttendeeMedia = { camera: null, screen: null, audio: null };
  let microphone: MediaStreamTrack | null = null;
  let camera: MediaStreamTrack | null = null;
  /** Forwarded speakers' tracks by the slot's stream id, and which speaker each slot carries. */
  let slots = new Map<string, { audio: MediaStream | null; video: MediaStream | null }>();
  let feeds: StageFeed[] = [];
  let audioOnly = false;
  let closed = false;
  /** Set once the presenter's offer reached the current peer; until then the hello is said again, less and less often. */
  let offered = false;
  let helloTimer: ReturnType<typeof setTimeout> | undefined;
  let peer = create();

  /**
   * Tells the presenter this page has a fresh peer waiting for an offer. A hello can go unheard (the presenter's
   * page was loading, or sent its offer before this page joined), so it is said again until an offer comes.
   */
  function sayHello(delay = HELLO_AGAIN_MS) {
    clearTimeout(helloTimer);
    offered = false;
    signaling.control(presenterId, 'peer-ready');
    if (audioOnly) signaling.control(presenterId, 'audio-only-on', 'request');
    helloTimer = setTimeout(() => {
      if (!closed && !offered) sayHello(Math.min(delay * 2, HELLO_AGAIN_MAX_MS));
    }, delay);
  }

  function create(): Peer {
    const next = makePeer({
      remoteId: presenterId,
      polite: true,
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      signaling,
    });
    next.on('state', (state) => events.emit('state', state));
    next.on('unreachable', (unreachable) => events.emit('unreachable', unreachable));
    next.on('stats', (sample) => events.emit('path', sample.path));
    next.on('broken', () => reset(true));
    next.on('track', (event) => {
      const stream = new MediaStream([event.track]);
      const kind = event.track.kind === 'audio' ? 'audio' : 'video';
      preferCodecs(event.transceiver, kind);
      const index = next.pc.getTransceivers().indexOf(event.transceiver);
      if (index >= FIRST_STAGE_SLOT) {
        const slot = event.streams[0]?.id;
        if (!slot) return;
        slots.set(slot, { audio: null, video: null, ...slots.get(slot), [kind]: stream });
        events.emit('stage', stageMedia());
        return;
      }
      if (index === PRESENTER_AUDIO) media = { ...media, audio: stream };
      else media = index === PRESENTER_SCREEN ? { ...media, screen: stream } : { ...media, camera: stream };
      events.emit('media', media);
    });
    return next;
  }

  function stageMedia(): StageMedia {
    const out: StageMedia = {};
    for (const feed of feeds) out[feed.participantId] = slots.get(feed.stream) ?? { audio: null, video: null };
    return out;
  }

  function reset(announce: boolean) {
    peer.close();
    if (closed) return;
    media = { camera: null, screen: null, audio: null };
    slots = new Map();
    events.emit('media', media);
    events.emit('stage', stageMedia());
    peer = create();
    if (announce) sayHello();
  }

  /** Sends the microphone on the audio transceiver the presenter offered; a direction change renegotiates. */
  async function syncMicrophone() {
    const audio = peer.pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio' && t.currentDirection !== 'stopped');
    if (!audio) return;
    await audio.sender.replaceTrack(microphone);
    const direction: RTCRtpTransceiverDirection = microphone ? 'sendrecv' : 'recvonly';
    if (audio.direction !== direction) audio.direction = direction;
  }

  /** Sends the camera (on stage) on the transceiver the presenter keeps for it; a direction change renegotiates. */
  async function syncCamera() {
    const up = peer.pc.getTransceivers()[UP_CAMERA];
    if (!up || up.receiver.track.kind !== 'video' || up.currentDirection === 'stopped') return;
    await up.sender.replaceTrack(camera);
    const direction: RTCRtpTransceiverDirection = camera ? 'sendonly' : 'recvonly';
    if (up.direction !== direction) up.direction = direction;
  }

  return {
    on: events.on,
    /** Tells the presenter this page has a fresh peer waiting for an offer, and how it wants its media. */
    hello() {
      sayHello();
    },
    async handleDescription(from: string, description: RTCSessionDescriptionInit) {
      if (from !== presenterId || closed) return;
      if (description.type === 'offer') {
        offered = true;
        clearTimeout(helloTimer);
      }
      const known = peer.remoteFingerprint();
      const incoming = sdpFingerprint(description.sdp);
      if (description.type === 'offer' && known && incoming && known !== incoming) reset(false);
      await peer.handleDescription(description);
      if (description.type === 'offer') {
        await syncMicrophone().catch(() => {});
        await syncCamera().catch(() => {});
      }
    },
    async handleCandidate(from: string, candidate: RTCIceCandidateInit | null) {
      if (from === presenterId) await peer.handleCandidate(candidate);
    },
    handleControl(from: string, action: MediaControlAction, reason?: PauseReason, stageFeeds?: StageFeed[]) {
      if (from !== presenterId) return;
      if (action === 'stage-feeds') {
        feeds = stageFeeds ?? [];
        events.emit('stage', stageMedia());
      } else events.emit('control', { action, reason });
    },
    async setMicrophone(track: MediaStreamTrack | null) {
      microphone = track;
      await syncMicrophone();
    },
    /** The camera toward the presenter, while on stage (null: none). */
    async setCamera(track: MediaStreamTrack | null) {
      camera = track;
      await syncCamera();
    },
    /** Fresh TURN credentials, for this peer and any it is replaced with. */
    setIceServers(iceServers: RTCIceServer[]) {
      options.iceServers = iceServers;
      peer.setIceServers(iceServers);
    },
    /** The current peer's stats (what this page receives from the presenter). */
    stats: () => peer.pc.getStats(),
    setAudioOnly(on: boolean) {
      audioOnly = on;
      signaling.control(presenterId, on ? 'audio-only-on' : 'audio-only-off', 'request');
    },
    close() {
      closed = true;
      clearTimeout(helloTimer);
      peer.close();
      events.clear();
    },
  };
}
