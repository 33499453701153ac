// The hub of the star on the presenter's side: one peer per attendee, shared local tracks, budget and degradation.
import type { MediaControlAction } from '../../signaling/protocol.ts';
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
}

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
  preferCodecs(audio, 'audio');
  preferCodecs(camera, 'video');
  preferCodecs(screen, 'video');
  return {
    peer,
    audio,
    camera,
    screen,
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

  const watchLink = (id: string, entry: Entry) => {
    const { peer } = entry;
    peer.on('state', (state) => {
      publish(id, entry, { state });
      if (state === 'connected') quality.applyParameters(entry);
    });
    peer.on('track', (event) => {
      if (event.track.kind === 'audio') events.emit('remote-audio', { participantId: id, stream: new MediaStream([event.track]) });
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
    quality.applyAll();
  };

  /** A fresh peer for an attendee whose page reloaded or whose negotiation broke. */
  const reset = (id: string) => {
    const audioOnly = entries.get(id)?.audioOnly ?? false;
    remove(id);
    if (!closed) create(id).audioOnly = audioOnly;
  };

  /**
   * A new page on the other side. A peer still in its first offer is already talking to that page;
   * one that finished a negotiation was talking to the page before, and is dead weight now.
   */
  const attendeePageReady = (id: string) => {
    const existing = entries.get(id);
    if (!existing) create(id);
    else if (existing.peer.pc.remoteDescription) reset(id);
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
