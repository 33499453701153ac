// The attendee's received media, optional microphone, stage publication and "audio only" switch as Solid signals over
// the rtc link and the SFU.
import { createEffect, createSignal, onCleanup, untrack } from 'solid-js';
import type { MediaControlAction, MediaModeBody, StageFeed } from '../../signaling/protocol.ts';
import { makeAttendeeLink, type AttendeeLink, type AttendeeMedia as ReceivedMedia, type StageMedia } from '../rtc/attendee-link.ts';
import type { IceSettings } from '../rtc/peer.ts';
import { makeSfuPublisher, type SfuPublisher } from '../rtc/sfu-publisher.ts';
import { makeSfuSubscriber, type SfuSubscriber } from '../rtc/sfu-subscriber.ts';
import { makeSpeakerSubscriptions, type SpeakerSubscriptions } from '../rtc/speaker-subscriptions.ts';
import { subscriberReport, type SubscriberCounters } from '../rtc/sfu-stats.ts';
import type { PauseReason, PeerSignaling, SfuSignaling } from '../rtc/signaling.ts';
import type { RoomStore } from './room-store.ts';

export type AttendeeMedia = ReturnType<typeof createAttendeeMedia>;

/** How often an attendee on the star reports what it receives (the server counts one per RECEIVED_QUALITY_SAMPLE_MS). */
const QUALITY_REPORT_MS = 5000;

export function createAttendeeMedia(store: RoomStore, signaling: PeerSignaling, sfuSignaling: SfuSignaling, ice: IceSettings) {
  const [received, setReceived] = createSignal<ReceivedMedia>({ camera: null, screen: null, audio: null });
  const [viaSfu, setViaSfu] = createSignal(false);
  const [microphoneOn, setMicrophoneOn] = createSignal(false);
  const [audioOnly, setAudioOnly] = createSignal(false);
  const [microphoneError, setMicrophoneError] = createSignal<string | null>(null);
  const [stage, setStage] = createSignal<StageMedia>({});
  /** The speakers' media through the SFU, in a room on it. */
  const [sfuStage, setSfuStage] = createSignal<StageMedia>({});
  /** This attendee's own camera while on stage, for its preview. */
  const [ownCamera, setOwnCamera] = createSignal<MediaStream | null>(null);
  let camera: MediaStreamTrack | null = null;
  let link: AttendeeLink | null = null;
  let microphone: MediaStreamTrack | null = null;
  let subscriber: SfuSubscriber | null = null;
  let sfuMedia: ReceivedMedia = { camera: null, screen: null, audio: null };
  let speakerSubscriptions: SpeakerSubscriptions | null = null;
  /**
   * On stage with the devices from the device check (from goOnStage until sent back). A page that was reloaded on
   * stage is a speaker without it until it passes the device check again.
   */
  const [speaking, setSpeaking] = createSignal(false);
  /** This speaker's publication into Janus, while on stage in a room on the SFU. */
  let stagePublisher: SfuPublisher | null = null;
  const onSfu = () => store.state.media?.mode === 'sfu';
  /** On the SFU a speaker's microphone and camera go to Janus, and the star link to the presenter carries neither. */
  const stageOverSfu = () => speaking() && onSfu();

  /**
   * Make before break: the SFU subscription runs beside the star link, and only its first decoded frame
   * switches what the page shows and tells the presenter to stop sending us media over the star.
   */
  function ensureSubscriber(): SfuSubscriber {
    if (subscriber) return subscriber;
    const created = makeSfuSubscriber({ signaling: sfuSignaling, ice });
    created.on('media', (media) => {
      sfuMedia = media;
      if (viaSfu()) setReceived(media);
    });
    created.on('first-frame', () => {
      setReceived(sfuMedia);
      store.events.link({ state: 'connected', videoPaused: null });
      // Every new subscription (a presenter reload) starts with video: an attendee on audio only says so again.
      if (audioOnly()) void setSfuAudioOnly(true);
      if (viaSfu()) return;
      setViaSfu(true);
      if (store.state.presenterId) signaling.control(store.state.presenterId, 'sfu-switched');
    });
    created.on('state', (state) => {
      if (viaSfu() && state !== 'idle') store.events.link({ state: state === 'failed' ? 'reconnecting' : state === 'connecting' ? 'connecting' : 'connected' });
    });
    subscriber = created;
    return created;
  }

  async function setSfuAudioOnly(on: boolean) {
    await store.actions.sfuLayer(on).catch(() => {});
  }

  /** The link starts at the join ack or at the presenter's first offer, whichever comes first. */
  function ensureLink(presenterId: string): AttendeeLink {
    if (link) return link;
    const created = makeAttendeeLink({ presenterId, signaling, ...ice });
    created.on('media', (media) => {
      if (!viaSfu()) setReceived(media);
    });
    created.on('state', (state) => {
      if (!viaSfu()) store.events.link({ state });
    });
    created.on('stage', setStage);
    created.on('unreachable', (unreachable) => store.events.link({ unreachable }));
    created.on('path', (path) => store.events.link({ path }));
    created.on('control', ({ action, reason }) => {
      if (action === 'video-paused') store.events.link({ videoPaused: reason ?? 'bandwidth' });
      if (action === 'video-resumed') store.events.link({ videoPaused: null });
    });
    link = created;
    if (audioOnly()) created.setAudioOnly(true);
    if (microphone && !stageOverSfu()) void created.setMicrophone(microphone);
    if (camera && !stageOverSfu()) void created.setCamera(camera);
    return created;
  }

  /** Sends the microphone (or nothing) to the presenter; a renegotiation in progress picks it up later. */
  async function attachMicrophone() {
    try {
      await link?.setMicrophone(stageOverSfu() ? null : microphone);
    } catch {
      // The next offer from the presenter runs the same sync, so a refused swap is only delayed.
    }
  }

  /**
   * The stage's path follows where the room's media travels: on the SFU, a publication of its own into Janus (the
   * server refuses it unless this attendee is on stage) carrying what is on now; on the star, the link carries it.
   */
  function syncStage() {
    if (stageOverSfu()) {
      if (!stagePublisher) {
        stagePublisher = makeSfuPublisher({ signaling: sfuSignaling.asSpeaker(), ice, screen: false });
        void stagePublisher.setTracks({ audio: microphone, camera });
        // Given up only when closed (back in the audience); refusals are retried inside.
        stagePublisher.publish().catch(() => {});
      } else void stagePublisher.setTracks({ audio: microphone, camera });
    } else if (stagePublisher) {
      stagePublisher.close();
      stagePublisher = null;
    }
    void attachMicrophone();
    void link?.setCamera(stageOverSfu() ? null : camera).catch(() => {});
  }

  function ensureSpeakerSubscriptions(): SpeakerSubscriptions {
    if (speakerSubscriptions) return speakerSubscriptions;
    const created = makeSpeakerSubscriptions({ ice, signaling: sfuSignaling, selfId: () => store.state.self?.participantId });
    created.on('media', setSfuStage);
    speakerSubscriptions = created;
    return created;
  }

  async function microphoneOff() {
    microphone?.stop();
    microphone = null;
    setMicrophoneOn(false);
    syncStage();
    await store.actions.mediaState(false, camera !== null).catch(() => {});
  }

  /** Turns the stage camera off (the speaker's choice, a host's, or back in the audience). */
  async function cameraOff() {
    if (!camera) return;
    camera.stop();
    camera = null;
    setOwnCamera(null);
    syncStage();
    await store.actions.mediaState(microphoneOn(), false).catch(() => {});
  }

  /**
   * On stage with the devices picked in the device check: both reach everyone, through Janus when the room is on
   * the SFU, otherwise through the presenter, who forwards them.
   */
  async function goOnStage(tracks: { microphone: MediaStreamTrack | null; camera: MediaStreamTrack | null }) {
    microphone?.stop();
    camera?.stop();
    microphone = tracks.microphone;
    camera = tracks.camera;
    if (camera) camera.contentHint = 'motion';
    setOwnCamera(camera ? new MediaStream([camera]) : null);
    setMicrophoneError(null);
    store.actions.acknowledgeMute();
    setMicrophoneOn(microphone !== null);
    setSpeaking(true);
    // What is on is said first: Janus forwards of a new publication only what the room has on record.
    await store.actions.mediaState(microphone !== null, camera !== null).catch(() => {});
    syncStage();
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
    await store.actions.mediaState(true, camera !== null).catch(() => {});
    syncStage();
  }

  /**
   * On the star, what this page receives goes to the session report every few seconds (over the SFU the
   * subscriber's sfu-stats do it): the same figures, read the same way, as the SFU's.
   */
  let counters: SubscriberCounters | null = null;
  const qualityTimer = setInterval(async () => {
    if (!link || viaSfu() || store.state.link.state !== 'connected') return void (counters = null);
    try {
      const result = subscriberReport((await link.stats()).values() as Iterable<{ type: string }>, counters);
      const first = counters === null;
      counters = result.counters;
      // The first reading has no interval behind it: its loss would be the whole connection's.
      if (!first) await store.actions.receivedQuality({ decodeFps: result.report.decodeFps, lossPct: result.report.lossPct, rttMs: result.report.rttMs });
    } catch {
      // A closing peer or a refused report: the next interval tries again.
    }
  }, QUALITY_REPORT_MS);

  // Sent back to the audience (by a host, or by leaving): the camera stops, and the microphone unless the room allows it.
  let wasSpeaker = false;
  createEffect(() => {
    const self = store.state.participants.find((p) => p.id === store.state.self?.participantId);
    if (!self) return;
    const speaker = self.stage === 'speaker';
    if (wasSpeaker && !speaker) {
      untrack(() => {
        setSpeaking(false);
        syncStage();
        void cameraOff();
        if (microphone && (self.muteLocked || !store.state.room?.attendeeMicrophones)) void microphoneOff();
      });
    }
    wasSpeaker = speaker;
  });

  onCleanup(() => {
    clearInterval(qualityTimer);
    link?.close();
    subscriber?.close();
    stagePublisher?.close();
    speakerSubscriptions?.close();
    microphone?.stop();
    camera?.stop();
  });

  return {
    received,
    viaSfu,
    microphoneOn,
    microphoneError,
    audioOnly,
    toggleMicrophone,
    microphoneOff,
    /** Speakers' media by participant: through Janus in a room on the SFU, as the presenter forwards it on the star. */
    stage: () => (onSfu() ? sfuStage() : stage()),
    /** Which path the speakers' media takes to this page. */
    stageVia: (): 'sfu' | 'star' => (onSfu() ? 'sfu' : 'star'),
    ownCamera,
    /** Whether this page sends its microphone and camera to the stage (false on a speaker's page reloaded on stage). */
    speaking,
    goOnStage,
    cameraOff,
    setAudioOnly(on: boolean) {
      setAudioOnly(on);
      link?.setAudioOnly(on);
      if (viaSfu()) void setSfuAudioOnly(on);
    },
    /**
     * The server's word on the room's media, in whatever order it comes (a feed gone, a new one, the current one
     * after a refused subscription): on the SFU, the subscriber follows the feed named last.
     */
    mode(body: MediaModeBody) {
      if (body.mode !== 'sfu') return;
      ensureSpeakerSubscriptions().follow(body.speakers);
      // A speaker in a room that just moved to the SFU publishes there now.
      if (speaking() && !stagePublisher) syncStage();
      if (body.feed === null && !subscriber) return;
      ensureSubscriber().follow(body.feed);
    },
    /** The room's Janus went away: a speaker publishes again on whichever Janus holds the room now. */
    renegotiate() {
      stagePublisher?.publish().catch(() => {});
    },
    /** After each join ack; only a link opened just now announces itself, a reconnect keeps its peer. */
    joined(presenterId: string) {
      const fresh = link === null;
      const current = ensureLink(presenterId);
      if (fresh) current.hello();
      // A new participant row starts unmuted; say what is true, so the presenter does not see a live mic.
      void store.actions.mediaState(microphoneOn(), camera !== null).catch(() => {});
    },
    async description(from: string, description: RTCSessionDescriptionInit) {
      await ensureLink(from).handleDescription(from, description);
    },
    async candidate(from: string, candidate: RTCIceCandidateInit | null) {
      await link?.handleCandidate(from, candidate);
    },
    control(from: string, action: MediaControlAction, reason?: PauseReason, feeds?: StageFeed[]) {
      link?.handleControl(from, action, reason, feeds);
    },
    setIceServers(iceServers: RTCIceServer[]) {
      ice.iceServers = iceServers;
      link?.setIceServers(iceServers);
      subscriber?.setIceServers(iceServers);
      stagePublisher?.setIceServers(iceServers);
      speakerSubscriptions?.setIceServers(iceServers);
    },
  };
}
