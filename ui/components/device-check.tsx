// Device checks: a microphone's level through WebAudio (an AnalyserNode over the stream) and the meter that shows it.
// The waiting page's optional check and the stage's device check both use these.
import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import { Icon } from './icon.tsx';
import { VideoView } from './video-view.tsx';

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

/**
 * Optional: a camera preview and microphone level from this browser only; nothing is sent. Attendees check on the
 * waiting page, presenters on the start form, before anyone sees them.
 */
export function DeviceCheck(props: { note?: string }) {
  const [stream, setStream] = createSignal<MediaStream | null>(null);
  const level = createMicLevel(stream);
  const [problem, setProblem] = createSignal<string | null>(null);
  const stop = () => {
    for (const track of stream()?.getTracks() ?? []) track.stop();
    setStream(null);
  };
  onCleanup(stop);
  const start = async () => {
    setProblem(null);
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: true, audio: true }));
    } catch (err) {
      setProblem(err instanceof Error && err.name === 'NotAllowedError' ? 'The browser was not allowed to use your camera and microphone.' : 'No camera or microphone could be opened.');
    }
  };
  return (
    <details class="device-check" data-testid="device-check">
      <summary>Check your camera and microphone (optional)</summary>
      <Show
        when={stream()}
        fallback={
          <button class="button" type="button" onClick={() => void start()} data-testid="device-check-start">
            <Icon name="camera" size={16} /> Start the check
          </button>
        }
      >
        {(media) => (
          <>
            <div class="device-preview">
              <VideoView stream={media()} label="Your camera preview" mirror testId="device-preview" />
            </div>
            <MicMeter level={level()} />
            <button class="button ghost small" type="button" onClick={stop}>
              Stop the check
            </button>
          </>
        )}
      </Show>
      <Show when={problem()}>
        <p class="alert" role="alert">
          {problem()}
        </p>
      </Show>
      <p class="fine-print">{props.note ?? 'Only you see this; nothing is sent until you are in the room.'}</p>
    </details>
  );
}
