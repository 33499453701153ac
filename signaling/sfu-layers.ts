// Which simulcast layer an SFU subscriber gets, from the stats its browser reports: down fast, up slowly.
import type { SfuLayerName, SfuLayerReason } from './protocol.ts';
import type { SfuLayer } from './sfu.ts';

export interface SubscriberStats {
  lossPct: number;
  rttMs: number;
  availableKbps: number | null;
  decodeFps: number;
}

export interface LayerState {
  layer: SfuLayerName;
  /** Consecutive reports good enough for the layer above. */
  goodReports: number;
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

export const initialLayerState = (): LayerState => ({ layer: 'high', goodReports: 0, audioOnlyRequested: false });

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
 * The next state, and the reason when the layer changes. Steps are one layer at a time, except heavy loss
 * or an uplink that cannot carry the lowest layer, which go straight to audio only.
 */
export function nextLayer(state: LayerState, stats: SubscriberStats): { state: LayerState; reason: SfuLayerReason | null } {
  if (state.audioOnlyRequested) return { state: { ...state, layer: 'audio-only', goodReports: 0 }, reason: null };
  const { layer } = state;
  const available = stats.availableKbps;
  const fall = (to: SfuLayerName, reason: SfuLayerReason) =>
    to === layer ? { state: { ...state, goodReports: 0 }, reason: null } : { state: { ...state, layer: to, goodReports: 0 }, reason };

  if (stats.lossPct > LOSS_AUDIO_ONLY_PCT) return fall('audio-only', 'loss');
  if (available !== null && available < NEEDS_KBPS.low) return fall('audio-only', 'bandwidth');
  if (stats.lossPct > LOSS_DOWN_PCT) return fall(down(layer), 'loss');
  if (available !== null && available < NEEDS_KBPS[layer]) return fall(down(layer), 'bandwidth');
  if (stats.rttMs > RTT_DOWN_MS && layer !== 'low' && layer !== 'audio-only') return fall(down(layer), 'rtt');
  if (layer !== 'audio-only' && layer !== 'low' && stats.decodeFps > 0 && stats.decodeFps < DECODE_FPS_DOWN) return fall(down(layer), 'decode');

  if (layer === 'high') return { state: { ...state, goodReports: 0 }, reason: null };
  const next = up(layer);
  const roomFor = available === null || available >= NEEDS_KBPS[next] * 1.2;
  const clean = stats.lossPct < 2 && stats.rttMs < RTT_DOWN_MS / 2;
  if (!roomFor || !clean) return { state: { ...state, goodReports: 0 }, reason: null };
  const goodReports = state.goodReports + 1;
  if (goodReports < GOOD_REPORTS_TO_RISE) return { state: { ...state, goodReports }, reason: null };
  return { state: { ...state, layer: next, goodReports: 0 }, reason: 'recovered' };
}
