// Codec preferences: VP9 first where supported, then VP8 and H.264 for video; Opus first for audio.
export interface CodecLike {
  mimeType: string;
  sdpFmtpLine?: string;
}

export const VIDEO_CODEC_ORDER = ['video/VP9', 'video/VP8', 'video/H264'];
export const AUDIO_CODEC_ORDER = ['audio/opus'];

/**
 * Puts the preferred codecs first, in the given order, and keeps every other codec after them: the
 * retransmission and redundancy entries (rtx, red, ulpfec) must stay or the browser rejects the list.
 */
export function orderCodecs<C extends CodecLike>(codecs: readonly C[], preferred: readonly string[]): C[] {
  const rank = (codec: C) => {
    const i = preferred.findIndex((mime) => mime.toLowerCase() === codec.mimeType.toLowerCase());
    return i === -1 ? preferred.length : i;
  };
  return codecs
    .map((codec, index) => ({ codec, index }))
    .sort((a, b) => rank(a.codec) - rank(b.codec) || a.index - b.index)
    .map(({ codec }) => codec);
}

/** Applies the order to one transceiver; browsers without setCodecPreferences keep their default. */
export function preferCodecs(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video'): void {
  if (typeof transceiver.setCodecPreferences !== 'function' || typeof RTCRtpReceiver.getCapabilities !== 'function') return;
  const capabilities = RTCRtpReceiver.getCapabilities(kind);
  if (!capabilities) return;
  try {
    transceiver.setCodecPreferences(orderCodecs(capabilities.codecs, kind === 'video' ? VIDEO_CODEC_ORDER : AUDIO_CODEC_ORDER));
  } catch {
    // A browser that refuses the list still negotiates its own defaults, which is better than no call.
  }
}

/** The video codec this browser will use first: VP9, or the next in the order where it has none (null if none). */
export function preferredVideoCodec(codecs: readonly CodecLike[] | undefined): string | null {
  if (!codecs) return null;
  const mime = VIDEO_CODEC_ORDER.find((m) => codecs.some((c) => c.mimeType.toLowerCase() === m.toLowerCase()));
  return mime ? mime.slice('video/'.length) : null;
}

/** The same for this page's browser, from RTCRtpReceiver.getCapabilities (null where it cannot say). */
export function browserVideoCodec(): string | null {
  if (typeof RTCRtpReceiver === 'undefined' || typeof RTCRtpReceiver.getCapabilities !== 'function') return null;
  return preferredVideoCodec(RTCRtpReceiver.getCapabilities('video')?.codecs);
}
