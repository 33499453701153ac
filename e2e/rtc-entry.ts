// What the rtc tests load into a bare Chromium page: the peer and codec modules of ui/rtc, nothing else.
export { makePeer } from '../ui/rtc/peer.ts';
export { preferCodecs } from '../ui/rtc/codecs.ts';
