// A light WebRTC participant in its own Node process (@roamhq/wrtc) for tests and benchmarks: as the presenter
// it publishes a synthetic camera and microphone through Podium's sfu-* events; as an attendee it subscribes
// and decodes. Writes one JSON line per fact on stdout. Run: tsx signaling/testing-sfu-peer.ts <url> <token> publish|subscribe
import { createRequire } from 'node:module';
import { io } from 'socket.io-client';
import type { ClientToServerEvents, MediaModeBody, ServerToClientEvents } from './protocol.ts';

// @roamhq/wrtc ships no types; these are the parts used here (node-webrtc's nonstandard media sources and sinks).
interface Wrtc {
  RTCPeerConnection: typeof RTCPeerConnection;
  nonstandard: {
    RTCVideoSource: new () => { createTrack(): MediaStreamTrack; onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void };
    RTCAudioSource: new () => {
      createTrack(): MediaStreamTrack;
      onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void;
    };
    RTCVideoSink: new (track: MediaStreamTrack) => { onframe: ((e: { frame: { width: number; height: number } }) => void) | null; stop(): void };
  };
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;

const [url, token, role] = process.argv.slice(2);
if (!url || !token || (role !== 'publish' && role !== 'subscribe')) {
  console.error('usage: testing-sfu-peer.ts <url> <token> publish|subscribe');
  process.exit(2);
}

const say = (fact: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...fact })}\n`);

const socket = io(url, { auth: { token }, transports: ['websocket'] }) as import('socket.io-client').Socket<ServerToClientEvents, ClientToServerEvents>;
let pc: RTCPeerConnection | undefined;
let frames = 0;
let subscribedFeed: number | null = null;

function newPeer(): RTCPeerConnection {
  pc?.close();
  const peer = new wrtc.RTCPeerConnection({ iceServers: [] });
  peer.onicecandidate = ({ candidate }) => {
    const init = candidate?.toJSON();
    void socket.emitWithAck('sfu-ice', { candidate: init?.candidate ? { ...init, candidate: init.candidate } : null });
  };
  peer.onconnectionstatechange = () => say({ event: 'connection', state: peer.connectionState });
  pc = peer;
  return peer;
}

const WIDTH = 320;
const HEIGHT = 240;
let sources: { stop(): void } | undefined;

function startSources(): MediaStreamTrack[] {
  const video = new wrtc.nonstandard.RTCVideoSource();
  const audio = new wrtc.nonstandard.RTCAudioSource();
  const frame = new Uint8ClampedArray(WIDTH * HEIGHT * 1.5);
  let n = 0;
  const videoTimer = setInterval(() => {
    // A moving luma ramp: the encoder has real work, and every frame differs.
    n += 1;
    for (let i = 0; i < WIDTH * HEIGHT; i += 1) frame[i] = (i + n * 4) & 0xff;
    video.onFrame({ width: WIDTH, height: HEIGHT, data: frame });
  }, 1000 / 15);
  const samples = new Int16Array(480);
  const audioTimer = setInterval(() => audio.onData({ samples, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 }), 10);
  sources = {
    stop() {
      clearInterval(videoTimer);
      clearInterval(audioTimer);
    },
  };
  return [audio.createTrack(), video.createTrack()];
}

async function publish(): Promise<void> {
  const peer = newPeer();
  sources?.stop();
  for (const track of startSources()) peer.addTransceiver(track, { direction: 'sendonly' });
  const offer = await peer.createOffer();
  await peer.setLocalDescription(offer);
  const result = await socket.emitWithAck('sfu-publish', { sdp: offer.sdp! });
  if (!result.ok) {
    say({ event: 'error', step: 'publish', error: result.error });
    return;
  }
  await peer.setRemoteDescription({ type: 'answer', sdp: result.sdp });
  say({ event: 'published' });
}

async function subscribe(feed: number): Promise<void> {
  subscribedFeed = feed;
  const result = await socket.emitWithAck('sfu-subscribe', { feed });
  if (!result.ok) {
    // Refused (a feed gone): the server sends the room's current feed next, which is subscribed to then.
    if (subscribedFeed === feed) subscribedFeed = null;
    say({ event: 'error', step: 'subscribe', error: result.error });
    return;
  }
  const peer = newPeer();
  peer.ontrack = ({ track }) => {
    if (track.kind !== 'video') return;
    const sink = new wrtc.nonstandard.RTCVideoSink(track);
    sink.onframe = ({ frame }) => {
      frames += 1;
      if (frames === 1) say({ event: 'first-frame', width: frame.width, height: frame.height });
    };
  };
  await peer.setRemoteDescription({ type: 'offer', sdp: result.sdp });
  const answer = await peer.createAnswer();
  await peer.setLocalDescription(answer);
  const answered = await socket.emitWithAck('sfu-answer', { sdp: answer.sdp! });
  if (!answered.ok) {
    say({ event: 'error', step: 'answer', error: answered.error });
    return;
  }
  say({ event: 'subscribed', feed });
}

function onMode(mode: MediaModeBody): void {
  say({ event: 'media-mode', ...mode });
  if (mode.mode !== 'sfu') return;
  if (role === 'publish' && !pc) void publish().catch((err: unknown) => say({ event: 'error', step: 'publish', message: String(err) }));
  if (role === 'subscribe' && mode.feed !== null && mode.feed !== subscribedFeed) {
    void subscribe(mode.feed).catch((err: unknown) => say({ event: 'error', step: 'subscribe', message: String(err) }));
  }
}

socket.on('media-mode', onMode);
socket.on('sfu-renegotiate', () => {
  say({ event: 'renegotiate' });
  subscribedFeed = null;
  if (role === 'publish') void publish().catch((err: unknown) => say({ event: 'error', step: 'publish', message: String(err) }));
});
socket.on('connect', () => say({ event: 'connected' }));
socket.on('connect_error', (err) => say({ event: 'error', step: 'connect', message: err.message }));

setInterval(() => say({ event: 'frames', frames }), 1000).unref();

// The native stack crashes in its own teardown on exit; the parent ends this process with SIGKILL instead.
process.on('SIGTERM', () => process.kill(process.pid, 'SIGKILL'));
