// A <video> bound to a MediaStream accessor; the stream itself stays outside any store.
import { createEffect, onCleanup, type JSX } from 'solid-js';

export function VideoView(props: { stream: MediaStream | null; muted?: boolean; label: string; mirror?: boolean; testId?: string }) {
  let video!: HTMLVideoElement;
  createEffect(() => {
    const stream = props.stream;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) video.play().catch(() => {});
  });
  onCleanup(() => {
    video.srcObject = null;
  });
  const style: JSX.CSSProperties = props.mirror ? { transform: 'scaleX(-1)' } : {};
  return (
    <video
      ref={video}
      autoplay
      playsinline
      muted={props.muted ?? true}
      aria-label={props.label}
      data-testid={props.testId}
      style={style}
    />
  );
}

/**
 * Plays a remote audio stream; reports when the browser blocks autoplay so the page can offer a button,
 * whose press changes `attempt` and plays again.
 */
export function AudioSink(props: { stream: MediaStream | null; attempt?: number; onBlocked?: (blocked: boolean) => void }) {
  let audio!: HTMLAudioElement;
  createEffect(() => {
    const stream = props.stream;
    void props.attempt;
    if (audio.srcObject !== stream) audio.srcObject = stream;
    if (!stream) return;
    audio.play().then(
      () => props.onBlocked?.(false),
      () => props.onBlocked?.(true),
    );
  });
  onCleanup(() => {
    audio.srcObject = null;
  });
  return <audio ref={audio} autoplay />;
}
