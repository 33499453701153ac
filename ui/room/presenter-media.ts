// The presenter's camera, microphone and screen as Solid signals over the rtc hub, cleaned up with the owner.
import { createEffect, createSignal, onCleanup } from 'solid-js';
import type { MediaModeBody } from '../../signaling/protocol.ts';
import type { IceSettings } from '../rtc/peer.ts';
import { makePresenterHub, type LocalTracks, type PresenterHub } from '../rtc/presenter-hub.ts';
import { makeSfuPublisher, type SfuPublisher } from '../rtc/sfu-publisher.ts';
import type { StageMedia } from '../rtc/attendee-link.ts';
import { makeSpeakerSubscriptions, type SpeakerSubscriptions } from '../rtc/speaker-subscriptions.ts';
import { starStrain } from '../rtc/sfu-stats.ts';
import type { PeerSignaling, SfuSignaling } from '../rtc/signaling.ts';
import type { RoomStore } from './room-store.ts';

/** How often the star's peers are checked for strain, and how many strained checks in a row move the room. */
const STRAIN_CHECK_MS = 4_000;
const STRAINED_CHECKS = 3;

export type PresenterMedia = ReturnType<typeof createPresenterMedia>;

export function createPresenterMedia(
  store: RoomStore,
  signaling: PeerSignaling,
  sfuSignaling: SfuSignaling,
  ice: IceSettings,
  budgetBps?: number,
) {
  const hub: PresenterHub = makePresenterHub({ signaling, ...ice, budgetBps });
  const tracks: LocalTracks = { audio: null, camera: null, screen: null };
  let publisher: SfuPublisher | null = null;
  let speakerSubscriptions: SpeakerSubscriptions | null = null;
  /** The speakers' media through the SFU, in a room on it. */
  const [speakerMedia, setSpeakerMedia] = createSignal<StageMedia>({});

  /** Every local track change goes to the star's peers and, once the room is on the SFU, to the publication. */
  async function setTracks(next: Partial<LocalTracks>) {
    Object.assign(tracks, next);
    await Promise.all([hub.setTracks(next), publisher?.setTracks(next)]);
  }

  function publish() {
    if (!publisher) {
      publisher = makeSfuPublisher({ signaling: sfuSignaling, ice });
      void publisher.setTracks(tracks);
    }
    publisher.publish().catch(() => {
      // Given up only for a newer publication (an sfu-renegotiate) or a closed console; refusals are retried inside.
    });
  }

  /**
   * The server's word on the room's media: on the SFU, publish once (a reloaded console publishes again), and
   * subscribe to each speaker's feed the server lists.
   */
  function mode(body: MediaModeBody) {
    if (body.mode !== 'sfu') return;
    if (!publisher) publish();
    if (!speakerSubscriptions) {
      speakerSubscriptions = makeSpeakerSubscriptions({ ice, signaling: sfuSignaling, selfId: () => store.state.self?.participantId });
      speakerSubscriptions.on('media', setSpeakerMedia);
    }
    speakerSubscriptions.follow(body.speakers);
  }

  // In an auto room still on the star, the presenter's own stats may call for the SFU before the head count does.
  let strained = 0;
  const strainTimer = setInterval(async () => {
    const media = store.state.media;
    if (!media || media.mode !== 'star' || !media.sfuAvailable) return;
    const reasons = (await hub.stats()).map((report) => starStrain(report.values() as Iterable<{ type: string }>));
    const reason = reasons.find((r) => r !== null) ?? null;
    strained = reason && reasons.filter((r) => r !== null).length * 2 >= reasons.length ? strained + 1 : 0;
    if (reason && strained >= STRAINED_CHECKS) {
      strained = 0;
      sfuSignaling.upgrade(reason);
    }
  }, STRAIN_CHECK_MS);
  const [preview, setPreview] = createSignal<MediaStream | null>(null);
  const [screen, setScreen] = createSignal<MediaStream | null>(null);
  const [cameraOn, setCameraOn] = createSignal(false);
  const [microphoneOn, setMicrophoneOn] = createSignal(false);
  const [mediaError, setMediaError] = createSignal<string | null>(null);
  const [remoteAudio, setRemoteAudio] = createSignal<Record<string, MediaStream>>({});
  const [remoteVideo, setRemoteVideo] = createSignal<Record<string, MediaStream>>({});
  let camera: MediaStreamTrack | null = null;
  let microphone: MediaStreamTrack | null = null;
  let screenTrack: MediaStreamTrack | null = null;

  hub.on('peer', ({ participantId, view }) => store.events.peer(participantId, view));
  const keep = (participantId: string, stream: MediaStream | null) => (all: Record<string, MediaStream>) => {
    const next = { ...all };
    if (stream) next[participantId] = stream;
    else delete next[participantId];
    return next;
  };
  hub.on('remote-audio', ({ participantId, stream }) => setRemoteAudio(keep(participantId, stream)));
  hub.on('remote-video', ({ participantId, stream }) => setRemoteVideo(keep(participantId, stream)));

  // The hub forwards a speaker's microphone only while a host has not muted them, and their camera while it is on;
  // someone back in the audience is forwarded nothing. In a room on the SFU speakers publish into Janus, and the
  // hub forwards nobody: the presenter's uplink pays for its own media only.
  createEffect(() =>
    hub.setSpeakers(
      store.state.media?.mode === 'sfu'
        ? []
        : store.state.participants
            .filter((p) => p.role === 'attendee' && p.stage === 'speaker')
            .map((p) => ({ id: p.id, audio: !p.muteLocked, video: p.isVideoOn })),
    ),
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
      await setTracks({ audio: microphone, camera });
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
    await setTracks({ screen: null });
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
    await setTracks({ screen: track });
    await store.actions.screenShare(true).catch(() => {});
  }

  onCleanup(() => {
    clearInterval(strainTimer);
    hub.close();
    publisher?.close();
    speakerSubscriptions?.close();
    for (const track of [camera, microphone, screenTrack]) track?.stop();
  });

  return {
    hub,
    /** The SFU publication's connection, if the room is on the SFU. */
    publisher: () => publisher,
    mode,
    /** The room's Janus went away: publish again on whichever Janus holds the room now. */
    renegotiate() {
      if (publisher) publish();
    },
    /** Renewed TURN credentials reach the star's peers and the SFU publication alike. */
    setIceServers(iceServers: RTCIceServer[]) {
      ice.iceServers = iceServers;
      hub.setIceServers(iceServers);
      publisher?.setIceServers(iceServers);
      speakerSubscriptions?.setIceServers(iceServers);
    },
    preview,
    screen,
    cameraOn,
    microphoneOn,
    sharing: () => screen() !== null,
    mediaError,
    remoteAudio,
    /** Speakers' cameras as they reach this page over the star. */
    remoteVideo,
    /** Speakers' microphones and cameras through the SFU, by participant. */
    speakerMedia,
    /** Which path the speakers' media takes to this page. */
    stageVia: (): 'sfu' | 'star' => (store.state.media?.mode === 'sfu' ? 'sfu' : 'star'),
    start,
    toggleCamera,
    toggleMicrophone,
    startScreenShare,
    stopScreenShare,
  };
}
