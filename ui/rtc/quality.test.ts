import { describe, expect, it } from 'vitest';
import { assessQuality, DEFAULT_THRESHOLDS, initialQuality, summarizeStats, type LinkSample, type QualityState } from './quality.ts';

const sample = (patch: Partial<LinkSample>): LinkSample => ({
  at: 0,
  rttMs: 20,
  outgoingBps: 1_000_000,
  incomingBps: 0,
  loss: 0,
  availableOutgoingBps: 2_000_000,
  framesDecoded: 0,
  bytesSent: 0,
  bytesReceived: 0,
  path: 'direct',
  ...patch,
});

const run = (samples: LinkSample[], start: QualityState = initialQuality) => samples.reduce((s, x) => assessQuality(s, x), start);

describe('summarizeStats', () => {
  const report = (bytesSent: number, framesDecoded: number) => [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP0', type: 'candidate-pair', currentRoundTripTime: 0.9, availableOutgoingBitrate: 1 },
    { id: 'CP1', type: 'candidate-pair', currentRoundTripTime: 0.042, availableOutgoingBitrate: 3_000_000 },
    { id: 'O1', type: 'outbound-rtp', kind: 'video', bytesSent },
    { id: 'O2', type: 'outbound-rtp', kind: 'audio', bytesSent: 1000 },
    { id: 'I1', type: 'inbound-rtp', kind: 'video', bytesReceived: 500, framesDecoded },
    { id: 'R1', type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.02, roundTripTime: 0.05 },
    { id: 'R2', type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.07 },
  ];

  it('should read the selected pair, the worst loss and decoded frames', () => {
    const s = summarizeStats(report(9000, 30), null, 1000);
    expect(s).toMatchObject({ rttMs: 42, availableOutgoingBps: 3_000_000, loss: 0.07, framesDecoded: 30, bytesSent: 10_000 });
    expect(s.outgoingBps).toBeNull();
  });

  it('should turn byte counters into bit rates using the previous sample', () => {
    const first = summarizeStats(report(9000, 30), null, 1000);
    const second = summarizeStats(report(259_000, 90), first, 3000);
    expect(second.outgoingBps).toBe(1_000_000);
    expect(second.incomingBps).toBe(0);
  });

  it('should report nothing it cannot read', () => {
    expect(summarizeStats([], null, 0)).toMatchObject({ rttMs: null, loss: null, availableOutgoingBps: null, framesDecoded: 0, path: null });
  });

  it('should tell a relayed link from a direct one by the selected pair’s candidate types', () => {
    const pair = (local: string, remote: string, selected: boolean) => [
      { id: 'CP1', type: 'candidate-pair', state: 'succeeded', nominated: selected, localCandidateId: 'L1', remoteCandidateId: 'R1' },
      { id: 'CP2', type: 'candidate-pair', state: 'succeeded', nominated: !selected, localCandidateId: 'L2', remoteCandidateId: 'R2' },
      { id: 'L1', type: 'local-candidate', candidateType: local },
      { id: 'R1', type: 'remote-candidate', candidateType: remote },
      { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
      { id: 'R2', type: 'remote-candidate', candidateType: 'relay' },
    ];
    expect(summarizeStats(pair('host', 'srflx', true), null, 0).path).toBe('direct');
    expect(summarizeStats(pair('prflx', 'host', true), null, 0).path).toBe('direct');
    expect(summarizeStats(pair('host', 'relay', true), null, 0).path).toBe('relay');
    expect(summarizeStats(pair('relay', 'srflx', true), null, 0).path).toBe('relay');
    // The succeeded, nominated pair is the selected one, whatever the other pairs are.
    expect(summarizeStats(pair('host', 'host', false), null, 0).path).toBe('relay');
    expect(summarizeStats(pair('host', 'host', true).slice(2), null, 0).path).toBeNull();
  });
});

describe('assessQuality', () => {
  it('should pause video after sustained loss, not after one bad sample', () => {
    const lossy = sample({ loss: 0.2 });
    expect(run([lossy, lossy]).paused).toBe(false);
    expect(run([lossy, lossy, lossy])).toMatchObject({ paused: true, reason: 'loss' });
  });

  it('should pause for too little bandwidth with the bandwidth reason', () => {
    const starved = sample({ availableOutgoingBps: 80_000 });
    expect(run(Array(DEFAULT_THRESHOLDS.badSamples).fill(starved))).toMatchObject({ paused: true, reason: 'bandwidth' });
  });

  it('should forget isolated bad samples between good ones', () => {
    const lossy = sample({ loss: 0.3 });
    expect(run([lossy, lossy, sample({}), lossy, lossy]).paused).toBe(false);
  });

  it('should resume only after a longer run of healthy samples', () => {
    const paused = run(Array(3).fill(sample({ loss: 0.3 })));
    expect(run(Array(DEFAULT_THRESHOLDS.goodSamples - 1).fill(sample({})), paused).paused).toBe(true);
    expect(run(Array(DEFAULT_THRESHOLDS.goodSamples).fill(sample({})), paused)).toEqual(initialQuality);
  });

  it('should not resume on middling samples that are neither bad nor healthy', () => {
    const paused = run(Array(3).fill(sample({ loss: 0.3 })));
    expect(run(Array(10).fill(sample({ loss: 0.05 })), paused).paused).toBe(true);
  });
});
