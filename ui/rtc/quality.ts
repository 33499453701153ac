// Reads getStats() into a few numbers and decides, with hysteresis, when an attendee's video should pause.
export interface LinkSample {
  /** Wall-clock time of the sample in ms. */
  at: number;
  rttMs: number | null;
  outgoingBps: number | null;
  incomingBps: number | null;
  /** Worst fraction of packets the remote side reports lost, 0–1. */
  loss: number | null;
  availableOutgoingBps: number | null;
  framesDecoded: number;
  bytesSent: number;
  bytesReceived: number;
  /** How media flows, from the selected candidate pair: through a TURN relay (either side) or directly. */
  path: LinkPath | null;
}

export type LinkPath = 'direct' | 'relay';

interface StatLike {
  type: string;
  [field: string]: unknown;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Condenses one RTCStatsReport, using the previous sample for rates. */
export function summarizeStats(stats: Iterable<StatLike>, previous: LinkSample | null, at: number): LinkSample {
  let rttMs: number | null = null;
  let availableOutgoingBps: number | null = null;
  let loss: number | null = null;
  let bytesSent = 0;
  let bytesReceived = 0;
  let framesDecoded = 0;
  let path: LinkPath | null = null;
  const all = [...stats];
  const byId = new Map(all.map((s) => [s.id, s]));
  const transport = all.find((s) => s.type === 'transport');
  const selectedPairId = transport?.selectedCandidatePairId;
  for (const s of all) {
    if (s.type === 'candidate-pair') {
      const selected = typeof selectedPairId === 'string' ? s.id === selectedPairId : s.nominated === true && s.state === 'succeeded';
      if (!selected) continue;
      const types = [s.localCandidateId, s.remoteCandidateId].map((id) => byId.get(id)?.candidateType);
      if (types.some((t) => t !== undefined)) path = types.includes('relay') ? 'relay' : 'direct';
      const rtt = num(s.currentRoundTripTime);
      if (rtt !== null) rttMs = Math.round(rtt * 1000);
      availableOutgoingBps = num(s.availableOutgoingBitrate) ?? availableOutgoingBps;
    } else if (s.type === 'outbound-rtp') {
      bytesSent += num(s.bytesSent) ?? 0;
    } else if (s.type === 'inbound-rtp') {
      bytesReceived += num(s.bytesReceived) ?? 0;
      if (s.kind === 'video') framesDecoded += num(s.framesDecoded) ?? 0;
    } else if (s.type === 'remote-inbound-rtp') {
      const fraction = num(s.fractionLost);
      if (fraction !== null) loss = Math.max(loss ?? 0, fraction);
      if (rttMs === null) {
        const rtt = num(s.roundTripTime);
        if (rtt !== null) rttMs = Math.round(rtt * 1000);
      }
    }
  }
  const seconds = previous ? (at - previous.at) / 1000 : 0;
  const rate = (now: number, before: number | undefined) =>
    previous && seconds > 0 && before !== undefined ? Math.max(0, Math.round(((now - before) * 8) / seconds)) : null;
  return {
    at,
    rttMs,
    outgoingBps: rate(bytesSent, previous?.bytesSent),
    incomingBps: rate(bytesReceived, previous?.bytesReceived),
    loss,
    availableOutgoingBps,
    framesDecoded,
    bytesSent,
    bytesReceived,
    path,
  };
}

export interface QualityThresholds {
  /** Loss above this counts as a bad sample. */
  badLoss: number;
  /** Estimated uplink below this (bit/s) counts as a bad sample. */
  badBandwidthBps: number;
  /** Loss must fall under this, and bandwidth rise above `goodBandwidthBps`, for a good sample. */
  goodLoss: number;
  goodBandwidthBps: number;
  /** Consecutive bad samples before pausing, good ones before resuming: resuming is slower on purpose. */
  badSamples: number;
  goodSamples: number;
}

export const DEFAULT_THRESHOLDS: QualityThresholds = {
  badLoss: 0.1,
  badBandwidthBps: 150_000,
  goodLoss: 0.03,
  goodBandwidthBps: 400_000,
  badSamples: 3,
  goodSamples: 5,
};

export interface QualityState {
  paused: boolean;
  reason: 'loss' | 'bandwidth' | null;
  bad: number;
  good: number;
}

export const initialQuality: QualityState = { paused: false, reason: null, bad: 0, good: 0 };

/** One step of the degradation guard: sustained trouble pauses video, sustained health resumes it. */
export function assessQuality(state: QualityState, sample: LinkSample, t: QualityThresholds = DEFAULT_THRESHOLDS): QualityState {
  const lossy = sample.loss !== null && sample.loss > t.badLoss;
  const starved = sample.availableOutgoingBps !== null && sample.availableOutgoingBps < t.badBandwidthBps;
  const healthy =
    (sample.loss === null || sample.loss < t.goodLoss) &&
    (sample.availableOutgoingBps === null || sample.availableOutgoingBps >= t.goodBandwidthBps);
  if (!state.paused) {
    const bad = lossy || starved ? state.bad + 1 : 0;
    if (bad >= t.badSamples) return { paused: true, reason: lossy ? 'loss' : 'bandwidth', bad: 0, good: 0 };
    return { ...state, bad, good: 0 };
  }
  const good = healthy ? state.good + 1 : 0;
  if (good >= t.goodSamples) return { ...initialQuality };
  return { ...state, good, bad: 0 };
}
