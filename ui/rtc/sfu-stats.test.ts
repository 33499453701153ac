import { describe, expect, it } from 'vitest';
import { starStrain, subscriberReport } from './sfu-stats.ts';

const pair = { type: 'candidate-pair', id: 'p', currentRoundTripTime: 0.042, availableIncomingBitrate: 2_500_000, availableOutgoingBitrate: 900_000 };
const transport = { type: 'transport', selectedCandidatePairId: 'p' };

describe('subscriberReport', () => {
  it('should report loss over the interval, round trip, available bitrate and the best video decode rate', () => {
    const first = subscriberReport(
      [transport, pair, { type: 'inbound-rtp', kind: 'video', packetsReceived: 1000, packetsLost: 10, framesDecoded: 300, framesPerSecond: 29.7 }],
      null,
    );
    expect(first.report).toEqual({ lossPct: 1, rttMs: 42, availableKbps: 2500, receivedKbps: null, decodeFps: 30 });
    const second = subscriberReport(
      [transport, pair, { type: 'inbound-rtp', kind: 'video', packetsReceived: 1180, packetsLost: 30, framesDecoded: 360, framesPerSecond: 12 }],
      first.counters,
    );
    expect(second.report).toMatchObject({ lossPct: 10, decodeFps: 12 });
  });

  it('should report what arrived over the interval, every stream and its RTP headers, against the stats’ own clock', () => {
    const at = (timestamp: number, video: number, audio: number) => [
      { type: 'inbound-rtp', kind: 'video', timestamp, bytesReceived: video, headerBytesReceived: video / 10, packetsReceived: 0 },
      { type: 'inbound-rtp', kind: 'audio', timestamp, bytesReceived: audio, headerBytesReceived: 0, packetsReceived: 0 },
    ];
    const first = subscriberReport(at(10_000, 100_000, 10_000), null);
    // 2 s later: 250,000 more video bytes (+ 25,000 of headers) and 10,000 more audio: 285,000 × 8 / 2,000 ms.
    const second = subscriberReport(at(12_000, 350_000, 20_000), first.counters);
    expect(second.report.receivedKbps).toBe(1140);
    // A new connection starts its counters again: no figure rather than a negative one.
    expect(subscriberReport(at(14_000, 1_000, 100), second.counters).report.receivedKbps).toBeNull();
  });

  it('should say nothing is lost and leave the bitrate unknown when the browser does not tell', () => {
    expect(subscriberReport([{ type: 'inbound-rtp', kind: 'audio', packetsReceived: 50 }], null).report).toEqual({
      lossPct: 0,
      rttMs: 0,
      availableKbps: null,
      receivedKbps: null,
      decodeFps: 0,
    });
  });
});

describe('starStrain', () => {
  const camera = (extra: Record<string, unknown>) => ({ type: 'outbound-rtp', kind: 'video', bytesSent: 1e6, framesPerSecond: 30, targetBitrate: 500_000, ...extra });

  it('should take the browser’s own limitation reason first', () => {
    expect(starStrain([camera({ qualityLimitationReason: 'cpu' })])).toBe('encoder');
    expect(starStrain([camera({ qualityLimitationReason: 'bandwidth' })])).toBe('uplink');
  });

  it('should call a falling frame rate the encoder, and an uplink below the target the uplink', () => {
    expect(starStrain([camera({ qualityLimitationReason: 'none', framesPerSecond: 14 })])).toBe('encoder');
    expect(starStrain([transport, { ...pair, availableOutgoingBitrate: 300_000 }, camera({ qualityLimitationReason: 'none' })])).toBe('uplink');
  });

  it('should find no strain on a healthy sender, nor on one that sends nothing yet', () => {
    expect(starStrain([transport, pair, camera({ qualityLimitationReason: 'none' })])).toBeNull();
    expect(starStrain([camera({ bytesSent: 0, qualityLimitationReason: 'cpu' })])).toBeNull();
  });
});
