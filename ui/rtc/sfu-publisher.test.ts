import { describe, expect, it } from 'vitest';
import { publisherCodecs } from './sfu-publisher.ts';

const chromeVideo = [
  { mimeType: 'video/VP8' },
  { mimeType: 'video/rtx' },
  { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42001f' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=2' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
  { mimeType: 'video/AV1' },
  { mimeType: 'video/red' },
  { mimeType: 'video/ulpfec' },
];

const names = (codecs: typeof chromeVideo) => codecs.map((c) => `${c.mimeType}${c.sdpFmtpLine ? ` ${c.sdpFmtpLine}` : ''}`);

describe('publisherCodecs', () => {
  it('should offer VP9 alone for SVC, profile 0 first, with the retransmission and redundancy codecs', () => {
    expect(names(publisherCodecs(chromeVideo, 'svc'))).toEqual([
      'video/VP9 profile-id=0',
      'video/rtx',
      'video/red',
      'video/ulpfec',
      'video/VP9 profile-id=2',
    ]);
  });

  it('should offer VP8 then H.264 for simulcast, without VP9 or AV1 that Janus would pick without simulcast', () => {
    expect(names(publisherCodecs(chromeVideo, 'simulcast'))).toEqual([
      'video/VP8',
      'video/H264 profile-level-id=42001f',
      'video/rtx',
      'video/red',
      'video/ulpfec',
    ]);
  });
});
