import { describe, expect, it } from 'vitest';
import { mediaSupport, microphoneProblem, presentProblem, watchProblem } from './support.ts';

/** A window as a browser builds it on `url`: secure context as browsers decide it, WebRTC and devices optional. */
function page(url: string, { webrtc = true, devices = true, secure }: { webrtc?: boolean; devices?: boolean; secure?: boolean } = {}) {
  const location = new URL(url);
  return {
    location,
    ...(secure === undefined ? {} : { isSecureContext: secure }),
    ...(webrtc ? { RTCPeerConnection: function RTCPeerConnection() {} } : {}),
    navigator: devices ? { mediaDevices: { getUserMedia: async () => ({}) } } : {},
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
