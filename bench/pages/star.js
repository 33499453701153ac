// The webrtc benchmark's page script: a presenter that paints its clock as a pixel code, or an attendee that reads it back.
// Plain browser JavaScript, loaded by bench/webrtc.ts through Playwright routes on Podium's own origin.
'use strict';

// WIDTH, HEIGHT, clock(), paintCode(), frameLatency() and codeStrip() come from /bench/clock-code.js.

const params = new URLSearchParams(location.search);
const bench = {
  role: params.get('role'),
  marks: {},
  errors: [],
  glass: [],
  decodeFailures: 0,
  frames: 0,
};
window.bench = bench;

function signalingSocket(token) {
  // `io` is the global that /bench/socket.io.js (socket.io-client's browser build) defines.
  return io(location.origin, { auth: { token }, transports: ['websocket'], reconnection: false });
}

function joinRoom(socket, slug) {
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => reject(new Error(`connect_error: ${err.message}`)));
    socket.once('connect', () => {
      socket.timeout(10000).emit('join-room', { slug }, (err, ack) => {
        if (err) return reject(new Error('join-room: no answer'));
        if (!ack.ok) return reject(new Error(`join-room: ${ack.error.code}`));
        resolve(ack);
      });
    });
  });
}

async function presenter() {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  document.getElementById('stage').append(canvas);
  const ctx = canvas.getContext('2d');
  let tick = 0;
  const paint = () => {
    // Moving content below the code keeps the encoder honest: a still picture would cost almost nothing.
    ctx.fillStyle = `hsl(${tick % 360} 60% 40%)`;
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    ctx.fillStyle = '#fff';
    ctx.fillRect((tick * 7) % WIDTH, 120 + ((tick * 3) % 200), 80, 40);
    paintCode(ctx, clock());
    tick++;
    requestAnimationFrame(paint);
  };
  paint();
  const stream = canvas.captureStream(30);
  const [track] = stream.getVideoTracks();
  const peers = new Map();
  bench.peers = peers;

  const socket = signalingSocket(params.get('token'));
  await joinRoom(socket, params.get('slug'));
  // Candidates can overtake the offer's handling: each peer applies them once its remote description is set.
  const remoteSet = new Map();
  const peerReady = (from) => {
    if (!remoteSet.has(from)) {
      let resolve;
      remoteSet.set(from, { promise: new Promise((r) => (resolve = r)), resolve });
    }
    return remoteSet.get(from);
  };
  socket.on('webrtc-offer', async ({ from, offer }) => {
    try {
      const pc = new RTCPeerConnection();
      peers.set(from, pc);
      pc.addTrack(track, stream);
      pc.onicecandidate = (e) => socket.emit('webrtc-ice-candidate', { target: from, candidate: e.candidate ? e.candidate.toJSON() : null }, () => {});
      await pc.setRemoteDescription(offer);
      peerReady(from).resolve(pc);
      await pc.setLocalDescription(await pc.createAnswer());
      socket.emit('webrtc-answer', { target: from, answer: { type: 'answer', sdp: pc.localDescription.sdp } }, () => {});
    } catch (err) {
      bench.errors.push(String(err));
    }
  });
  socket.on('webrtc-ice-candidate', ({ from, candidate }) => {
    if (!candidate) return;
    peerReady(from).promise.then((pc) => pc.addIceCandidate(candidate)).catch((err) => bench.errors.push(String(err)));
  });
  bench.ready = true;
}

/** Outbound video stats per attendee peer, for bench/webrtc.ts to difference over a window. */
bench.senderStats = async () => {
  const out = [];
  for (const [peerId, pc] of bench.peers ?? []) {
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        out.push({
          peerId,
          timestamp: s.timestamp,
          bytesSent: s.bytesSent,
          framesEncoded: s.framesEncoded,
          framesPerSecond: s.framesPerSecond ?? null,
          totalEncodeTime: s.totalEncodeTime ?? 0,
          qualityLimitationReason: s.qualityLimitationReason ?? null,
          frameWidth: s.frameWidth ?? null,
          encoderImplementation: s.encoderImplementation ?? null,
        });
      }
    });
  }
  return out;
};

async function attendee() {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  document.getElementById('stage').append(video);
  const strip = codeStrip();

  const onFrame = () => {
    bench.frames++;
    if (!bench.marks.frame) bench.marks.frame = performance.now();
    if (bench.measuring && video.videoWidth) {
      const latency = frameLatency(video, strip);
      if (latency === null) bench.decodeFailures++;
      else bench.glass.push(latency);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);

  document.getElementById('join').addEventListener('click', async () => {
    const marks = bench.marks;
    marks.click = performance.now();
    try {
      const res = await fetch(`/api/rooms/${params.get('slug')}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: params.get('name') }),
      });
      const joined = await res.json();
      if (!res.ok) throw new Error(`join: ${res.status} ${JSON.stringify(joined)}`);
      marks.rest = performance.now();
      const socket = signalingSocket(joined.token);
      const room = await joinRoom(socket, params.get('slug'));
      marks.socket = performance.now();
      const presenterId = room.presenterId;
      const pc = new RTCPeerConnection();
      bench.pc = pc;
      pc.addTransceiver('video', { direction: 'recvonly' });
      // The first RTP packet splits "waiting for the presenter to send" from "decoding": polled, as no event marks it.
      const firstPacket = setInterval(async () => {
        const report = await pc.getStats();
        report.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.packetsReceived > 0 && !marks.packet) {
            marks.packet = performance.now();
            clearInterval(firstPacket);
          }
        });
      }, 10);
      pc.ontrack = (e) => {
        video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      };
      // connectionState turns connected once DTLS is done too: the step between ICE and the first media.
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected' && !marks.dtls) marks.dtls = performance.now();
      };
      pc.oniceconnectionstatechange = () => {
        if ((pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') && !marks.ice) marks.ice = performance.now();
      };
      pc.onicecandidate = (e) => socket.emit('webrtc-ice-candidate', { target: presenterId, candidate: e.candidate ? e.candidate.toJSON() : null }, () => {});
      let answered;
      const remoteSet = new Promise((resolve) => (answered = resolve));
      socket.on('webrtc-answer', ({ answer }) => {
        marks.answer = performance.now();
        pc.setRemoteDescription(answer).then(answered, (err) => bench.errors.push(String(err)));
      });
      socket.on('webrtc-ice-candidate', ({ candidate }) => {
        // The presenter's candidates can arrive before its answer has been applied here.
        if (candidate) remoteSet.then(() => pc.addIceCandidate(candidate)).catch((err) => bench.errors.push(String(err)));
      });
      await pc.setLocalDescription(await pc.createOffer());
      marks.offer = performance.now();
      socket.emit('webrtc-offer', { target: presenterId, offer: { type: 'offer', sdp: pc.localDescription.sdp } }, (ack) => {
        if (!ack.ok) bench.errors.push(`webrtc-offer: ${ack.error.code}`);
      });
    } catch (err) {
      bench.errors.push(String(err));
    }
  });
  bench.ready = true;
}

(bench.role === 'presenter' ? presenter() : attendee()).catch((err) => bench.errors.push(String(err)));
