import { describe, expect, it } from 'vitest';
import { preferredVideoCodec } from './codecs.ts';
import { attendeeMode, mediaSupport, microphoneProblem, presentProblem, screenShareProblem, watchProblem } from './support.ts';

/** A window as a browser builds it on `url`: secure context as browsers decide it, WebRTC and devices optional. */
function page(url: string, { webrtc = true, devices = true, secure, display = true }: { webrtc?: boolean; devices?: boolean; secure?: boolean; display?: boolean } = {}) {
  const location = new URL(url);
  return {
    location,
    ...(secure === undefined ? {} : { isSecureContext: secure }),
    ...(webrtc ? { RTCPeerConnection: function RTCPeerConnection() {} } : {}),
    navigator: devices ? { mediaDevices: { getUserMedia: async () => ({}), ...(display ? { getDisplayMedia: async () => ({}) } : {}) } } : {},
  } as unknown as typeof globalThis;
}

describe('media support', () => {
  it('should let an http:// page watch but not present, and say HTTPS rather than WebRTC', () => {
    const support = mediaSupport(page('http://podium.lan:3000/r/abc', { devices: false, secure: false }));
    expect(support).toMatchObject({ webrtc: true, secureOrigin: false, devices: false, origin: 'http://podium.lan:3000' });
    expect(watchProblem(support)).toBeNull();
    const problem = presentProblem(support)!;
    expect(problem.kind).toBe('insecure-origin');
    expect(problem.title).toBe('Open Podium over HTTPS to present');
    expect(problem.message).toContain('http://podium.lan:3000');
    expect(problem.message).toContain('TLS=local npm start');
    expect(problem.message).not.toMatch(/WebRTC/);
    expect(microphoneProblem(support)).toContain('needs a secure page (https://)');
  });

  it('should give each missing piece its own message on a secure page', () => {
    const noWebrtc = mediaSupport(page('https://podium.example.org/', { webrtc: false, secure: true }));
    expect(watchProblem(noWebrtc)?.message).toContain('WebRTC is not available');
    expect(presentProblem(noWebrtc)?.kind).toBe('no-webrtc');
    expect(microphoneProblem(noWebrtc)).toBeNull();

    const noDevices = mediaSupport(page('https://podium.example.org/', { devices: false, secure: true }));
    expect(watchProblem(noDevices)).toBeNull();
    expect(presentProblem(noDevices)?.kind).toBe('no-devices');
    expect(microphoneProblem(noDevices)).toContain('no microphone');

    const everything = mediaSupport(page('https://podium.example.org/', { secure: true }));
    expect([watchProblem(everything), presentProblem(everything), microphoneProblem(everything)]).toEqual([null, null, null]);
  });

  it('should count localhost as secure where the browser does not say', () => {
    expect(mediaSupport(page('http://localhost:3000/')).secureOrigin).toBe(true);
    expect(mediaSupport(page('http://127.0.0.1:3000/')).secureOrigin).toBe(true);
    expect(mediaSupport(page('http://192.168.1.20:3000/')).secureOrigin).toBe(false);
    expect(mediaSupport(page('https://192.168.1.20/')).secureOrigin).toBe(true);
  });
});

describe('honest modes', () => {
  it('should name join only, watch only and watch and speak', () => {
    expect(attendeeMode(mediaSupport(page('https://podium.example.org/', { webrtc: false, secure: true }))).mode).toBe('join-only');
    expect(attendeeMode(mediaSupport(page('https://podium.example.org/', { devices: false, secure: true }))).mode).toBe('watch-only');
    expect(attendeeMode(mediaSupport(page('http://podium.lan/', { secure: false }))).mode).toBe('watch-only');
    expect(attendeeMode(mediaSupport(page('https://podium.example.org/', { secure: true }))).mode).toBe('watch-and-speak');
  });

  it('should explain screen sharing on a browser without getDisplayMedia (phones) and not elsewhere', () => {
    const phone = mediaSupport(page('https://podium.example.org/', { secure: true, display: false }));
    expect(phone.screenShare).toBe(false);
    expect(screenShareProblem(phone)).toContain('cannot share a screen');
    expect(presentProblem(phone)).toBeNull();
    expect(screenShareProblem(mediaSupport(page('https://podium.example.org/', { secure: true })))).toBeNull();
  });

  it('should prefer VP9 and fall back to the next codec where there is none', () => {
    const vp8 = { mimeType: 'video/VP8' };
    const h264 = { mimeType: 'video/H264' };
    expect(preferredVideoCodec([h264, vp8, { mimeType: 'video/VP9' }])).toBe('VP9');
    expect(preferredVideoCodec([h264, vp8, { mimeType: 'video/rtx' }])).toBe('VP8');
    expect(preferredVideoCodec([h264])).toBe('H264');
    expect(preferredVideoCodec([])).toBeNull();
  });
});
