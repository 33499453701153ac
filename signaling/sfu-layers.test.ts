import { describe, expect, it } from 'vitest';
import { initialLayerState, nextLayer, toSfuLayer, type LayerState, type SubscriberStats } from './sfu-layers.ts';

const clean: SubscriberStats = { lossPct: 0, rttMs: 30, availableKbps: 5_000, decodeFps: 30 };
const at = (layer: LayerState['layer']): LayerState => ({ ...initialLayerState(), layer });

describe('nextLayer', () => {
  it('should keep a clean link on the high layer', () => {
    expect(nextLayer(initialLayerState(), clean)).toEqual({ state: initialLayerState(), reason: null });
  });

  it('should step down one layer at a time for loss, bandwidth, round trips and slow decoding', () => {
    expect(nextLayer(at('high'), { ...clean, lossPct: 10 })).toMatchObject({ state: { layer: 'medium' }, reason: 'loss' });
    expect(nextLayer(at('high'), { ...clean, availableKbps: 800 })).toMatchObject({ state: { layer: 'medium' }, reason: 'bandwidth' });
    expect(nextLayer(at('medium'), { ...clean, rttMs: 900 })).toMatchObject({ state: { layer: 'low' }, reason: 'rtt' });
    expect(nextLayer(at('high'), { ...clean, decodeFps: 6 })).toMatchObject({ state: { layer: 'medium' }, reason: 'decode' });
  });

  it('should drop to audio only on heavy loss or a link below the lowest layer, from any layer', () => {
    expect(nextLayer(at('high'), { ...clean, lossPct: 40 })).toMatchObject({ state: { layer: 'audio-only' }, reason: 'loss' });
    expect(nextLayer(at('medium'), { ...clean, availableKbps: 90 })).toMatchObject({ state: { layer: 'audio-only' }, reason: 'bandwidth' });
  });

  it('should climb back one layer after three clean reports in a row, and start counting again after a bad one', () => {
    let state = at('audio-only');
    const seen: string[] = [];
    for (const stats of [clean, clean, { ...clean, lossPct: 4 }, clean, clean, clean, clean, clean, clean]) {
      state = nextLayer(state, { ...stats, decodeFps: state.layer === 'audio-only' ? 0 : 30 }).state;
      seen.push(state.layer);
    }
    expect(seen).toEqual(['audio-only', 'audio-only', 'audio-only', 'audio-only', 'audio-only', 'low', 'low', 'low', 'medium']);
  });

  it('should hold audio only while the attendee asked for it, whatever the stats', () => {
    const asked = { ...at('audio-only'), audioOnlyRequested: true };
    for (let i = 0; i < 5; i += 1) expect(nextLayer(asked, clean)).toMatchObject({ state: { layer: 'audio-only' }, reason: null });
  });

  it('should map layers to Janus substreams', () => {
    expect(['high', 'medium', 'low', 'audio-only'].map((l) => toSfuLayer(l as LayerState['layer']))).toEqual([
      { substream: 2, temporal: 2 },
      { substream: 1, temporal: 2 },
      { substream: 0, temporal: 2 },
      'audio-only',
    ]);
  });
});
