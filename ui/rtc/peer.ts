// One RTCPeerConnection with perfect negotiation, ICE restarts, connection reports and a stats sampler.
import { makeEmitter } from './emitter.ts';
import { summarizeStats, type LinkSample } from './quality.ts';
import { sdpFingerprint, type PeerSignaling } from './signaling.ts';

/** What a person sees about a link; `reconnecting` covers a disconnect and an ICE restart in progress. */
export type PeerState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/** After this many restarts in a row without success the link is shown as failed and left alone. */
const MAX_ICE_RESTARTS = 3;

export interface PeerEvents {
  state: PeerState;
  stats: LinkSample;
  track: RTCTrackEvent;
  /** Negotiation broke in a way perfect negotiation cannot recover from; the owner starts a fresh peer. */
  broken: unknown;
  /** True when no candidate pair succeeded within `connectTimeoutMs` of ICE starting; false once one does. */
  unreachable: boolean;
}

/** What a peer connection is configured with: the room's ICE servers and its transport policy. */
export interface IceSettings {
  iceServers: RTCIceServer[];
  /** `relay` in rooms that hide addresses: only TURN candidates are gathered. */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

export interface PeerOptions extends IceSettings {
  remoteId: string;
  /** The polite side yields on glare: attendees are polite, the presenter is not. */
  polite: boolean;
  signaling: PeerSignaling;
  /** A disconnected link gets an ICE restart after this long. */
  disconnectGraceMs?: number;
  statsIntervalMs?: number;
  /** How long ICE may look for a working candidate pair before the link is called unreachable. */
  connectTimeoutMs?: number;
}

export interface Peer {
  readonly pc: RTCPeerConnection;
  readonly remoteId: string;
  state(): PeerState;
  lastSample(): LinkSample | null;
  /** The fingerprint of the remote side's current description, to spot a remote reload. */
  remoteFingerprint(): string | null;
  handleDescription(description: RTCSessionDescriptionInit): Promise<void>;
  handleCandidate(candidate: RTCIceCandidateInit | null): Promise<void>;
  restartIce(): void;
  /**
   * New ICE servers (fresh TURN credentials). A link on the relay restarts ICE so that its allocation is made
   * with them: the old credentials stop working at their expiry, and the relay with them.
   */
  setIceServers(iceServers: RTCIceServer[]): void;
  on: ReturnType<typeof makeEmitter<PeerEvents>>['on'];
  close(): void;
}

/** What the negotiation needs from its peer: who is on the other side, and what to do when it breaks. */
interface NegotiationContext {
  pc: RTCPeerConnection;
  remoteId: string;
  polite: boolean;
  signaling: PeerSignaling;
  isClosed(): boolean;
  onBroken(err: unknown): void;
  /** A remote description was set: ICE starts checking. */
  onRemoteDescription(): void;
}

/**
 * Perfect negotiation (the WebRTC specification's pattern): offers when the connection needs one, answers the
 * other side's, and on glare the polite side yields. Descriptions and candidates apply in arrival order.
 */
function makeNegotiation(context: NegotiationContext): Pick<Peer, 'handleDescription' | 'handleCandidate'> {
  const { pc, remoteId, polite, signaling } = context;
  let makingOffer = false;
  let ignoreOffer = false;
  let settingRemoteAnswer = false;
  // Signaling may deliver a candidate before the description it belongs to; it waits here until then.
  const earlyCandidates: Array<RTCIceCandidateInit | null> = [];
  // Descriptions and candidates must be applied in arrival order even though each step is async.
  let queue: Promise<void> = Promise.resolve();
  const serial = (task: () => Promise<void>) => {
    const next = queue.then(task, task);
    queue = next.catch(() => {});
    return next;
  };

  pc.onnegotiationneeded = async () => {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      if (pc.localDescription) signaling.description(remoteId, pc.localDescription.toJSON());
    } catch (err) {
      if (!context.isClosed()) context.onBroken(err);
    } finally {
      makingOffer = false;
    }
  };

  pc.onicecandidate = ({ candidate }) => signaling.candidate(remoteId, candidate ? candidate.toJSON() : null);

  async function addCandidate(candidate: RTCIceCandidateInit | null) {
    try {
      await pc.addIceCandidate(candidate ?? undefined);
    } catch {
      // Candidates of an offer we ignored, or of a session already replaced, fail by design and change nothing.
    }
  }

  return {
    handleDescription: (description) =>
      serial(async () => {
        if (context.isClosed()) return;
        const readyForOffer = !makingOffer && (pc.signalingState === 'stable' || settingRemoteAnswer);
        const collision = description.type === 'offer' && !readyForOffer;
        ignoreOffer = !polite && collision;
        if (ignoreOffer) return;
        try {
          settingRemoteAnswer = description.type === 'answer';
          await pc.setRemoteDescription(description);
          settingRemoteAnswer = false;
          context.onRemoteDescription();
          for (const candidate of earlyCandidates.splice(0)) await addCandidate(candidate);
          if (description.type === 'offer') {
            await pc.setLocalDescription();
            if (pc.localDescription) signaling.description(remoteId, pc.localDescription.toJSON());
          }
        } catch (err) {
          settingRemoteAnswer = false;
          if (!context.isClosed()) context.onBroken(err);
        }
      }),
    handleCandidate: (candidate) =>
      serial(async () => {
        if (context.isClosed()) return;
        if (!pc.remoteDescription) earlyCandidates.push(candidate);
        else await addCandidate(candidate);
      }),
  };
}

/**
 * Whether ICE found a way through: once both descriptions are set a candidate pair has `timeoutMs` to succeed,
 * else the link is reported unreachable (and reachable again when a pair succeeds later).
 */
function watchReachability(pc: RTCPeerConnection, timeoutMs: number, isClosed: () => boolean, report: (unreachable: boolean) => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unreachable = false;
  const set = (next: boolean) => {
    if (next === unreachable) return;
    unreachable = next;
    report(next);
  };
  const iceConnected = () => pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
  pc.oniceconnectionstatechange = () => {
    if (!iceConnected()) return;
    clearTimeout(timer);
    set(false);
  };
  return {
    /** ICE started checking; once per link, and not for a link that has connected before. */
    start(connectedBefore: boolean) {
      if (timer !== undefined || connectedBefore || isClosed()) return;
      timer = setTimeout(() => {
        if (!isClosed() && !iceConnected()) set(true);
      }, timeoutMs);
    },
    stop: () => clearTimeout(timer),
  };
}

/** Every `intervalMs` while connected, the link's figures summed up from `getStats()`. */
function sampleStats(pc: RTCPeerConnection, intervalMs: number, isClosed: () => boolean, emit: (sample: LinkSample) => void) {
  let sample: LinkSample | null = null;
  const timer = setInterval(async () => {
    if (isClosed() || pc.connectionState !== 'connected') return;
    try {
      const report = await pc.getStats();
      sample = summarizeStats(report.values() as Iterable<{ type: string }>, sample, Date.now());
      emit(sample);
    } catch {
      // A report can fail while the connection is being torn down; the next tick tries again.
    }
  }, intervalMs);
  return { last: () => sample, stop: () => clearInterval(timer) };
}

export function makePeer(options: PeerOptions): Peer {
  const { remoteId, polite, signaling } = options;
  const pc = new RTCPeerConnection({
    iceServers: options.iceServers,
    iceTransportPolicy: options.iceTransportPolicy ?? 'all',
    bundlePolicy: 'max-bundle',
  });
  const events = makeEmitter<PeerEvents>();
  const startedAt = performance.now();
  let state: PeerState = 'connecting';
  let everConnected = false;
  let iceRestarts = 0;
  let iceRestartsSinceConnected = 0;
  let closed = false;
  let disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  const isClosed = () => closed;

  const reachability = watchReachability(pc, options.connectTimeoutMs ?? 10_000, isClosed, (unreachable) => events.emit('unreachable', unreachable));
  const negotiation = makeNegotiation({
    pc,
    remoteId,
    polite,
    signaling,
    isClosed,
    onBroken: (err) => events.emit('broken', err),
    onRemoteDescription: () => reachability.start(everConnected),
  });
  const stats = sampleStats(pc, options.statsIntervalMs ?? 2000, isClosed, (sample) => events.emit('stats', sample));

  const setState = (next: PeerState) => {
    if (next === state) return;
    state = next;
    events.emit('state', next);
  };

  const restartIce = () => {
    if (closed) return;
    iceRestarts += 1;
    iceRestartsSinceConnected += 1;
    // A restart of a working link (after a signaling outage) keeps media flowing: it is not news.
    if (pc.connectionState !== 'connected') setState('reconnecting');
    pc.restartIce();
  };

  pc.ontrack = (event) => events.emit('track', event);

  pc.onconnectionstatechange = () => {
    clearTimeout(disconnectTimer);
    switch (pc.connectionState) {
      case 'connected':
        iceRestartsSinceConnected = 0;
        if (!everConnected) {
          everConnected = true;
          signaling.report({ peerId: remoteId, outcome: 'connected', timeToConnectMs: Math.round(performance.now() - startedAt), iceRestarts });
        }
        setState('connected');
        break;
      case 'disconnected':
        setState('reconnecting');
        disconnectTimer = setTimeout(() => {
          if (pc.connectionState === 'disconnected') restartIce();
        }, options.disconnectGraceMs ?? 5000);
        break;
      case 'failed':
        signaling.report({ peerId: remoteId, outcome: 'failed', iceRestarts });
        if (iceRestartsSinceConnected < MAX_ICE_RESTARTS) restartIce();
        else setState('failed');
        break;
      case 'closed':
        setState('closed');
        break;
      default:
        if (state !== 'reconnecting') setState('connecting');
    }
  };

  return {
    pc,
    remoteId,
    state: () => state,
    lastSample: stats.last,
    remoteFingerprint: () => sdpFingerprint(pc.remoteDescription?.sdp),
    ...negotiation,
    restartIce,
    setIceServers(iceServers) {
      if (closed) return;
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
      if (stats.last()?.path === 'relay' && pc.connectionState === 'connected') restartIce();
    },
    on: events.on,
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(disconnectTimer);
      reachability.stop();
      stats.stop();
      pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = pc.oniceconnectionstatechange = null;
      pc.close();
      setState('closed');
      events.clear();
    },
  };
}
