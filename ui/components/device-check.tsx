// Device checks: a microphone's level through WebAudio (an AnalyserNode over the stream) and the meter that shows it.
// The waiting page's optional check and the stage's device check both use these.
import { createEffect, createSignal, onCleanup } from 'solid-js';

/** The stream's microphone level (0…1), sampled every animation frame while the stream has audio. */
export function createMicLevel(stream: () => MediaStream | null): () => number {
  const [level, setLevel] = createSignal(0);
  createEffect(() => {
    const media = stream();
    if (!media || media.getAudioTracks().length === 0) return setLevel(0);
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(media).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    let frame = 0;
    const tick = () => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
      setLevel(Math.min(1, peak / 64));
      frame = requestAnimationFrame(tick);
    };
    tick();
    onCleanup(() => {
      cancelAnimationFrame(frame);
      void context.close().catch(() => {});
      setLevel(0);
    });
  });
  return level;
}

export function MicMeter(props: { level: number; testId?: string }) {
  const percent = () => Math.round(props.level * 100);
  return (
    <div class="mic-meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent()} data-testid={props.testId ?? 'mic-level'}>
      <span style={{ width: `${percent()}%` }} />
    </div>
  );
}
