// The lightest SFU attendee for benchmarks: in its own Node process, it subscribes to the presenter's feed through
// Podium's sfu-* events as a page does, and receives the video without decoding it (werift, WebRTC in TypeScript):
// it counts the complete frames that reach it (RTP marker bit), reads each keyframe's size from its VP8 header and
// reports its stats every 2 s as a page does, so Podium picks its layer. Writes one JSON line per fact on stdout, in
// the shape of testing-sfu-peer.ts.
// Run: tsx signaling/testing-sfu-receiver.ts <url> <token>
import { io, type Socket } from 'socket.io-client';
import { RTCPeerConnection, type MediaStreamTrack, type RtpPacket } from 'werift';
import type { ClientToServerEvents, MediaModeBody, ServerToClientEvents } from './protocol.ts';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: testing-sfu-receiver.ts <url> <token>');
  process.exit(2);
}

const say = (fact: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...fact })}\n`);

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token }, transports: ['websocket'] });
let pc: RTCPeerConnection | undefined;
let subscribedFeed: number | null = null;

/** Complete video frames received, and what the loss report needs: packets seen and the sequence span they cover. */
let frames = 0;
let size = '';
let layer = '';
const seq = { first: -1, last: -1, cycles: 0, received: 0 };

/** Packets the sender sent since the first one seen, from the sequence numbers (RFC 3550's extended highest). */
const expectedPackets = () => seq.cycles * 0x10000 + seq.last - seq.first + 1;

/** The frame size of a VP8 keyframe, from its RTP payload (RFC 7741 descriptor, then the VP8 frame header). */
function vp8KeyframeSize(payload: Buffer): string | null {
  let i = 0;
  const first = payload[i++]!;
  const extended = (first & 0x80) !== 0;
  const startOfPartition = (first & 0x10) !== 0 && (first & 0x07) === 0;
  if (extended) {
    const flags = payload[i++]!;
    if (flags & 0x80) i += payload[i]! & 0x80 ? 2 : 1;
    if (flags & 0x40) i += 1;
    if (flags & 0x30) i += 1;
  }
  if (!startOfPartition || payload.length < i + 10) return null;
  if ((payload[i]! & 0x01) !== 0) return null;
  if (payload[i + 3] !== 0x9d || payload[i + 4] !== 0x01 || payload[i + 5] !== 0x2a) return null;
  const width = payload.readUInt16LE(i + 6) & 0x3fff;
  const height = payload.readUInt16LE(i + 8) & 0x3fff;
  return `${width}x${height}`;
}

function onVideo(rtp: RtpPacket): void {
  const n = rtp.header.sequenceNumber;
  if (seq.first < 0) seq.first = n;
  else if (n < seq.last && seq.last - n > 0x8000) seq.cycles += 1;
  if (seq.first >= 0 && (n > seq.last || seq.last - n > 0x8000)) seq.last = n;
  seq.received += 1;
  const keyframe = vp8KeyframeSize(rtp.payload);
  if (keyframe) size = keyframe;
  if (!rtp.header.marker) return;
  frames += 1;
  if (frames === 1) {
    say({ event: 'first-frame', size });
    // The first report covers frames that flowed, as a page's decoded rate does, not the connection's setup.
    lastReport = { frames, expected: expectedPackets(), received: seq.received, at: Date.now() };
  }
}

async function subscribe(feed: number): Promise<void> {
  subscribedFeed = feed;
  const result = await socket.emitWithAck('sfu-subscribe', { feed });
  if (!result.ok) {
    if (subscribedFeed === feed) subscribedFeed = null;
    say({ event: 'error', step: 'subscribe', error: result.error });
    return;
  }
  void pc?.close();
  const peer = new RTCPeerConnection({ iceServers: [] });
  pc = peer;
  Object.assign(seq, { first: -1, last: -1, cycles: 0, received: 0 });
  frames = 0;
  peer.onIceCandidate.subscribe((candidate) => {
    const init = candidate?.toJSON();
    void socket.emitWithAck('sfu-ice', { candidate: init?.candidate ? { candidate: init.candidate, sdpMid: init.sdpMid ?? null, sdpMLineIndex: init.sdpMLineIndex ?? null } : null });
  });
  peer.connectionStateChange.subscribe((state) => say({ event: 'connection', state }));
  peer.onTrack.subscribe((track: MediaStreamTrack) => {
    if (track.kind === 'video') track.onReceiveRtp.subscribe(onVideo);
  });
  await peer.setRemoteDescription({ type: 'offer', sdp: result.sdp });
  const answer = await peer.createAnswer();
  await peer.setLocalDescription(answer);
  const answered = await socket.emitWithAck('sfu-answer', { sdp: peer.localDescription!.sdp });
  if (!answered.ok) {
    say({ event: 'error', step: 'answer', error: answered.error });
    return;
  }
  say({ event: 'subscribed', feed });
}

function onMode(mode: MediaModeBody): void {
  say({ event: 'media-mode', mode: mode.mode, feed: mode.feed });
  if (mode.mode === 'sfu' && mode.feed !== null && mode.feed !== subscribedFeed) {
    void subscribe(mode.feed).catch((err: unknown) => say({ event: 'error', step: 'subscribe', message: String(err) }));
  }
}

socket.on('media-mode', onMode);
socket.on('sfu-renegotiate', () => {
  say({ event: 'renegotiate' });
  subscribedFeed = null;
});
socket.on('connect', () => say({ event: 'connected' }));
socket.on('connect_error', (err) => say({ event: 'error', step: 'connect', message: err.message }));

/** A page's report (ui/rtc/sfu-stats.ts): loss over the interval, and the frame rate, here received rather than decoded. */
let lastReport = { frames: 0, expected: 0, received: 0, at: Date.now() };
async function reportStats(): Promise<void> {
  if (subscribedFeed === null || frames === 0) return;
  const expected = expectedPackets();
  const now = Date.now();
  const expectedNow = expected - lastReport.expected;
  const receivedNow = seq.received - lastReport.received;
  const lossPct = expectedNow > 0 ? Math.min(100, Math.max(0, ((expectedNow - receivedNow) / expectedNow) * 100)) : 0;
  const decodeFps = Math.min(240, Math.round(((frames - lastReport.frames) * 1000) / Math.max(1, now - lastReport.at)));
  lastReport = { frames, expected, received: seq.received, at: now };
  const ack = await socket.emitWithAck('sfu-stats', { lossPct: Math.round(lossPct * 10) / 10, rttMs: 0, availableKbps: null, decodeFps });
  if (ack.ok) layer = ack.layer;
}

setInterval(() => void reportStats().catch((err: unknown) => say({ event: 'error', step: 'stats', message: String(err) })), 2000).unref();
setInterval(() => {
  const cpu = process.cpuUsage();
  say({ event: 'frames', frames, size, layer, cpuMs: (cpu.user + cpu.system) / 1000 });
}, 1000).unref();

process.on('SIGTERM', () => process.exit(0));
