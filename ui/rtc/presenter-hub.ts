// The hub of the star on the presenter's side: one peer per attendee, shared local tracks, budget and degradation.
import type { MediaControlAction, StageFeed } from '../../signaling/protocol.ts';
import { MAX_SPEAKERS_PER_ROOM } from '../../core/limits.ts';
import { allocateBitrates, DEFAULT_UPLOAD_BUDGET_BPS } from './budget.ts';
import { preferCodecs } from './codecs.ts';
import { makeEmitter } from './emitter.ts';
import { makePeer, type IceSettings, type Peer, type PeerState } from './peer.ts';
import { assessQuality, DEFAULT_THRESHOLDS, initialQuality, type LinkPath, type LinkSample, type QualityState, type QualityThresholds } from './quality.ts';
import { sdpFingerprint, type PauseReason, type PeerSignaling } from './signaling.ts';

export interface LocalTracks {
  audio: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

/** Plain facts about one attendee's link, safe to put in a store. */
export interface AttendeeLinkView {
  state: PeerState;
  rttMs: number | null;
  outgoingKbps: number | null;
  videoPaused: PauseReason | null;
  /** Through the relay or direct, from the selected candidate pair; null until media flows. */
  path: LinkPath | null;
  /** No candidate pair succeeded in time: the attendee's network and this one found no way to each other. */
  unreachable: boolean;
}

export interface PresenterHubEvents {
  /** `view` is null once the attendee's peer is gone. */
  peer: { participantId: string; view: AttendeeLinkView | null };
  'remote-audio': { participantId: string; stream: MediaStream | null };
  /** A speaker's camera as it reaches the presenter (null once their peer is gone). */
  'remote-video': { participantId: string; stream: MediaStream | null };
}

/** A speaker on stage as the hub forwards them: what of theirs may reach the other attendees now. */
export interface StageSpeaker {
  id: string;
  /** The microphone: on stage and not muted by a host. */
  audio: boolean;
  /** The camera: on stage, and not turned off (by the speaker, or by a host). */
  video: boolean;
}

/**
 * Each speaker's camera, forwarded to each attendee, is capped here: the presenter's upload pays once per attendee
 * per speaker, on top of its own camera and screen.
 */
export const SPEAKER_VIDEO_BPS = 350_000;

/** An offer younger than this may still be on its way to the page that says hello; an older one was lost. */
const OFFER_IN_FLIGHT_MS = 2_000;

export interface PresenterHubOptions extends IceSettings {
  signaling: PeerSignaling;
  budgetBps?: number;
  thresholds?: QualityThresholds;
}

interface Entry {
  peer: Peer;
  audio: RTCRtpTransceiver;
  camera: RTCRtpTransceiver;
  screen: RTCRtpTransceiver;
  /** The attendee's camera toward the presenter, used while they are on stage (receive only on this side). */
  upCamera: RTCRtpTransceiver;
  /** Per stage slot, the speaker's microphone and camera forwarded to this attendee. */
  slots: Array<{ audio: RTCRtpTransceiver; video: RTCRtpTransceiver }>;
  /** The stage-feeds last told to this attendee, so an unchanged stage is not said again. */
  toldFeeds: string;
  /** When this peer was made (performance.now()): its first offer went out then. */
  createdAt: number;
  quality: QualityState;
  audioOnly: boolean;
  /** The attendee receives the presenter through the SFU: this peer carries only its microphone. */
  viaSfu: boolean;
  view: AttendeeLinkView;
  /** setParameters needs the transaction of the latest getParameters, so updates run one at a time. */
  parameters: Promise<void>;
}

export type PresenterHub = ReturnType<typeof makePresenterHub>;

/** Why the attendee's video is off: the link's quality, or the attendee asked for audio only. */
const pauseReason = (entry: Entry): PauseReason | null => (entry.quality.paused ? entry.quality.reason : entry.audioOnly ? 'request' : null);

/** One sender's first encoding at this bitrate, on or off; nothing is sent when neither changed. */
async function setEncoding(sender: RTCRtpSender, maxBitrate: number, active: boolean): Promise<void> {
  const parameters = sender.getParameters();
  const encoding = parameters.encodings?.[0];
  if (!encoding) return;
  if (encoding.maxBitrate === maxBitrate && encoding.active === active) return;
  encoding.maxBitrate = maxBitrate;
  encoding.active = active;
  await sender.setParameters(parameters);
}

/** The link to one attendee: the peer (impolite: the hub offers) and its microphone, camera and screen transceivers. */
function openAttendeeLink(id: string, tracks: LocalTracks, options: PresenterHubOptions): Entry {
  const peer = makePeer({ remoteId: id, polite: false, iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy, signaling: options.signaling });
  const audio = peer.pc.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendrecv' });
  const camera = peer.pc.addTransceiver(tracks.camera ?? 'video', { direction: 'sendonly' });
  const screen = peer.pc.addTransceiver(tracks.screen ?? 'video', { direction: 'sendonly' });
  const upCamera = peer.pc.addTransceiver('video', { direction: 'recvonly' });
  preferCodecs(audio, 'audio');
  preferCodecs(camera, 'video');
  preferCodecs(screen, 'video');
  preferCodecs(upCamera, 'video');
  return {
    peer,
    audio,
    camera,
    screen,
    upCamera,
    slots: [],
    toldFeeds: '',
    createdAt: performance.now(),
    quality: { ...initialQuality },
    audioOnly: false,
    viaSfu: false,
    view: { state: 'connecting', rttMs: null, outgoingKbps: null, videoPaused: null, path: null, unreachable: false },
    parameters: Promise.resolve(),
  };
}

/** What the hub's parts share: the links by attendee, the local tracks, and how a link's view is announced. */
interface HubLinks {
  entries: Map<string, Entry>;
  tracks: LocalTracks;
  publish(id: string, entry: Entry, patch: Partial<AttendeeLinkView>): void;
  signaling: PeerSignaling;
}

/** Quality control: each link's share of the upload budget, and its video off on a bad link, on request or through the SFU. */
function makeQualityControl(links: HubLinks, budget: number, thresholds: QualityThresholds) {
  const { entries, tracks, publish, signaling } = links;

  /** Tells the attendee its video paused or resumed, when the reason changed from or to none. */
  const announcePause = (id: string, before: PauseReason | null, after: PauseReason | null) => {
    if (before !== after) signaling.control(id, after === null ? 'video-resumed' : 'video-paused', after ?? undefined);
  };

  const applyParameters = (entry: Entry) => {
    const caps = allocateBitrates(budget, entries.size, tracks.screen !== null);
    const videoOn = pauseReason(entry) === null && !entry.viaSfu;
    entry.parameters = entry.parameters
      .then(() => setEncoding(entry.camera.sender, caps.camera, videoOn))
      .then(() => setEncoding(entry.screen.sender, Math.max(caps.screen, 1), videoOn && tracks.screen !== null))
      .catch(() => {
        // Parameters cannot change while the transceiver is renegotiating; the next state change applies them.
      });
  };

  return {
    applyParameters,
    applyAll: () => entries.forEach(applyParameters),
    /** A new stats sample of one link: its view, and its video paused or resumed when the link's quality says so. */
    assessLink(id: string, entry: Entry, sample: LinkSample) {
      const before = pauseReason(entry);
      entry.quality = assessQuality(entry.quality, sample, thresholds);
      const after = pauseReason(entry);
      publish(id, entry, {
        rttMs: sample.rttMs,
        outgoingKbps: sample.outgoingBps === null ? null : Math.round(sample.outgoingBps / 1000),
        videoPaused: after,
        path: sample.path,
      });
      if (before !== after) applyParameters(entry);
      announcePause(id, before, after);
    },
    setAudioOnly(id: string, entry: Entry, audioOnly: boolean) {
      const before = pauseReason(entry);
      entry.audioOnly = audioOnly;
      const after = pauseReason(entry);
      publish(id, entry, { videoPaused: after });
      applyParameters(entry);
      announcePause(id, before, after);
    },
    /** The attendee plays the SFU's audio and video now; sending ours too would be a second encode and an echo. */
    moveToSfu(entry: Entry) {
      if (entry.viaSfu) return;
      entry.viaSfu = true;
      void entry.audio.sender.replaceTrack(null).catch(() => {});
      applyParameters(entry);
    },
  };
}

/**
 * The stage on the star: each speaker's microphone and camera, as they reach the presenter, are forwarded on every
 * other attendee's link. Slots are shared by all links (one MediaStream id each in the SDP) and reused when a speaker
 * leaves, so the m-lines grow to the most speakers ever on stage at once, no further; `stage-feeds` tells each
 * attendee whose stream is in which slot. What a speaker may not send (muted by a host, camera off, back in the
 * audience) is not forwarded: the sender's track is replaced with nothing, so no packet of it leaves this page.
 */
function makeStage(links: HubLinks) {
  const { entries, signaling } = links;
  const slots: Array<{ stream: MediaStream; speaker: StageSpeaker | null }> = [];
  let current = '';

  const feeds = (): StageFeed[] => slots.flatMap((slot) => (slot.speaker ? [{ stream: slot.stream.id, participantId: slot.speaker.id }] : []));

  function apply(id: string, entry: Entry) {
    while (entry.slots.length < slots.length) {
      const streams = [slots[entry.slots.length]!.stream];
      const audio = entry.peer.pc.addTransceiver('audio', { direction: 'sendonly', streams });
      const video = entry.peer.pc.addTransceiver('video', { direction: 'sendonly', streams, sendEncodings: [{ maxBitrate: SPEAKER_VIDEO_BPS }] });
      preferCodecs(audio, 'audio');
      preferCodecs(video, 'video');
      entry.slots.push({ audio, video });
    }
    slots.forEach((slot, k) => {
      const speaker = slot.speaker;
      // A speaker does not get their own voice back.
      const source = speaker && speaker.id !== id ? entries.get(speaker.id) : undefined;
      const pair = entry.slots[k]!;
      void pair.audio.sender.replaceTrack(source && speaker!.audio ? source.audio.receiver.track : null).catch(() => {});
      void pair.video.sender.replaceTrack(source && speaker!.video ? source.upCamera.receiver.track : null).catch(() => {});
    });
    const told = JSON.stringify(feeds());
    if (told !== entry.toldFeeds) {
      entry.toldFeeds = told;
      signaling.stageFeeds(id, feeds());
    }
  }

  const applyAll = () => entries.forEach((entry, id) => apply(id, entry));

  return {
    applyAll,
    /** The speakers now (from the room's participants): slots follow, and every link forwards what is allowed. */
    setSpeakers(speakers: StageSpeaker[]) {
      const next = speakers.slice(0, MAX_SPEAKERS_PER_ROOM);
      const key = JSON.stringify(next);
      if (key === current) return;
      current = key;
      const byId = new Map(next.map((s) => [s.id, s]));
      for (const slot of slots) slot.speaker = slot.speaker ? (byId.get(slot.speaker.id) ?? null) : null;
      for (const speaker of next) {
        if (slots.some((slot) => slot.speaker?.id === speaker.id)) continue;
        const free = slots.find((slot) => slot.speaker === null);
        if (free) free.speaker = speaker;
        else slots.push({ stream: new MediaStream(), speaker });
      }
      applyAll();
    },
  };
}

export function makePresenterHub(options: PresenterHubOptions) {
  const { signaling } = options;
  const events = makeEmitter<PresenterHubEvents>();
  const entries = new Map<string, Entry>();
  const tracks: LocalTracks = { audio: null, camera: null, screen: null };
  let closed = false;

  const publish = (id: string, entry: Entry, patch: Partial<AttendeeLinkView>) => {
    entry.view = { ...entry.view, ...patch };
    events.emit('peer', { participantId: id, view: entry.view });
  };
  const quality = makeQualityControl(
    { entries, tracks, publish, signaling },
    options.budgetBps ?? DEFAULT_UPLOAD_BUDGET_BPS,
    options.thresholds ?? DEFAULT_THRESHOLDS,
  );
  const stage = makeStage({ entries, tracks, publish, signaling });

  const watchLink = (id: string, entry: Entry) => {
    const { peer } = entry;
    peer.on('state', (state) => {
      publish(id, entry, { state });
      if (state === 'connected') quality.applyParameters(entry);
    });
    peer.on('track', (event) => {
      if (event.track.kind === 'audio') events.emit('remote-audio', { participantId: id, stream: new MediaStream([event.track]) });
      else if (event.transceiver === entry.upCamera) events.emit('remote-video', { participantId: id, stream: new MediaStream([event.track]) });
    });
    peer.on('stats', (sample) => quality.assessLink(id, entry, sample));
    peer.on('broken', () => reset(id));
    peer.on('unreachable', (unreachable) => publish(id, entry, { unreachable }));
  };

  const create = (id: string): Entry => {
    const entry = openAttendeeLink(id, tracks, options);
    watchLink(id, entry);
    entries.set(id, entry);
    quality.applyAll();
    // A new link gets the stage; a speaker's new link (a reload) brings new tracks to forward to everyone.
    stage.applyAll();
    events.emit('peer', { participantId: id, view: entry.view });
    return entry;
  };

  const remove = (id: string) => {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    entry.peer.close();
    events.emit('peer', { participantId: id, view: null });
    events.emit('remote-audio', { participantId: id, stream: null });
    events.emit('remote-video', { participantId: id, stream: null });
    quality.applyAll();
  };

  /** A fresh peer for an attendee whose page reloaded or whose negotiation broke. */
  const reset = (id: string) => {
    const audioOnly = entries.get(id)?.audioOnly ?? false;
    remove(id);
    if (!closed) create(id).audioOnly = audioOnly;
  };

  /**
   * A new page on the other side. A peer that finished a negotiation was talking to the page before, and is dead
   * weight now. A peer still in its first offer is talking to that page if the offer went out a moment ago; an
   * older one went where no page listened (the page was still joining, as after a presenter change), and is made
   * again. The page says hello again while no offer reaches it.
   */
  const attendeePageReady = (id: string) => {
    const existing = entries.get(id);
    if (!existing) create(id);
    else if (existing.peer.pc.remoteDescription || performance.now() - existing.createdAt > OFFER_IN_FLIGHT_MS) reset(id);
  };

  /** An offer or answer from an attendee: one from another page than the peer's (a reload) starts the link over. */
  const renegotiate = async (from: string, description: RTCSessionDescriptionInit) => {
    const entry = entries.get(from);
    if (!entry) {
      // An attendee we have no peer for: our own fresh offer follows, and the attendee (polite) takes it.
      create(from);
      return;
    }
    const known = entry.peer.remoteFingerprint();
    const incoming = sdpFingerprint(description.sdp);
    if (known && incoming && known !== incoming) {
      reset(from);
      return;
    }
    await entry.peer.handleDescription(description);
  };

  return {
    on: events.on,
    /** Starts (or restarts, after a reload on the other side) the link to one attendee. */
    addAttendee(id: string) {
      if (closed) return;
      if (entries.has(id)) reset(id);
      else create(id);
    },
    removeAttendee: remove,
    /** Who is on stage and what of theirs may reach the room: the only speakers' media this page forwards. */
    setSpeakers: stage.setSpeakers,
    attendees: () => [...entries.keys()],
    /** Swaps local tracks on every peer without renegotiation: the transceivers already exist. */
    async setTracks(next: Partial<LocalTracks>) {
      const sharingBefore = tracks.screen !== null;
      Object.assign(tracks, next);
      const swaps: Promise<void>[] = [];
      for (const entry of entries.values()) {
        if ('audio' in next && !entry.viaSfu) swaps.push(entry.audio.sender.replaceTrack(tracks.audio));
        if ('camera' in next) swaps.push(entry.camera.sender.replaceTrack(tracks.camera));
        if ('screen' in next) swaps.push(entry.screen.sender.replaceTrack(tracks.screen));
      }
      await Promise.allSettled(swaps);
      if (sharingBefore !== (tracks.screen !== null)) quality.applyAll();
    },
    handleDescription: renegotiate,
    async handleCandidate(from: string, candidate: RTCIceCandidateInit | null) {
      await entries.get(from)?.peer.handleCandidate(candidate);
    },
    handleControl(from: string, action: MediaControlAction) {
      if (action === 'peer-ready') attendeePageReady(from);
      else if (action === 'sfu-switched') {
        const entry = entries.get(from);
        if (entry) quality.moveToSfu(entry);
      } else if (action === 'audio-only-on' || action === 'audio-only-off') {
        quality.setAudioOnly(from, entries.get(from) ?? create(from), action === 'audio-only-on');
      }
    },
    /** Each star peer's raw stats, for deciding whether the star still carries the room. */
    async stats(): Promise<RTCStatsReport[]> {
      const live = [...entries.values()].filter((e) => !e.viaSfu && e.peer.state() === 'connected');
      return (await Promise.allSettled(live.map((e) => e.peer.pc.getStats()))).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    },
    /** Fresh TURN credentials for every link, and for links made from now on. */
    setIceServers(iceServers: RTCIceServer[]) {
      options.iceServers = iceServers;
      for (const entry of entries.values()) entry.peer.setIceServers(iceServers);
    },
    /** After a signaling reconnect the links may have missed candidates: restart ICE on each. */
    restartAll() {
      for (const entry of entries.values()) entry.peer.restartIce();
    },
    close() {
      closed = true;
      for (const id of [...entries.keys()]) remove(id);
      events.clear();
    },
  };
}
