// The attendee's side of the star: one polite peer toward the presenter, the received media, an optional mic.
import { preferCodecs } from './codecs.ts';
import { makeEmitter } from './emitter.ts';
import { makePeer, type IceSettings, type Peer, type PeerState } from './peer.ts';
import type { LinkPath } from './quality.ts';
import { sdpFingerprint, type PauseReason, type PeerSignaling } from './signaling.ts';
import type { MediaControlAction } from '../../signaling/protocol.ts';

export interface AttendeeMedia {
  camera: MediaStream | null;
  screen: MediaStream | null;
  audio: MediaStream | null;
}

export interface AttendeeLinkEvents {
  state: PeerState;
  media: AttendeeMedia;
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
  let audioOnly = false;
  let closed = false;
  let peer = create();

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
      // The presenter's transceivers come in a fixed order: audio, camera, then screen.
      const stream = new MediaStream([event.track]);
      if (event.track.kind === 'audio') media = { ...media, audio: stream };
      else {
        const videos = next.pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video');
        media = videos.indexOf(event.transceiver) === 1 ? { ...media, screen: stream } : { ...media, camera: stream };
      }
      preferCodecs(event.transceiver, event.track.kind === 'audio' ? 'audio' : 'video');
      events.emit('media', media);
    });
    return next;
  }

  function reset(announce: boolean) {
    peer.close();
    if (closed) return;
    media = { camera: null, screen: null, audio: null };
    events.emit('media', media);
    peer = create();
    if (announce) signaling.control(presenterId, 'peer-ready');
  }

  /** Sends the microphone on the audio transceiver the presenter offered; a direction change renegotiates. */
  async function syncMicrophone() {
    const audio = peer.pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio' && t.currentDirection !== 'stopped');
    if (!audio) return;
    await audio.sender.replaceTrack(microphone);
    const direction: RTCRtpTransceiverDirection = microphone ? 'sendrecv' : 'recvonly';
    if (audio.direction !== direction) audio.direction = direction;
  }

  return {
    on: events.on,
    /** Tells the presenter this page has a fresh peer waiting for an offer, and how it wants its media. */
    hello() {
      signaling.control(presenterId, 'peer-ready');
      if (audioOnly) signaling.control(presenterId, 'audio-only-on', 'request');
    },
    async handleDescription(from: string, description: RTCSessionDescriptionInit) {
      if (from !== presenterId || closed) return;
      const known = peer.remoteFingerprint();
      const incoming = sdpFingerprint(description.sdp);
      if (description.type === 'offer' && known && incoming && known !== incoming) reset(false);
      await peer.handleDescription(description);
      if (description.type === 'offer') await syncMicrophone().catch(() => {});
    },
    async handleCandidate(from: string, candidate: RTCIceCandidateInit | null) {
      if (from === presenterId) await peer.handleCandidate(candidate);
    },
    handleControl(from: string, action: MediaControlAction, reason?: PauseReason) {
      if (from === presenterId) events.emit('control', { action, reason });
    },
    async setMicrophone(track: MediaStreamTrack | null) {
      microphone = track;
      await syncMicrophone();
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
      peer.close();
      events.clear();
    },
  };
}
