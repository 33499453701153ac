// What the rtc tests load into a bare Chromium page: the framework-free modules of ui/rtc, nothing else.
export { makePeer } from '../ui/rtc/peer.ts';
export { preferCodecs } from '../ui/rtc/codecs.ts';
export { makePresenterHub } from '../ui/rtc/presenter-hub.ts';
export { makeAttendeeLink } from '../ui/rtc/attendee-link.ts';
export { allocateBitrates, DEFAULT_UPLOAD_BUDGET_BPS } from '../ui/rtc/budget.ts';
export { DEFAULT_THRESHOLDS } from '../ui/rtc/quality.ts';
