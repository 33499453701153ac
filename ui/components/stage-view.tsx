// What an attendee may do with the stage: show it full screen, hide the presenter's camera bubble or move it to another
// corner (remembered in this browser), and whether the stage's video is really playing, for the status badge.
import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import { Avatar } from './avatar.tsx';
import { fullscreenAvailable, fullscreenChangeEvents, fullscreenElement, toggleFullscreen } from '../lib/compat.ts';
import { Icon } from './icon.tsx';

export const bubbleCorners = ['bottom-right', 'bottom-left', 'top-left', 'top-right'] as const;
export type BubbleCorner = (typeof bubbleCorners)[number];
export interface BubblePlacement {
  hidden: boolean;
  corner: BubbleCorner;
}

const bubbleKey = 'podium:camera-bubble';

function loadBubble(): BubblePlacement {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(bubbleKey) ?? '{}') as Partial<BubblePlacement>;
    return { hidden: saved.hidden === true, corner: bubbleCorners.includes(saved.corner as BubbleCorner) ? saved.corner! : 'bottom-right' };
  } catch {
    return { hidden: false, corner: 'bottom-right' };
  }
}

/** Where the camera bubble sits over a shared screen, as this browser last left it. */
export function createBubblePlacement() {
  const [placement, setPlacement] = createSignal<BubblePlacement>(loadBubble());
  const update = (next: BubblePlacement) => {
    setPlacement(next);
    try {
      globalThis.localStorage?.setItem(bubbleKey, JSON.stringify(next));
    } catch {
      // Blocked storage: the choice lasts this page.
    }
  };
  return {
    placement,
    toggleHidden: () => update({ ...placement(), hidden: !placement().hidden }),
    move: () => update({ hidden: false, corner: bubbleCorners[(bubbleCorners.indexOf(placement().corner) + 1) % bubbleCorners.length]! }),
  };
}

const cornerNames: Record<BubbleCorner, string> = {
  'bottom-right': 'bottom right',
  'bottom-left': 'bottom left',
  'top-left': 'top left',
  'top-right': 'top right',
};

/** The stage's own buttons, in its top right corner: full screen, and the bubble's while a screen is shared. */
export function StageTools(props: { stage: () => HTMLElement | undefined; bubble?: ReturnType<typeof createBubblePlacement> }) {
  const [full, setFull] = createSignal(false);
  const onChange = () => setFull(fullscreenElement() !== null);
  onMount(() => {
    for (const name of fullscreenChangeEvents) document.addEventListener(name, onChange);
  });
  onCleanup(() => {
    for (const name of fullscreenChangeEvents) document.removeEventListener(name, onChange);
  });
  const next = () => props.bubble && bubbleCorners[(bubbleCorners.indexOf(props.bubble.placement().corner) + 1) % bubbleCorners.length]!;
  return (
    <div class="stage-tools">
      <Show when={props.bubble}>
        {(bubble) => (
          <>
            <button
              class="stage-tool"
              type="button"
              aria-pressed={bubble().placement().hidden}
              onClick={bubble().toggleHidden}
              data-testid="bubble-toggle"
              title={bubble().placement().hidden ? 'Show the presenter’s camera' : 'Hide the presenter’s camera'}
            >
              <Icon name={bubble().placement().hidden ? 'camera' : 'camera-off'} size={16} />
              <span class="stage-tool-label">{bubble().placement().hidden ? 'Show camera' : 'Hide camera'}</span>
            </button>
            <Show when={!bubble().placement().hidden}>
              <button
                class="stage-tool"
                type="button"
                onClick={bubble().move}
                data-testid="bubble-move"
                aria-label={`Move camera to the ${cornerNames[next()!]}`}
                title={`Move the presenter’s camera to the ${cornerNames[next()!]}`}
              >
                <Icon name="move" size={16} />
                <span class="stage-tool-label" aria-hidden="true">Move camera</span>
              </button>
            </Show>
          </>
        )}
      </Show>
      <Show when={fullscreenAvailable()}>
        <button
          class="stage-tool"
          type="button"
          aria-pressed={full()}
          onClick={() => {
            const stage = props.stage();
            if (stage) void toggleFullscreen(stage).catch(() => {});
          }}
          data-testid="fullscreen"
        >
          <Icon name={full() ? 'fullscreen-exit' : 'fullscreen'} size={16} />
          <span class="stage-tool-label">{full() ? 'Exit full screen' : 'Full screen'}</span>
        </button>
      </Show>
    </div>
  );
}

export type StageVideo = 'waiting' | 'playing' | 'stalled';

/**
 * Whether the stage's main video is showing moving pictures: decoded frames counted twice a second. Frames that
 * never came are `waiting`; frames that stopped coming for two seconds are `stalled` (the presenter is reloading
 * or their link dropped), whatever the peer connection still says.
 */
export function watchStageVideo(stage: () => HTMLElement | undefined, report: (state: StageVideo) => void): void {
  let last = -1;
  let still = 0;
  let played = false;
  let current: StageVideo | null = null;
  const set = (state: StageVideo) => {
    if (state !== current) report((current = state));
  };
  const timer = setInterval(() => {
    const video = stage()?.querySelector<HTMLVideoElement>('video[data-testid=screen-video], video[data-testid=camera-video]');
    const frames = video && video.srcObject ? (video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) : -1;
    if (frames > last && frames > 0 && last >= 0) {
      played = true;
      still = 0;
      set('playing');
    } else if (++still >= 4) set(played ? 'stalled' : 'waiting');
    else if (!played) set('waiting');
    last = frames;
  }, 500);
  onCleanup(() => clearInterval(timer));
}

/** The presenter's initials in place of a black box while their camera is off. */
export function CameraOff(props: { name: string | null }) {
  return (
    <div class="stage-empty camera-off" data-testid="camera-off">
      <span class="stage-avatar">
        <Avatar name={props.name} />
      </span>
      <h2>{props.name ?? 'The presenter'}</h2>
      <span class="stage-badge">
        <Icon name="camera-off" size={12} /> Camera off
      </span>
      <p>The presenter turned their camera off. You can still hear them.</p>
    </div>
  );
}
