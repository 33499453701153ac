// Which simulcast layer an SFU subscriber gets, from the stats its browser reports: down fast, up slowly.
import type { SfuLayerName, SfuLayerReason } from './protocol.ts';
import type { SfuLayer } from './sfu.ts';

export interface SubscriberStats {
  lossPct: number;
  rttMs: number;
  /**
   * The browser's own estimate of what its link can take (`availableIncomingBitrate`), from its receive-side
   * estimator: Podium's offers to subscribers leave out transport-wide congestion control, so the browser
   * estimates instead of Janus (which would not). That estimator never reads above about 1.5 × what arrives, so it
   * says when the link is congested, not how much more it could carry.
   */
  availableKbps: number | null;
  /** What arrived over the interval, audio and video, kbit/s: what `availableKbps` is read against. */
  receivedKbps?: number | null;
  decodeFps: number;
}

export interface LayerState {
  layer: SfuLayerName;
  /** Consecutive reports good enough for the layer above. */
  goodReports: number;
  /** Consecutive reports of a congested link (see nextLayer). */
  congestedReports: number;
  /** Clean reports the next rise waits for: GOOD_REPORTS_TO_RISE, doubled by each rise the link could not hold. */
  riseAfter: number;
  /** Reports since the last rise, while it has not yet held PROBATION_REPORTS; null otherwise. */
  sinceRise: number | null;
  /** The browser's estimate in the last report (kbit/s): a rising one is catching up, not congestion. */
  lastAvailableKbps: number | null;
  /**
   * Set by a change of layer: the next report's interval still holds the layer before (its loss, the queue it left,
   * and the switch itself: Janus forwards the old layer until the new one's keyframe), so that report changes nothing.
   */
  settling: boolean;
  /** Set while the attendee asked for audio only; stats then never bring video back. */
  audioOnlyRequested: boolean;
}

/** Order from most to least video. */
const ORDER: readonly SfuLayerName[] = ['high', 'medium', 'low', 'audio-only'];

/**
 * What each layer needs, in kbit/s, with its audio: the presenter's simulcast encodings are capped at
 * 1,200 / 400 / 120 kbit/s (see ui/rtc/sfu-publisher.ts), plus Opus at about 40.
 */
const NEEDS_KBPS: Record<SfuLayerName, number> = { high: 1_250, medium: 450, low: 170, 'audio-only': 0 };

/** Loss above this (percent, over the report interval) steps one layer down. */
const LOSS_DOWN_PCT = 8;
/** Loss above this drops video altogether: retransmissions would only make it worse. */
const LOSS_AUDIO_ONLY_PCT = 25;
/** Round trips above this make every retransmission late; step down to cut what must be repaired. */
const RTT_DOWN_MS = 600;
/** Frames decoded per second below this, while the layer carries more, means the attendee's device is the limit. */
const DECODE_FPS_DOWN = 12;
/** Reports (about 2 s apart) a link must stay clean for before it gets the next layer up. */
const GOOD_REPORTS_TO_RISE = 3;
/** A rise that falls back within this many reports was a probe the link failed: the next waits twice as long. */
const PROBATION_REPORTS = 3;
/** The longest wait between two probes, in reports (about 24 s): a link that got better is found again this soon. */
const MAX_RISE_AFTER = 12;

export const initialLayerState = (): LayerState => ({
  layer: 'high',
  goodReports: 0,
  congestedReports: 0,
  riseAfter: GOOD_REPORTS_TO_RISE,
  sinceRise: null,
  lastAvailableKbps: null,
  settling: false,
  audioOnlyRequested: false,
});

export function toSfuLayer(name: SfuLayerName): SfuLayer {
  switch (name) {
    case 'high':
      return { substream: 2, temporal: 2 };
    case 'medium':
      return { substream: 1, temporal: 2 };
    case 'low':
      return { substream: 0, temporal: 2 };
    case 'audio-only':
      return 'audio-only';
  }
}

const down = (layer: SfuLayerName) => ORDER[Math.min(ORDER.indexOf(layer) + 1, ORDER.length - 1)]!;
const up = (layer: SfuLayerName) => ORDER[Math.max(ORDER.indexOf(layer) - 1, 0)]!;

/**
 * The link's estimate below this share of what arrives, and not rising: the browser saw queues grow (overuse), the
 * link is full. (A rising estimate below what arrives is one catching up after the link got better.)
 */
const CONGESTED_SHARE = 0.9;
/**
 * Reports in a row a link must be congested for before it loses video for bandwidth: one can be a browser that was
 * itself short of CPU for a moment (its estimator reads late packets as queues), which a link that is full stays.
 */
const CONGESTED_REPORTS_TO_FALL = 2;

/** The most video that fits in `kbps`, below `layer`. */
function fitting(layer: SfuLayerName, kbps: number): SfuLayerName {
  const below = ORDER.slice(ORDER.indexOf(layer) + 1);
  return below.find((l) => NEEDS_KBPS[l] <= kbps) ?? 'audio-only';
}

/**
 * The next state, and the reason when the layer changes. Loss, round trips and decoding step down one layer at a
 * time, heavy loss straight to audio only. A link congested in two reports in a row (the browser's estimate fell
 * below what arrives) goes at once to the most video that fits in the estimate, audio only when not even the lowest
 * layer does. Rising needs clean reports in a row and a link that is not congested: a receive-side estimate cannot
 * say the next layer fits, so the rise itself is the probe, and a link that cannot take it is congested soon after.
 * A rise that falls back within PROBATION_REPORTS doubles the wait for the next (up to MAX_RISE_AFTER), so a link
 * between two layers does not lose its video to a failed probe every few seconds; a rise that holds resets it.
 * The report after a change of layer changes nothing: it still measures the layer before.
 */
export function nextLayer(state: LayerState, stats: SubscriberStats): { state: LayerState; reason: SfuLayerReason | null } {
  if (state.audioOnlyRequested) return { state: { ...state, layer: 'audio-only', goodReports: 0, congestedReports: 0 }, reason: null };
  const available = stats.availableKbps;
  const received = stats.receivedKbps ?? null;
  const rising = available !== null && state.lastAvailableKbps !== null && available > state.lastAvailableKbps;
  // The estimate, when it is below what arrives; null when the link is not congested (or the browser does not tell).
  const congestedAt = available !== null && received !== null && received > 0 && available < received * CONGESTED_SHARE && !rising ? available : null;
  const congested = congestedAt !== null;
  if (state.settling) {
    return { state: { ...state, settling: false, goodReports: 0, congestedReports: 0, lastAvailableKbps: available }, reason: null };
  }
  const sinceRise = state.sinceRise === null ? null : state.sinceRise + 1;
  const held = sinceRise !== null && sinceRise >= PROBATION_REPORTS;
  const { layer } = state;
  const fall = (to: SfuLayerName, reason: SfuLayerReason) => {
    if (to === layer) return { state: { ...state, goodReports: 0 }, reason: null };
    // Back down from a rise that has not held yet: the link failed that probe.
    const riseAfter = sinceRise !== null && !held ? Math.min(state.riseAfter * 2, MAX_RISE_AFTER) : state.riseAfter;
    return { state: { ...state, layer: to, goodReports: 0, congestedReports: 0, riseAfter, sinceRise: null, settling: true }, reason };
  };
  state = {
    ...state,
    congestedReports: congested ? state.congestedReports + 1 : 0,
    lastAvailableKbps: available,
    ...(held ? { riseAfter: GOOD_REPORTS_TO_RISE, sinceRise: null } : { sinceRise }),
  };

  if (stats.lossPct > LOSS_AUDIO_ONLY_PCT) return fall('audio-only', 'loss');
  if (congestedAt !== null && state.congestedReports >= CONGESTED_REPORTS_TO_FALL && layer !== 'audio-only' && congestedAt < NEEDS_KBPS[layer]) {
    return fall(fitting(layer, congestedAt), 'bandwidth');
  }
  if (stats.lossPct > LOSS_DOWN_PCT) return fall(down(layer), 'loss');
  if (stats.rttMs > RTT_DOWN_MS && layer !== 'low' && layer !== 'audio-only') return fall(down(layer), 'rtt');
  // Few frames decoded while packets go missing: the frames are incomplete, and the link is the reason.
  if (layer !== 'audio-only' && layer !== 'low' && stats.decodeFps > 0 && stats.decodeFps < DECODE_FPS_DOWN) return fall(down(layer), stats.lossPct >= 2 ? 'loss' : 'decode');

  if (layer === 'high') return { state: { ...state, goodReports: 0 }, reason: null };
  const next = up(layer);
  const clean = stats.lossPct < 2 && stats.rttMs < RTT_DOWN_MS / 2 && !congested;
  if (!clean) return { state: { ...state, goodReports: 0 }, reason: null };
  const goodReports = state.goodReports + 1;
  if (goodReports < state.riseAfter) return { state: { ...state, goodReports }, reason: null };
  return { state: { ...state, layer: next, goodReports: 0, sinceRise: 0, settling: true }, reason: 'recovered' };
}
