import { describe, expect, it } from 'vitest';
import { AUDIO_CODEC_ORDER, orderCodecs, VIDEO_CODEC_ORDER } from './codecs.ts';

const chromeVideo = [
  { mimeType: 'video/VP8' },
  { mimeType: 'video/rtx' },
  { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42001f' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=2' },
  { mimeType: 'video/AV1' },
  { mimeType: 'video/red' },
  { mimeType: 'video/ulpfec' },
];

describe('orderCodecs', () => {
  it('should put VP9 first, then VP8, then H.264, keeping every other codec after them', () => {
    const ordered = orderCodecs(chromeVideo, VIDEO_CODEC_ORDER).map((c) => c.mimeType);
    expect(ordered).toEqual(['video/VP9', 'video/VP9', 'video/VP8', 'video/H264', 'video/rtx', 'video/AV1', 'video/red', 'video/ulpfec']);
  });

  it('should keep the browser order among codecs of the same rank', () => {
    const ordered = orderCodecs(chromeVideo, VIDEO_CODEC_ORDER).filter((c) => c.mimeType === 'video/VP9');
    expect(ordered.map((c) => c.sdpFmtpLine)).toEqual(['profile-id=0', 'profile-id=2']);
  });

  it('should fall back to VP8 first where the browser has no VP9', () => {
    const withoutVp9 = chromeVideo.filter((c) => c.mimeType !== 'video/VP9');
    expect(orderCodecs(withoutVp9, VIDEO_CODEC_ORDER)[0]!.mimeType).toBe('video/VP8');
  });

  it('should put Opus first for audio, ignoring the case of the MIME type', () => {
    const audio = [{ mimeType: 'audio/red' }, { mimeType: 'audio/G722' }, { mimeType: 'audio/OPUS' }, { mimeType: 'audio/PCMU' }];
    expect(orderCodecs(audio, AUDIO_CODEC_ORDER).map((c) => c.mimeType)).toEqual(['audio/OPUS', 'audio/red', 'audio/G722', 'audio/PCMU']);
  });

  it('should not change the list it was given', () => {
    const copy = [...chromeVideo];
    orderCodecs(chromeVideo, VIDEO_CODEC_ORDER);
    expect(chromeVideo).toEqual(copy);
  });
});
