// A look at one's own camera and microphone before anyone else does: preview and level meter, nothing sent.
import { createSignal, onCleanup, Show } from 'solid-js';
import { Icon } from './icon.tsx';
import { VideoView } from './video-view.tsx';

/**
 * Optional: a camera preview and microphone level from this browser only; nothing is sent. Attendees check on the
 * waiting page, presenters on the start form, before anyone sees them.
 */
export function DeviceCheck(props: { note?: string }) {
  const [stream, setStream] = createSignal<MediaStream | null>(null);
  const [level, setLevel] = createSignal(0);
  const [problem, setProblem] = createSignal<string | null>(null);
  let context: AudioContext | undefined;
  let frame = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    for (const track of stream()?.getTracks() ?? []) track.stop();
    void context?.close().catch(() => {});
    context = undefined;
    setStream(null);
    setLevel(0);
  };
  onCleanup(stop);
  const start = async () => {
    setProblem(null);
    try {
      const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      setStream(media);
      if (media.getAudioTracks().length) {
        context = new AudioContext();
        const analyser = context.createAnalyser();
        analyser.fftSize = 512;
        context.createMediaStreamSource(media).connect(analyser);
        const samples = new Uint8Array(analyser.fftSize);
        const tick = () => {
          analyser.getByteTimeDomainData(samples);
          let peak = 0;
          for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
          setLevel(Math.min(1, peak / 64));
          frame = requestAnimationFrame(tick);
        };
        tick();
      }
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
            <div class="mic-meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(level() * 100)} data-testid="mic-level">
              <span style={{ width: `${Math.round(level() * 100)}%` }} />
            </div>
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
