import { describe, expect, it } from 'vitest';
import { sdpFingerprint } from './signaling.ts';

describe('sdpFingerprint', () => {
  it('should read the DTLS fingerprint line of an SDP', () => {
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 AB:CD:EF\r\na=setup:actpass\r\n';
    expect(sdpFingerprint(sdp)).toBe('sha-256 AB:CD:EF');
  });

  it('should answer null without an SDP or without a fingerprint', () => {
    expect(sdpFingerprint(undefined)).toBeNull();
    expect(sdpFingerprint('v=0\r\n')).toBeNull();
  });
});
