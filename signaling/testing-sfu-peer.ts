// A light WebRTC participant in its own Node process (@roamhq/wrtc) for tests and benchmarks: as the presenter
// it publishes a synthetic camera and microphone through Podium's sfu-* events (`speak`: the same as a speaker on
// stage); as an attendee it subscribes to the presenter and to every speaker and decodes (`stage`: the speakers
// only, as the presenter's page does). Writes one JSON line per fact on stdout.
// Run: tsx signaling/testing-sfu-peer.ts <url> <token> publish|speak|subscribe|stage [measure]
// `measure` (a subscriber): reads the clock code the benchmark's presenter paints into each frame (glass-to-glass,
// bench/pages/clock-code.js) and reports its stats every 2 s as a browser does (`sfu-stats`), so Podium picks its layer.
import { createRequire } from 'node:module';
import { io } from 'socket.io-client';
import type { ClientToServerEvents, MediaModeBody, ServerToClientEvents } from './protocol.ts';
import { subscriberReport, type SubscriberCounters } from '../ui/rtc/sfu-stats.ts';

// @roamhq/wrtc ships no types; these are the parts used here (node-webrtc's nonstandard media sources and sinks).
interface Wrtc {
  RTCPeerConnection: typeof RTCPeerConnection;
  nonstandard: {
    RTCVideoSource: new () => { createTrack(): MediaStreamTrack; onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void };
    RTCAudioSource: new () => {
      createTrack(): MediaStreamTrack;
      onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void;
    };
    RTCVideoSink: new (track: MediaStreamTrack) => {
      onframe: ((e: { frame: { width: number; height: number; data: Uint8Array } }) => void) | null;
      stop(): void;
    };
  };
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;

const [url, token, role, mode] = process.argv.slice(2);
const measuring = mode === 'measure';
const roles = ['publish', 'speak', 'subscribe', 'stage'];
if (!url || !token || !roles.includes(role ?? '')) {
  console.error('usage: testing-sfu-peer.ts <url> <token> publish|speak|subscribe|stage');
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
    const to = role === 'speak' ? { to: 'speaker' as const } : {};
    void socket.emitWithAck('sfu-ice', { candidate: init?.candidate ? { ...init, candidate: init.candidate } : null, ...to });
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

/** Set as the first publication starts: the media-mode events that follow do not start another. */
let published = false;

async function publish(): Promise<void> {
  published = true;
  // A speaker says their microphone and camera are on, as the page does on stage: Janus forwards only what is.
  if (role === 'speak') await socket.emitWithAck('media-state', { audio: true, video: true });
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
  counters = null;
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
      if (measuring) {
        size = `${frame.width}x${frame.height}`;
        const latency = frameLatency(frame);
        if (latency === null) unreadable += 1;
        else glass.push(latency);
      }
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

/** Per speaker: the feed subscribed to, its connection, and the frames decoded from it. */
const speakers = new Map<string, { feed: number; pc: RTCPeerConnection; frames: number }>();

async function subscribeToSpeaker(participantId: string, feed: number): Promise<void> {
  const pcOf = new wrtc.RTCPeerConnection({ iceServers: [] });
  speakers.get(participantId)?.pc.close();
  const entry = { feed, pc: pcOf, frames: 0 };
  speakers.set(participantId, entry);
  const result = await socket.emitWithAck('sfu-subscribe', { feed, speaker: participantId });
  if (!result.ok) {
    if (speakers.get(participantId) === entry) speakers.delete(participantId);
    pcOf.close();
    say({ event: 'error', step: 'speaker-subscribe', participantId, error: result.error });
    return;
  }
  pcOf.onicecandidate = ({ candidate }) => {
    const init = candidate?.toJSON();
    void socket.emitWithAck('sfu-ice', { candidate: init?.candidate ? { ...init, candidate: init.candidate } : null, speaker: participantId });
  };
  pcOf.ontrack = ({ track }) => {
    if (track.kind !== 'video') return;
    const sink = new wrtc.nonstandard.RTCVideoSink(track);
    sink.onframe = () => {
      entry.frames += 1;
      if (entry.frames === 1) say({ event: 'speaker-first-frame', participantId, feed });
    };
  };
  await pcOf.setRemoteDescription({ type: 'offer', sdp: result.sdp });
  const answer = await pcOf.createAnswer();
  await pcOf.setLocalDescription(answer);
  const answered = await socket.emitWithAck('sfu-answer', { sdp: answer.sdp!, speaker: participantId });
  if (!answered.ok) {
    say({ event: 'error', step: 'speaker-answer', participantId, error: answered.error });
    return;
  }
  say({ event: 'speaker-subscribed', participantId, feed });
}

/** Subscribes to each listed speaker's feed (again when it changed), and closes the subscriptions to the others. */
function followSpeakers(listed: MediaModeBody['speakers']): void {
  for (const [participantId, entry] of speakers) {
    if (listed.some((s) => s.participantId === participantId && s.feed === entry.feed)) continue;
    entry.pc.close();
    speakers.delete(participantId);
    say({ event: 'speaker-closed', participantId, feed: entry.feed });
  }
  for (const { participantId, feed } of listed) {
    if (speakers.get(participantId)?.feed === feed) continue;
    void subscribeToSpeaker(participantId, feed).catch((err: unknown) => say({ event: 'error', step: 'speaker-subscribe', message: String(err) }));
  }
}

function onMode(mode: MediaModeBody): void {
  say({ event: 'media-mode', ...mode });
  if (mode.mode !== 'sfu') return;
  if ((role === 'publish' || role === 'speak') && !published) void publish().catch((err: unknown) => say({ event: 'error', step: 'publish', message: String(err) }));
  if (role === 'subscribe' || role === 'stage') followSpeakers(mode.speakers);
  if (role === 'subscribe' && mode.feed !== null && mode.feed !== subscribedFeed) {
    void subscribe(mode.feed).catch((err: unknown) => say({ event: 'error', step: 'subscribe', message: String(err) }));
  }
}

socket.on('media-mode', onMode);
socket.on('sfu-renegotiate', () => {
  say({ event: 'renegotiate' });
  subscribedFeed = null;
  if (role === 'publish' || role === 'speak') void publish().catch((err: unknown) => say({ event: 'error', step: 'publish', message: String(err) }));
});
socket.on('connect', () => say({ event: 'connected' }));
socket.on('connect_error', (err) => say({ event: 'error', step: 'connect', message: err.message }));

/** Audio bytes received so far from each speaker: what a host's mute (Janus `moderate`) must stop. */
async function speakerAudioBytes(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [id, s] of speakers) {
    const stats = await s.pc.getStats().catch(() => null);
    let bytes = 0;
    stats?.forEach((r: { type: string; kind?: string; bytesReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') bytes += r.bytesReceived ?? 0;
    });
    out[id] = bytes;
  }
  return out;
}

/** What `measure` collects between two `frames` facts: glass-to-glass samples (ms), unreadable frames, frame size. */
let glass: number[] = [];
let unreadable = 0;
let size = '';

/** The clock code's layout, as bench/pages/clock-code.js paints it on a 640x360 picture (any scale of it). */
const CODE = { width: 640, bits: 32, columns: 16, block: 40 };

/** ms from the presenter's paint to now, read from the frame's luma (I420: the Y plane comes first); null if smeared. */
function frameLatency(frame: { width: number; height: number; data: Uint8Array }): number | null {
  const scale = frame.width / CODE.width;
  let value = 0;
  for (let bit = 0; bit < CODE.bits; bit++) {
    const x = Math.floor(((bit % CODE.columns) * CODE.block + CODE.block / 2) * scale);
    const y = Math.floor((Math.floor(bit / CODE.columns) * CODE.block + CODE.block / 2) * scale);
    const luma = frame.data[y * frame.width + x]!;
    if (luma > 80 && luma < 175) return null;
    value = ((value << 1) | (luma < 128 ? 1 : 0)) >>> 0;
  }
  const latency = ((Date.now() >>> 0) - value) >>> 0;
  return latency > 10_000 ? null : latency;
}

/** The page's own report (ui/rtc/sfu-stats.ts), read from this connection's stats the same way, every 2 s. */
let counters: SubscriberCounters | null = null;
async function reportStats(): Promise<void> {
  if (!pc || pc.connectionState !== 'connected') return;
  const stats = await pc.getStats().catch(() => null);
  if (!stats) return;
  const result = subscriberReport(stats.values() as Iterable<{ type: string }>, counters);
  counters = result.counters;
  const ack = await socket.emitWithAck('sfu-stats', result.report);
  if (ack.ok) layer = ack.layer;
}
let layer = '';

setInterval(async () => {
  const speakerAudio = await speakerAudioBytes();
  const cpu = process.cpuUsage();
  // The process's CPU so far (every thread: the decoder's included), ms.
  const measured = measuring ? { glass: glass.splice(0), unreadable, size, layer, cpuMs: (cpu.user + cpu.system) / 1000 } : {};
  unreadable = 0;
  say({ event: 'frames', frames, speakers: Object.fromEntries([...speakers].map(([id, s]) => [id, s.frames])), speakerAudio, ...measured });
}, 1000).unref();

if (measuring) {
  setInterval(() => void reportStats().catch((err: unknown) => say({ event: 'error', step: 'stats', message: String(err) })), 2000).unref();
}

// The native stack crashes in its own teardown on exit; the parent ends this process with SIGKILL instead.
process.on('SIGTERM', () => process.kill(process.pid, 'SIGKILL'));
