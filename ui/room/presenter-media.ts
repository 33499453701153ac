// The presenter's camera, microphone and screen as Solid signals over the rtc hub, cleaned up with the owner.
import { createSignal, onCleanup } from 'solid-js';
import { makePresenterHub, type PresenterHub } from '../rtc/presenter-hub.ts';
import type { IceSettings } from '../rtc/peer.ts';
import type { PeerSignaling } from '../rtc/signaling.ts';
import type { RoomStore } from './room-store.ts';

export type PresenterMedia = ReturnType<typeof createPresenterMedia>;

export function createPresenterMedia(store: RoomStore, signaling: PeerSignaling, ice: IceSettings, budgetBps?: number) {
  const hub: PresenterHub = makePresenterHub({ signaling, ...ice, budgetBps });
  const [preview, setPreview] = createSignal<MediaStream | null>(null);
  const [screen, setScreen] = createSignal<MediaStream | null>(null);
  const [cameraOn, setCameraOn] = createSignal(false);
  const [microphoneOn, setMicrophoneOn] = createSignal(false);
  const [mediaError, setMediaError] = createSignal<string | null>(null);
  const [remoteAudio, setRemoteAudio] = createSignal<Record<string, MediaStream>>({});
  let camera: MediaStreamTrack | null = null;
  let microphone: MediaStreamTrack | null = null;
  let screenTrack: MediaStreamTrack | null = null;

  hub.on('peer', ({ participantId, view }) => store.events.peer(participantId, view));
  hub.on('remote-audio', ({ participantId, stream }) =>
    setRemoteAudio((all) => {
      const next = { ...all };
      if (stream) next[participantId] = stream;
      else delete next[participantId];
      return next;
    }),
  );

  const reportMediaState = () => store.actions.mediaState(microphoneOn(), cameraOn()).catch(() => {});

  async function start() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      });
      camera = stream.getVideoTracks()[0] ?? null;
      microphone = stream.getAudioTracks()[0] ?? null;
      if (camera) camera.contentHint = 'motion';
      setPreview(camera ? new MediaStream([camera]) : null);
      setCameraOn(camera !== null);
      setMicrophoneOn(microphone !== null);
      await hub.setTracks({ audio: microphone, camera });
      setMediaError(null);
    } catch (err) {
      setMediaError(
        err instanceof DOMException && err.name === 'NotAllowedError'
          ? 'Camera and microphone are blocked. Allow them in the address bar, then press "Try again".'
          : 'No camera or microphone could be opened. Attendees can still chat and ask questions.',
      );
    }
    await reportMediaState();
  }

  function toggleCamera() {
    if (!camera) return;
    camera.enabled = !camera.enabled;
    setCameraOn(camera.enabled);
    void reportMediaState();
  }

  function toggleMicrophone() {
    if (!microphone) return;
    microphone.enabled = !microphone.enabled;
    setMicrophoneOn(microphone.enabled);
    void reportMediaState();
  }

  async function stopScreenShare() {
    if (!screenTrack) return;
    const track = screenTrack;
    screenTrack = null;
    track.onended = null;
    track.stop();
    setScreen(null);
    await hub.setTracks({ screen: null });
    await store.actions.screenShare(false).catch(() => {});
  }

  async function startScreenShare() {
    if (screenTrack) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    } catch {
      // Closing the browser's picker is a choice, not an error worth a message.
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    track.contentHint = 'detail';
    // Stopping from the browser's own "Stop sharing" bar ends the track; treat it like our button.
    track.onended = () => void stopScreenShare();
    screenTrack = track;
    setScreen(new MediaStream([track]));
    await hub.setTracks({ screen: track });
    await store.actions.screenShare(true).catch(() => {});
  }

  onCleanup(() => {
    hub.close();
    for (const track of [camera, microphone, screenTrack]) track?.stop();
  });

  return {
    hub,
    preview,
    screen,
    cameraOn,
    microphoneOn,
    sharing: () => screen() !== null,
    mediaError,
    remoteAudio,
    start,
    toggleCamera,
    toggleMicrophone,
    startScreenShare,
    stopScreenShare,
  };
}
