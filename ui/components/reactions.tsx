// Reactions: a row of emoji buttons, and the emojis others send floating up over the stage.
import { For } from 'solid-js';
import type { ReactionEmoji } from '../../signaling/protocol.ts';
import { useRoom } from '../room/room-context.tsx';

/** Typed against the contract, so a change to the server's emoji set fails the type check here. */
const names: Record<ReactionEmoji, string> = {
  '👍': 'Thumbs up',
  '👏': 'Applause',
  '❤️': 'Love',
  '😂': 'Laughing',
  '😮': 'Surprised',
  '🎉': 'Celebrate',
};

const emojis = Object.keys(names) as ReactionEmoji[];

export function ReactionBar() {
  const room = useRoom();
  return (
    <div class="reactions-bar" role="group" aria-label="Send a reaction">
      <For each={emojis}>
        {(emoji) => (
          <button
            class="reaction-button"
            type="button"
            aria-label={`React: ${names[emoji]}`}
            onClick={() => room.actions.react(emoji).catch(() => {})}
            disabled={room.state.connection !== 'live'}
          >
            {emoji}
          </button>
        )}
      </For>
    </div>
  );
}

export function ReactionOverlay() {
  const room = useRoom();
  return (
    <For each={room.state.reactions}>
      {(reaction) => (
        <span
          class="reaction-float"
          aria-hidden="true"
          style={{ right: `${16 + ((reaction.key * 37) % 120)}px` }}
          onAnimationEnd={() => room.events.reactionDone(reaction.key)}
        >
          {reaction.emoji}
        </span>
      )}
    </For>
  );
}
