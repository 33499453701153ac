// Address privacy on the signaling path: which ICE candidates (and SDP address lines) may reach the other side.

/**
 * `relay-only`: only relay candidates pass, with their related address blanked (hide-addresses rooms).
 * `no-private-host`: host candidates with a private-range address are dropped (an attendee's LAN, kept from
 * the presenter). `open`: everything passes.
 */
export type AddressPolicy = 'relay-only' | 'no-private-host' | 'open';

export interface CandidateFields {
  type: string;
  address: string;
}

/** The address and type of a candidate attribute (`candidate:…` or `a=candidate:…`); undefined if malformed. */
export function parseCandidate(line: string): CandidateFields | undefined {
  const tokens = line.trim().split(/\s+/);
  const typ = tokens.indexOf('typ');
  if (typ < 0 || tokens.length < 8 || typ + 1 >= tokens.length) return undefined;
  return { address: tokens[4]!, type: tokens[typ + 1]! };
}

const PRIVATE_V4: Array<[number, number]> = [
  [0x0a000000, 8], // 10.0.0.0/8
  [0xac100000, 12], // 172.16.0.0/12
  [0xc0a80000, 16], // 192.168.0.0/16
  [0xa9fe0000, 16], // 169.254.0.0/16 link-local
  [0x64400000, 10], // 100.64.0.0/10 carrier-grade NAT
  [0x7f000000, 8], // 127.0.0.0/8
];

/** Private, link-local, CGNAT and loopback addresses (IPv4 and IPv6): the ones that describe a local network. */
export function isPrivateAddress(address: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    const n = v4.slice(1).reduce((acc, part) => acc * 256 + Number(part), 0);
    return PRIVATE_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  const v6 = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (!v6.includes(':')) return false;
  return v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/** Whether a candidate attribute may pass under the policy. Malformed candidates never pass a closed policy. */
export function candidateAllowed(line: string, policy: AddressPolicy): boolean {
  if (policy === 'open') return true;
  const fields = parseCandidate(line);
  if (!fields) return false;
  if (policy === 'relay-only') return fields.type === 'relay';
  return !(fields.type === 'host' && isPrivateAddress(fields.address));
}

/** A relay candidate's `raddr` is the browser's own public address: blanked where addresses are hidden. */
function blankRelatedAddress(line: string): string {
  return line.replace(/ raddr \S+ rport \d+/, ' raddr 0.0.0.0 rport 0');
}

/** The candidate as it may be forwarded, or null when it must be dropped. An empty string (end of candidates) passes. */
export function filterCandidate(candidate: string, policy: AddressPolicy): string | null {
  if (policy === 'open' || candidate.trim() === '') return candidate;
  if (!candidateAllowed(candidate, policy)) return null;
  return policy === 'relay-only' ? blankRelatedAddress(candidate) : candidate;
}

/**
 * The SDP as it may be forwarded: candidate lines filtered like trickled ones, and the connection and RTCP
 * address lines (which carry the default candidate's address) blanked, since ICE does not need them.
 */
export function filterSdp(sdp: string, policy: AddressPolicy): string {
  if (policy === 'open') return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const kept: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('a=candidate:')) {
      const filtered = filterCandidate(line.slice(2), policy);
      if (filtered !== null) kept.push(`a=${filtered}`);
    } else if (line.startsWith('c=IN IP4 ')) kept.push('c=IN IP4 0.0.0.0');
    else if (line.startsWith('c=IN IP6 ')) kept.push('c=IN IP6 ::');
    else if (/^a=rtcp:\d+ IN IP4 /.test(line)) kept.push(line.replace(/IN IP4 \S+/, 'IN IP4 0.0.0.0'));
    else if (/^a=rtcp:\d+ IN IP6 /.test(line)) kept.push(line.replace(/IN IP6 \S+/, 'IN IP6 ::'));
    else kept.push(line);
  }
  return kept.join(eol);
}

/** What the sender's room asks for on this edge: LAN addresses are hidden only on an attendee's way out. */
export function addressPolicy(room: { hideAddresses: boolean; hideLanAddresses: boolean }, senderRole: 'presenter' | 'attendee'): AddressPolicy {
  if (room.hideAddresses) return 'relay-only';
  if (room.hideLanAddresses && senderRole === 'attendee') return 'no-private-host';
  return 'open';
}
