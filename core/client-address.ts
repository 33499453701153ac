// Who is on the other end: the peer's address, or the client a trusted proxy names; IPv6 counted per /64.
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

/** The words proxy-addr understands besides addresses and CIDRs: 127.0.0.0/8 and ::1, fe80::/10 and so on. */
const namedRanges = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether `entry` is something TRUST_PROXY may name: an address, a CIDR, or one of proxy-addr's named ranges. */
export function isProxyEntry(entry: string): boolean {
  if (namedRanges.has(entry)) return true;
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * The address a request came from. X-Forwarded-For counts only when the peer is one of the trusted proxies
 * (proxy-addr, Express's own: the header is read from the right, each hop believed only while the address
 * before it is trusted), so a client that reaches the port directly cannot name itself someone else.
 */
export function clientAddressResolver(trusted: readonly string[]): (peer: string | undefined, forwardedFor: string | undefined) => string | undefined {
  const trust = trusted.length > 0 ? proxyAddr.compile([...trusted]) : undefined;
  return (peer, forwardedFor) => {
    if (!peer) return undefined;
    if (!trust || !forwardedFor) return peer;
    // proxy-addr reads a Node request; these two fields are all it looks at.
    const request = { socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': forwardedFor } };
    return proxyAddr(request as unknown as Parameters<typeof proxyAddr>[0], trust);
  };
}

/** Whether `peer` is one of the trusted proxies (then its X-Forwarded-Proto and -Host are believed too). */
export function proxyTrusted(trusted: readonly string[], peer: string | undefined): boolean {
  return trusted.length > 0 && peer !== undefined && proxyAddr.compile([...trusted])(peer, 0);
}

/**
 * The key an address is counted under. One IPv6 host or home gets a whole /64 and may use any address in
 * it, so IPv6 is counted per /64; IPv4 (and IPv4-mapped IPv6, as Node reports IPv4 peers on a dual-stack
 * socket) per address. Anything that does not parse is counted as written.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
