// What the presenter's and the attendees' stages share: a screen with the camera beside it, the badges, a message in place of video.
import { Show, type JSX } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { Icon, type IconName } from './icon.tsx';
import { VideoView } from './video-view.tsx';

type Video = { stream: MediaStream | null; label: string; testId: string; mirror?: boolean };

/**
 * The shared screen fills the stage; the camera, while on, sits in a corner (bottom right unless `bubble` says
 * another, or hidden: an attendee's choice, see stage-view.tsx).
 */
export function ScreenWithCamera(props: { screen: Video; camera: Video; cameraOn: boolean; bubble?: { hidden: boolean; corner: string } }) {
  return (
    <>
      <VideoView stream={props.screen.stream} label={props.screen.label} testId={props.screen.testId} />
      <Show when={props.cameraOn}>
        <div class={`pip at-${props.bubble?.corner ?? 'bottom-right'}`} classList={{ 'pip-hidden': props.bubble?.hidden === true }} data-testid="camera-bubble">
          <VideoView stream={props.camera.stream} label={props.camera.label} mirror={props.camera.mirror} testId={props.camera.testId} />
        </div>
      </Show>
    </>
  );
}

/** LIVE while the room is, then the stage's own badges. */
export function StageBadges(props: { children: JSX.Element }) {
  const room = useRoom();
  return (
    <div class="stage-badges">
      {/* A scheduled room before "Go live" is the green room: hosts only. */}
      <Show when={room.state.connection === 'live' && room.state.room?.liveAt !== null}>
        <span class="stage-badge live">LIVE</span>
      </Show>
      <Show when={room.state.room?.liveAt === null}>
        <span class="stage-badge" data-testid="green-room-badge">
          GREEN ROOM
        </span>
      </Show>
      {props.children}
    </div>
  );
}

/** In place of video: why there is none and what still works. */
export function StageMessage(props: { icon: IconName; title: string; children: JSX.Element; testId?: string; problem?: string }) {
  return (
    <div class="stage-empty" data-testid={props.testId} data-problem={props.problem}>
      <Icon name={props.icon} size={32} />
      <h2>{props.title}</h2>
      <p>{props.children}</p>
    </div>
  );
}
