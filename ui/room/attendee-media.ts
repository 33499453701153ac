// The attendee's received media, optional microphone and "audio only" switch as Solid signals over the rtc link.
import { createSignal, onCleanup } from 'solid-js';
import type { MediaControlAction } from '../../signaling/protocol.ts';
import { makeAttendeeLink, type AttendeeLink, type AttendeeMedia as ReceivedMedia } from '../rtc/attendee-link.ts';
import type { IceSettings } from '../rtc/peer.ts';
import type { PauseReason, PeerSignaling } from '../rtc/signaling.ts';
import type { RoomStore } from './room-store.ts';

export type AttendeeMedia = ReturnType<typeof createAttendeeMedia>;

export function createAttendeeMedia(store: RoomStore, signaling: PeerSignaling, ice: IceSettings) {
  const [received, setReceived] = createSignal<ReceivedMedia>({ camera: null, screen: null, audio: null });
  const [microphoneOn, setMicrophoneOn] = createSignal(false);
  const [audioOnly, setAudioOnly] = createSignal(false);
  const [microphoneError, setMicrophoneError] = createSignal<string | null>(null);
  let link: AttendeeLink | null = null;
  let microphone: MediaStreamTrack | null = null;

  /** The link starts at the join ack or at the presenter's first offer, whichever comes first. */
  function ensureLink(presenterId: string): AttendeeLink {
    if (link) return link;
    const created = makeAttendeeLink({ presenterId, signaling, ...ice });
    created.on('media', setReceived);
    created.on('state', (state) => store.events.link({ state }));
    created.on('unreachable', (unreachable) => store.events.link({ unreachable }));
    created.on('path', (path) => store.events.link({ path }));
    created.on('control', ({ action, reason }) => {
      if (action === 'video-paused') store.events.link({ videoPaused: reason ?? 'bandwidth' });
      if (action === 'video-resumed') store.events.link({ videoPaused: null });
    });
    link = created;
    if (audioOnly()) created.setAudioOnly(true);
    if (microphone) void created.setMicrophone(microphone);
    return created;
  }

  /** Sends the microphone (or nothing) to the presenter; a renegotiation in progress picks it up later. */
  async function attachMicrophone() {
    try {
      await link?.setMicrophone(microphone);
    } catch {
      // The next offer from the presenter runs the same sync, so a refused swap is only delayed.
    }
  }

  async function microphoneOff() {
    microphone?.stop();
    microphone = null;
    setMicrophoneOn(false);
    await Promise.all([attachMicrophone(), store.actions.mediaState(false, false).catch(() => {})]);
  }

  async function toggleMicrophone() {
    if (microphone) return microphoneOff();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
      microphone = stream.getAudioTracks()[0] ?? null;
    } catch {
      setMicrophoneError('Your microphone could not be opened. Check the browser permission.');
      return;
    }
    setMicrophoneError(null);
    store.actions.acknowledgeMute();
    setMicrophoneOn(microphone !== null);
    await Promise.all([attachMicrophone(), store.actions.mediaState(true, false).catch(() => {})]);
  }

  onCleanup(() => {
    link?.close();
    microphone?.stop();
  });

  return {
    received,
    microphoneOn,
    microphoneError,
    audioOnly,
    toggleMicrophone,
    microphoneOff,
    setAudioOnly(on: boolean) {
      setAudioOnly(on);
      link?.setAudioOnly(on);
    },
    /** After each join ack; only a link opened just now announces itself, a reconnect keeps its peer. */
    joined(presenterId: string) {
      const fresh = link === null;
      const current = ensureLink(presenterId);
      if (fresh) current.hello();
      // A new participant row starts unmuted; say what is true, so the presenter does not see a live mic.
      void store.actions.mediaState(microphoneOn(), false).catch(() => {});
    },
    async description(from: string, description: RTCSessionDescriptionInit) {
      await ensureLink(from).handleDescription(from, description);
    },
    async candidate(from: string, candidate: RTCIceCandidateInit | null) {
      await link?.handleCandidate(from, candidate);
    },
    control(from: string, action: MediaControlAction, reason?: PauseReason) {
      link?.handleControl(from, action, reason);
    },
    setIceServers(iceServers: RTCIceServer[]) {
      ice.iceServers = iceServers;
      link?.setIceServers(iceServers);
    },
  };
}
