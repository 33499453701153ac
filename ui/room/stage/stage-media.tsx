// The stage's media in the room UI: the device check an invited attendee passes before joining the stage, and the
// speakers' tiles (camera, name, sound) on the attendees' and the presenter's pages.
import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import type { ParticipantBody } from '../../../core/schemas.ts';
import { bindModal } from '../../components/confirm-dialog.tsx';
import { createMicLevel, MicMeter } from '../../components/device-check.tsx';
import { AudioSink, VideoView } from '../../components/video-view.tsx';

export interface StageTracks {
  microphone: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
}

type Choice = { deviceId: string; label: string };

/**
 * Pick a microphone and a camera, see the preview and the microphone's level, then accept or decline. Escape
 * declines. On accept the tracks are handed over (the caller sends them); otherwise they stop here.
 */
export function StageDeviceCheck(props: {
  open: boolean;
  by: string | null;
  /** For a speaker already on stage whose devices are off (the page was reloaded): going live again, not joining. */
  resume?: boolean;
  onAccept: (tracks: StageTracks) => void;
  onDecline: () => void;
}) {
  let dialog!: HTMLDialogElement;
  const [stream, setStream] = createSignal<MediaStream | null>(null);
  const [microphones, setMicrophones] = createSignal<Choice[]>([]);
  const [cameras, setCameras] = createSignal<Choice[]>([]);
  const [microphoneId, setMicrophoneId] = createSignal('');
  const [cameraId, setCameraId] = createSignal('');
  const [problem, setProblem] = createSignal<string | null>(null);
  const level = createMicLevel(stream);
  let handedOver = false;

  const stop = () => {
    if (!handedOver) for (const track of stream()?.getTracks() ?? []) track.stop();
    setStream(null);
  };

  async function open(constraints: MediaStreamConstraints) {
    setProblem(null);
    stop();
    handedOver = false;
    try {
      const media = await navigator.mediaDevices.getUserMedia(constraints);
      if (!props.open) return media.getTracks().forEach((t) => t.stop());
      setStream(media);
      setMicrophoneId(media.getAudioTracks()[0]?.getSettings().deviceId ?? '');
      setCameraId(media.getVideoTracks()[0]?.getSettings().deviceId ?? '');
    } catch (err) {
      setProblem(
        err instanceof Error && err.name === 'NotAllowedError'
          ? 'The browser was not allowed to use your camera and microphone. You can still join the stage and be seen and heard once you allow them.'
          : 'The chosen camera or microphone could not be opened.',
      );
    }
    // Names of devices are there only once the browser has allowed one of them.
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const named = (kind: MediaDeviceKind, what: string) =>
      devices.filter((d) => d.kind === kind && d.deviceId).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${what} ${i + 1}` }));
    setMicrophones(named('audioinput', 'Microphone'));
    setCameras(named('videoinput', 'Camera'));
  }

  const reopen = () =>
    void open({
      audio: { echoCancellation: true, noiseSuppression: true, ...(microphoneId() ? { deviceId: { exact: microphoneId() } } : {}) },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, ...(cameraId() ? { deviceId: { exact: cameraId() } } : {}) },
    });

  createEffect(on(() => props.open, (isOpen) => (isOpen ? reopen() : stop())));
  onCleanup(stop);
  bindModal(() => dialog, () => props.open);

  const accept = () => {
    const media = stream();
    handedOver = true;
    props.onAccept({ microphone: media?.getAudioTracks()[0] ?? null, camera: media?.getVideoTracks()[0] ?? null });
  };

  return (
    <dialog
      ref={dialog}
      class="stage-check"
      role="dialog"
      aria-modal="true"
      aria-labelledby="stage-check-title"
      aria-describedby="stage-check-help"
      data-testid="stage-device-check"
      onCancel={(e) => {
        e.preventDefault();
        props.onDecline();
      }}
      onKeyDown={(e) => e.key === 'Escape' && typeof dialog.showModal !== 'function' && props.onDecline()}
    >
      <h2 id="stage-check-title">{props.resume ? 'Back on stage' : 'Join the stage?'}</h2>
      <p id="stage-check-help">
        {props.resume
          ? 'You are on stage: your microphone and camera will reach everyone again. Check them first.'
          : `${props.by ?? 'The host'} invites you on stage: your microphone and camera will reach everyone. Check them first.`}
      </p>
      <div class="device-preview">
        <VideoView stream={stream()} label="Your camera preview" mirror testId="stage-check-preview" />
      </div>
      <MicMeter level={level()} testId="stage-check-level" />
      <DeviceSelect label="Microphone" choices={microphones()} value={microphoneId()} onPick={(id) => (setMicrophoneId(id), reopen())} testId="stage-check-microphone" />
      <DeviceSelect label="Camera" choices={cameras()} value={cameraId()} onPick={(id) => (setCameraId(id), reopen())} testId="stage-check-camera" />
      <Show when={problem()}>
        <p class="alert" role="alert">
          {problem()}
        </p>
      </Show>
      <div class="dialog-actions">
        <button class="button" type="button" onClick={() => props.onDecline()}>
          {props.resume ? 'Not now' : 'Decline'}
        </button>
        <button class="button primary" type="button" onClick={accept} autofocus>
          {props.resume ? 'Turn on and go live' : 'Accept and join'}
        </button>
      </div>
    </dialog>
  );
}

function DeviceSelect(props: { label: string; choices: Choice[]; value: string; onPick: (deviceId: string) => void; testId: string }) {
  return (
    <label class="field">
      <span class="label">{props.label}</span>
      <select class="input" value={props.value} onChange={(e) => props.onPick(e.currentTarget.value)} data-testid={props.testId}>
        <For each={props.choices} fallback={<option value="">No {props.label.toLowerCase()} found</option>}>
          {(d) => <option value={d.deviceId}>{d.label}</option>}
        </For>
      </select>
    </label>
  );
}

/** One tile per speaker: their camera (or their initial when it is off), their name, and whether they are muted. */
export function SpeakerTiles(props: {
  speakers: ParticipantBody[];
  /** A speaker's camera and (when this page plays it) microphone. */
  media: (id: string) => { audio: MediaStream | null; video: MediaStream | null } | undefined;
  /** This page's own participant, shown with its local preview and never played back. */
  selfId?: string;
  ownCamera?: MediaStream | null;
  /** The path the speakers' media takes to this page: Janus, or the presenter's star. */
  via: 'sfu' | 'star';
  /** This page asked for audio only: no speaker's video comes, so each tile shows the speaker's initial. */
  audioOnly?: boolean;
}) {
  return (
    <Show when={props.speakers.length > 0}>
      <ul class="speaker-tiles" aria-label="On stage" data-testid="speaker-tiles">
        <For each={props.speakers}>
          {(speaker) => {
            const self = () => speaker.id === props.selfId;
            const media = () => props.media(speaker.id);
            const name = () => `${speaker.name ?? 'Speaker'}${self() ? ' (you)' : ''}`;
            const muted = () => speaker.muteLocked || speaker.isMuted;
            return (
              <li class="speaker-tile" data-testid="speaker-tile" data-participant={speaker.id} data-via={props.via}>
                <Show when={speaker.isVideoOn && (self() || !props.audioOnly)} fallback={<div class="speaker-tile-off" aria-hidden="true">{(speaker.name ?? '?').slice(0, 1)}</div>}>
                  <VideoView
                    stream={self() ? (props.ownCamera ?? null) : (media()?.video ?? null)}
                    label={`Camera of ${name()}`}
                    mirror={self()}
                    testId="speaker-video"
                  />
                </Show>
                <Show when={!self() && media()?.audio}>{(audio) => <AudioSink stream={audio()} />}</Show>
                <span class="speaker-tile-name">
                  {name()}
                  <Show when={muted()}>
                    <span class="speaker-tile-muted"> · {speaker.muteLocked ? 'muted by a host' : 'muted'}</span>
                  </Show>
                </span>
              </li>
            );
          }}
        </For>
      </ul>
    </Show>
  );
}
