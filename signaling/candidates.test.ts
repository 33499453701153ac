import { describe, expect, it } from 'vitest';
import { addressPolicy, candidateAllowed, filterCandidate, filterSdp, isPrivateAddress, parseCandidate } from './candidates.ts';

const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host generation 0';
const mdns = 'candidate:2 1 udp 2122260223 5b2d8c1e-6f0e-4c3b-9d1e-1a2b3c4d5e6f.local 54401 typ host generation 0';
const publicHost = 'candidate:3 1 udp 2122260223 198.51.100.7 54402 typ host generation 0';
const srflx = 'candidate:4 1 udp 1686052607 198.51.100.7 61000 typ srflx raddr 192.168.1.20 rport 54400 generation 0';
const relay = 'candidate:5 1 udp 41885439 203.0.113.10 50000 typ relay raddr 198.51.100.7 rport 61000 generation 0';

describe('isPrivateAddress', () => {
  it('should know the private, link-local, CGNAT and loopback ranges of IPv4 and IPv6', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.1.1', '100.64.0.1', '127.0.0.1', 'fd00::1', 'fe80::1', '::1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['172.32.0.1', '198.51.100.7', '203.0.113.10', '8.8.8.8', '100.128.0.1', '2001:db8::1', 'x.local']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });
});

describe('candidate filtering', () => {
  it('should parse the address and type of a candidate', () => {
    expect(parseCandidate(srflx)).toEqual({ address: '198.51.100.7', type: 'srflx' });
    expect(parseCandidate('candidate:garbage')).toBeUndefined();
  });

  it('should pass only relay candidates, their related address blanked, when addresses are hidden', () => {
    expect([host, mdns, publicHost, srflx].map((c) => filterCandidate(c, 'relay-only'))).toEqual([null, null, null, null]);
    expect(filterCandidate(relay, 'relay-only')).toBe(
      'candidate:5 1 udp 41885439 203.0.113.10 50000 typ relay raddr 0.0.0.0 rport 0 generation 0',
    );
    expect(filterCandidate('', 'relay-only')).toBe('');
    expect(candidateAllowed('candidate:garbage', 'relay-only')).toBe(false);
  });

  it('should drop only private host candidates when LAN addresses are hidden', () => {
    expect(filterCandidate(host, 'no-private-host')).toBeNull();
    for (const c of [mdns, publicHost, srflx, relay]) expect(filterCandidate(c, 'no-private-host')).toBe(c);
  });

  it('should pass everything in an open room', () => {
    for (const c of [host, srflx, relay, 'candidate:garbage']) expect(filterCandidate(c, 'open')).toBe(c);
  });

  it('should apply the same rules to the SDP, and blank its connection addresses', () => {
    const sdp = [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      'm=video 61000 UDP/TLS/RTP/SAVPF 96',
      'c=IN IP4 198.51.100.7',
      'a=rtcp:9 IN IP4 192.168.1.20',
      `a=${host}`,
      `a=${srflx}`,
      `a=${relay}`,
      'a=mid:0',
      '',
    ].join('\r\n');
    const hidden = filterSdp(sdp, 'relay-only');
    expect(hidden).not.toMatch(/192\.168\.1\.20|198\.51\.100\.7/);
    expect(hidden).toContain('a=candidate:5 1 udp 41885439 203.0.113.10 50000 typ relay raddr 0.0.0.0 rport 0');
    expect(hidden).toContain('c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n');
    expect(hidden.endsWith('a=mid:0\r\n')).toBe(true);
    expect(filterSdp(sdp, 'no-private-host')).not.toContain(`a=${host}`);
    expect(filterSdp(sdp, 'no-private-host')).toContain(`a=${srflx}`);
    expect(filterSdp(sdp, 'open')).toBe(sdp);
  });

  it('should hide LAN addresses only on the way out of an attendee', () => {
    expect(addressPolicy({ hideAddresses: true, hideLanAddresses: false }, 'presenter')).toBe('relay-only');
    expect(addressPolicy({ hideAddresses: false, hideLanAddresses: true }, 'attendee')).toBe('no-private-host');
    expect(addressPolicy({ hideAddresses: false, hideLanAddresses: true }, 'presenter')).toBe('open');
    expect(addressPolicy({ hideAddresses: false, hideLanAddresses: false }, 'attendee')).toBe('open');
  });
});
