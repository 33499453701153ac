// The wall clock as a pixel code, for glass-to-glass latency: a presenter paints it into each frame, an attendee
// reads it back from each decoded frame. Plain browser JavaScript shared by the star pages (bench/webrtc.ts) and
// the scripts the sfu benchmark adds to Podium's own pages (bench/sfu-ui.ts).
'use strict';

/** The painted frame: 32 bits as two rows of 16 blocks along the top. */
const WIDTH = 640;
const HEIGHT = 360;
const BITS = 32;
const COLUMNS = 16;
const BLOCK = WIDTH / COLUMNS;

/** Wall-clock ms shared by every page of the browser (same machine clock), low 32 bits. */
const clock = () => Math.round(performance.timeOrigin + performance.now()) >>> 0;

function paintCode(ctx, value) {
  for (let bit = 0; bit < BITS; bit++) {
    const on = (value >>> (BITS - 1 - bit)) & 1;
    ctx.fillStyle = on ? '#000' : '#fff';
    ctx.fillRect((bit % COLUMNS) * BLOCK, Math.floor(bit / COLUMNS) * BLOCK, BLOCK, BLOCK);
  }
}

function readCode(pixels, width) {
  let value = 0;
  for (let bit = 0; bit < BITS; bit++) {
    const x = Math.floor((bit % COLUMNS) * BLOCK + BLOCK / 2);
    const y = Math.floor(Math.floor(bit / COLUMNS) * BLOCK + BLOCK / 2);
    const i = (y * width + x) * 4;
    const luma = 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    // A block blurred to mid-grey means the encoder smeared it: the frame cannot be trusted.
    if (luma > 80 && luma < 175) return null;
    value = ((value << 1) | (luma < 128 ? 1 : 0)) >>> 0;
  }
  return value;
}

/**
 * Reads the code from `video`'s current frame (any size of the same 16:9 picture): the latency in ms from the
 * paint to now, or null when the frame is unreadable (or impossibly late).
 */
function frameLatency(video, strip) {
  const now = clock();
  const ctx = strip.getContext('2d', { willReadFrequently: true });
  // Scale the decoded frame to the painted size, so the blocks sit where the presenter drew them.
  ctx.drawImage(video, 0, 0, video.videoWidth, (video.videoHeight * strip.height) / HEIGHT, 0, 0, WIDTH, strip.height);
  const code = readCode(ctx.getImageData(0, 0, WIDTH, strip.height).data, WIDTH);
  const latency = code === null ? -1 : (now - code) >>> 0;
  return code === null || latency > 10000 ? null : latency;
}

/** The canvas frameLatency() reads into: the strip holding the code. */
function codeStrip() {
  const strip = document.createElement('canvas');
  strip.width = WIDTH;
  strip.height = BLOCK * 2;
  return strip;
}
