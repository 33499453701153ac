// What this browser can do on this page, piece by piece: watching needs WebRTC only; presenting and the microphone
// also need a secure origin (https:// or localhost) and media devices. Each missing piece has its own message.

export interface MediaSupport {
  /** RTCPeerConnection: enough to watch and listen. */
  webrtc: boolean;
  /** https:// or localhost: browsers open cameras and microphones only there. */
  secureOrigin: boolean;
  /** navigator.mediaDevices.getUserMedia. */
  devices: boolean;
  /** navigator.mediaDevices.getDisplayMedia: absent on phones and tablets (iOS, Android) and older browsers. */
  screenShare: boolean;
  /** The page's origin, for messages. */
  origin: string;
}

export interface SupportProblem {
  kind: 'insecure-origin' | 'no-webrtc' | 'no-devices';
  title: string;
  message: string;
}

export function mediaSupport(g: typeof globalThis = globalThis): MediaSupport {
  const location = (g as { location?: Location }).location;
  const origin = location?.origin ?? '';
  const localHost = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(location?.hostname ?? '') || location?.hostname?.endsWith('.localhost') === true;
  const secureOrigin = typeof g.isSecureContext === 'boolean' ? g.isSecureContext : location?.protocol === 'https:' || localHost;
  const nav = (g as { navigator?: Navigator }).navigator;
  return {
    webrtc: typeof (g as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function',
    secureOrigin,
    devices: typeof nav?.mediaDevices?.getUserMedia === 'function',
    screenShare: typeof nav?.mediaDevices?.getDisplayMedia === 'function',
    origin,
  };
}

/** What whoever runs Podium does so that its pages are secure. */
export const HTTPS_HOW =
  'start Podium with HTTPS: PUBLIC_URL=https://<its DNS name> npm start on a server with a public name (the certificate comes by itself), or TLS=local npm start on a local network';

export function insecureOriginMessage(origin: string): string {
  return `Browsers open cameras, microphones and screen sharing only on secure pages (https:// or localhost), and this page is ${origin || 'not secure'}. To present, ${HTTPS_HOW}, then open Podium at its https:// address and start the presentation there.`;
}

/** Why this browser cannot watch, or null when it can. */
export function watchProblem(support: MediaSupport): SupportProblem | null {
  if (support.webrtc) return null;
  return { kind: 'no-webrtc', title: 'Chat and Q&A only', message: 'This browser cannot receive live video (WebRTC is not available).' };
}

/** Why this browser cannot present from this page, or null when it can. */
export function presentProblem(support: MediaSupport): SupportProblem | null {
  if (!support.secureOrigin) return { kind: 'insecure-origin', title: 'Open Podium over HTTPS to present', message: insecureOriginMessage(support.origin) };
  if (!support.webrtc) {
    return { kind: 'no-webrtc', title: 'Presenting needs WebRTC', message: 'This browser cannot send live video (WebRTC is not available). A current Chrome, Edge, Firefox or Safari can.' };
  }
  if (!support.devices) {
    return { kind: 'no-devices', title: 'No camera or microphone here', message: 'This browser offers no cameras or microphones to this page.' };
  }
  return null;
}

/** Why an attendee cannot turn on the microphone here, or null when they can (watching is unaffected). */
export function microphoneProblem(support: MediaSupport): string | null {
  if (!support.webrtc) return null;
  if (!support.secureOrigin) {
    return `Your microphone needs a secure page (https://), and this page is ${support.origin || 'not secure'}. Watching, chat and questions work as they are; ask the presenter for the https:// link if you need to speak.`;
  }
  if (!support.devices) return 'This browser offers no microphone to this page. Watching, chat and questions work as they are.';
  return null;
}

/** Why the presenter cannot share a screen here, or null when they can (camera and microphone are unaffected). */
export function screenShareProblem(support: MediaSupport): string | null {
  if (support.screenShare) return null;
  return 'This browser cannot share a screen (phones and tablets cannot). Your camera and microphone still work; present from a computer to share slides.';
}

export type AttendeeMode = 'join-only' | 'watch-only' | 'watch-and-speak';

/** What an attendee gets in this browser, by name: chat only, watching only, or watching with a microphone. */
export function attendeeMode(support: MediaSupport): { mode: AttendeeMode; label: string } {
  if (!support.webrtc) return { mode: 'join-only', label: 'Join only: chat and Q&A' };
  if (!support.devices || !support.secureOrigin) return { mode: 'watch-only', label: 'Watch only: no microphone here' };
  return { mode: 'watch-and-speak', label: 'Watch and speak' };
}
