import { describe, expect, it } from 'vitest';
import { initialLayerState, nextLayer, toSfuLayer, type LayerState, type SubscriberStats } from './sfu-layers.ts';

const clean: SubscriberStats = { lossPct: 0, rttMs: 30, availableKbps: 5_000, decodeFps: 30 };
const at = (layer: LayerState['layer']): LayerState => ({ ...initialLayerState(), layer });
/** The same report twice in a row, from `state`. */
const twice = (state: LayerState, stats: SubscriberStats) => nextLayer(nextLayer(state, stats).state, stats);

describe('nextLayer', () => {
  it('should keep a clean link on the high layer', () => {
    expect(nextLayer(initialLayerState(), clean)).toEqual({ state: { ...initialLayerState(), lastAvailableKbps: 5_000 }, reason: null });
  });

  it('should step down one layer at a time for loss, round trips and slow decoding', () => {
    expect(nextLayer(at('high'), { ...clean, lossPct: 10 })).toMatchObject({ state: { layer: 'medium' }, reason: 'loss' });
    expect(nextLayer(at('medium'), { ...clean, rttMs: 900 })).toMatchObject({ state: { layer: 'low' }, reason: 'rtt' });
    expect(nextLayer(at('high'), { ...clean, decodeFps: 6 })).toMatchObject({ state: { layer: 'medium' }, reason: 'decode' });
    // Slow decoding while packets go missing is the link's doing: incomplete frames are not decoded.
    expect(nextLayer(at('high'), { ...clean, decodeFps: 6, lossPct: 5 })).toMatchObject({ state: { layer: 'medium' }, reason: 'loss' });
  });

  it('should drop to audio only on heavy loss or a congested link below the lowest layer, from any layer', () => {
    expect(nextLayer(at('high'), { ...clean, lossPct: 40 })).toMatchObject({ state: { layer: 'audio-only' }, reason: 'loss' });
    expect(twice(at('medium'), { ...clean, availableKbps: 90, receivedKbps: 400 })).toMatchObject({ state: { layer: 'audio-only' }, reason: 'bandwidth' });
  });

  it('should go at once to the most video a link congested in two reports in a row fits', () => {
    // Congested: the browser's estimate is below what arrives.
    const congested = { ...clean, availableKbps: 800, receivedKbps: 1_200 };
    const once = nextLayer(at('high'), congested);
    expect(once).toEqual({ state: { ...at('high'), congestedReports: 1, lastAvailableKbps: 800 }, reason: null });
    expect(nextLayer(once.state, congested)).toMatchObject({ state: { layer: 'medium', congestedReports: 0 }, reason: 'bandwidth' });
    expect(twice(at('high'), { ...clean, availableKbps: 300, receivedKbps: 1_200 })).toMatchObject({ state: { layer: 'low' }, reason: 'bandwidth' });
    // One congested report between clean ones (a browser short of CPU for a moment) changes nothing.
    expect(nextLayer(nextLayer(once.state, clean).state, congested)).toMatchObject({ state: { layer: 'high', congestedReports: 1 }, reason: null });
  });

  it('should read a low estimate on an uncongested link as what arrives, not as a link too small', () => {
    // A still picture sends little, and a receive-side estimate stays near what arrives: 350 on 300 is not congestion.
    const still = { ...clean, availableKbps: 350, receivedKbps: 300 };
    expect(nextLayer(at('high'), still)).toMatchObject({ state: { layer: 'high', congestedReports: 0 }, reason: null });
    let state = at('low');
    for (let i = 0; i < 3; i += 1) state = nextLayer(state, { ...still, availableKbps: 200, receivedKbps: 160 }).state;
    expect(state.layer).toBe('medium');
  });

  it('should read a rising estimate below what arrives as one catching up, not as congestion', () => {
    // Just back on a whole link, on medium: the estimate climbs from where the thin link left it.
    let state = at('medium');
    for (const availableKbps of [300, 330, 360, 390, 420, 455]) {
      const next = nextLayer(state, { ...clean, availableKbps, receivedKbps: 490 });
      expect(next.reason).not.toBe('bandwidth');
      state = next.state;
    }
    expect(['medium', 'high']).toContain(state.layer);
  });

  it('should let the report after a fall change nothing: it still measures the layer fallen from', () => {
    const fell = nextLayer(at('medium'), { ...clean, lossPct: 12 });
    expect(fell).toMatchObject({ state: { layer: 'low', settling: true }, reason: 'loss' });
    // The queue the medium layer left still loses packets: no further fall for it.
    const next = nextLayer(fell.state, { ...clean, lossPct: 30 });
    expect(next).toMatchObject({ state: { layer: 'low', settling: false }, reason: null });
    // The report after that is the low layer's own.
    expect(nextLayer(next.state, { ...clean, lossPct: 30 })).toMatchObject({ state: { layer: 'audio-only' }, reason: 'loss' });
  });

  it('should not climb while the link is congested, and climb once it is not', () => {
    // 175 on 200 arriving: congested, though the low layer still fits.
    const congested = { ...clean, availableKbps: 175, receivedKbps: 200 };
    let state = at('low');
    for (let i = 0; i < 5; i += 1) state = nextLayer(state, congested).state;
    expect(state).toMatchObject({ layer: 'low', goodReports: 0 });
    for (let i = 0; i < 3; i += 1) state = nextLayer(state, { ...congested, availableKbps: 210 }).state;
    expect(state.layer).toBe('medium');
  });

  it('should climb back one layer after three clean reports in a row, and start counting again after a bad one', () => {
    let state = at('audio-only');
    const seen: string[] = [];
    for (const stats of [clean, clean, { ...clean, lossPct: 4 }, clean, clean, clean, clean, clean, clean, clean]) {
      state = nextLayer(state, { ...stats, decodeFps: state.layer === 'audio-only' ? 0 : 30 }).state;
      seen.push(state.layer);
    }
    // After each change of layer, one report only settles: it still measures the layer before.
    expect(seen).toEqual(['audio-only', 'audio-only', 'audio-only', 'audio-only', 'audio-only', 'low', 'low', 'low', 'low', 'medium']);
  });

  it('should wait twice as long after each rise the link could not hold, and as before once a rise holds', () => {
    const lossy = { ...clean, lossPct: 10 };
    // Clean reports from `state` until the layer changes: how many it took.
    const climb = (state: LayerState) => {
      for (let n = 1; n <= 20; n += 1) {
        const next = nextLayer(state, clean);
        if (next.state.layer !== state.layer) return { state: next.state, after: n };
        state = next.state;
      }
      throw new Error('never rose');
    };
    let state = at('low');
    const waits: number[] = [];
    for (let probe = 0; probe < 5; probe += 1) {
      const rose = climb(state);
      expect(rose.state.layer).toBe('medium');
      waits.push(rose.after);
      // The link cannot carry medium: the report after the one that settles shows loss, and sends it back.
      state = nextLayer(nextLayer(rose.state, lossy).state, lossy).state;
      expect(state.layer).toBe('low');
    }
    // Each wait after a fall is one report longer: the report right after a fall only settles.
    expect(waits).toEqual([3, 7, 13, 13, 13]);
    // This time the rise holds three reports (after the one that settles): the wait is back to three.
    let held = climb(state).state;
    for (let i = 0; i < 4; i += 1) held = nextLayer(held, clean).state;
    expect(held).toMatchObject({ layer: 'high', riseAfter: 3, sinceRise: 0 });
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
