// Whether this browser can take part in WebRTC; without it a room still offers chat and Q&A.
export function webrtcSupport(): { supported: true } | { supported: false; reason: string } {
  const g = globalThis as { RTCPeerConnection?: unknown; navigator?: Navigator };
  if (typeof g.RTCPeerConnection !== 'function') {
    return { supported: false, reason: 'This browser cannot receive live video (WebRTC is not available).' };
  }
  if (typeof g.navigator?.mediaDevices?.getUserMedia !== 'function') {
    return { supported: false, reason: 'This browser cannot use cameras or microphones here (media devices are not available).' };
  }
  return { supported: true };
}
