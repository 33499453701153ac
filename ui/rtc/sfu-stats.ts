// Reads getStats() for the SFU: an attendee's link report, and whether the presenter's star is straining.
import type { SfuStatsReport } from './signaling.ts';

interface StatLike {
  type: string;
  [field: string]: unknown;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export interface SubscriberCounters {
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
  /** Bytes of every stream received, RTP headers included (what the browser's estimate counts), and when (ms). */
  bytesReceived: number;
  at: number;
}

function selectedPair(all: StatLike[]): StatLike | undefined {
  const transport = all.find((s) => s.type === 'transport');
  const id = transport?.selectedCandidatePairId;
  return all.find((s) => s.type === 'candidate-pair' && (typeof id === 'string' ? s.id === id : s.nominated === true && s.state === 'succeeded'));
}

/**
 * The subscriber's report over the interval since `previous`: loss from packet counters, the decode rate of its best
 * video, and what arrived (kbit/s) beside the link's estimate.
 */
export function subscriberReport(stats: Iterable<StatLike>, previous: SubscriberCounters | null): { report: SfuStatsReport; counters: SubscriberCounters } {
  const all = [...stats];
  const counters: SubscriberCounters = { packetsReceived: 0, packetsLost: 0, framesDecoded: 0, bytesReceived: 0, at: 0 };
  let decodeFps = 0;
  for (const s of all) {
    if (s.type !== 'inbound-rtp') continue;
    counters.bytesReceived += (num(s.bytesReceived) ?? 0) + (num(s.headerBytesReceived) ?? 0);
    counters.at = Math.max(counters.at, num(s.timestamp) ?? 0);
    if (s.kind !== 'video') continue;
    counters.packetsReceived += num(s.packetsReceived) ?? 0;
    counters.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
    counters.framesDecoded += num(s.framesDecoded) ?? 0;
    decodeFps = Math.max(decodeFps, num(s.framesPerSecond) ?? 0);
  }
  const received = counters.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = counters.packetsLost - (previous?.packetsLost ?? 0);
  const lossPct = received + lost > 0 ? Math.min(100, Math.max(0, (lost / (received + lost)) * 100)) : 0;
  const pair = selectedPair(all);
  const rtt = num(pair?.currentRoundTripTime);
  const available = num(pair?.availableIncomingBitrate);
  const elapsedMs = previous ? counters.at - previous.at : 0;
  // kbit/s = bytes × 8 / ms; none over the first report, or after a counter reset (a new connection).
  const receivedKbps = previous && elapsedMs > 0 && counters.bytesReceived >= previous.bytesReceived ? Math.round(((counters.bytesReceived - previous.bytesReceived) * 8) / elapsedMs) : null;
  return {
    report: {
      lossPct: Math.round(lossPct * 10) / 10,
      rttMs: rtt === null ? 0 : Math.round(rtt * 1000),
      availableKbps: available === null ? null : Math.round(available / 1000),
      receivedKbps,
      decodeFps: Math.round(decodeFps),
    },
    counters,
  };
}

/** Sent frames per second below this, on a camera asked for 30, means the encoder or the uplink cannot keep up. */
const STRAINED_FPS = 20;

/**
 * Why a star presenter's upload cannot feed everyone, from one peer's stats, or null. The browser says so
 * itself (`qualityLimitationReason`), or the estimated uplink is below what is being sent, or the frame rate
 * fell.
 */
export function starStrain(stats: Iterable<StatLike>): 'uplink' | 'encoder' | null {
  const all = [...stats];
  const camera = all.find((s) => s.type === 'outbound-rtp' && s.kind === 'video' && (num(s.bytesSent) ?? 0) > 0);
  if (!camera) return null;
  if (camera.qualityLimitationReason === 'cpu') return 'encoder';
  if (camera.qualityLimitationReason === 'bandwidth') return 'uplink';
  const fps = num(camera.framesPerSecond);
  if (fps !== null && fps < STRAINED_FPS) return 'encoder';
  const available = num(selectedPair(all)?.availableOutgoingBitrate);
  const target = num(camera.targetBitrate);
  if (available !== null && target !== null && available < target * 0.8) return 'uplink';
  return null;
}
