// The presenter's seats: how many the room holds (the presenter included), changed live, and how many people a full
// room has turned away, so the limit can be raised while they may still come back.
import { createSignal, Show } from 'solid-js';
import { MAX_ROOM_SIZE, MIN_ROOM_SIZE } from '../../core/limits.ts';
import { useRoom } from '../room/room-context.tsx';
import { createPanelAction, PanelAlert } from './panel-alert.tsx';

export function CapacityControl() {
  const room = useRoom();
  const [draft, setDraft] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const { error, act } = createPanelAction();
  const max = () => room.state.room?.maxParticipants ?? 0;
  const present = () => room.state.participants.length;
  const refused = () => room.state.room?.refusedJoins ?? 0;
  const value = () => draft() ?? String(max());
  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const n = Number(value());
    await act(async () => {
      if (!Number.isInteger(n) || n < MIN_ROOM_SIZE || n > MAX_ROOM_SIZE) throw new Error(`Seats must be a whole number from ${MIN_ROOM_SIZE} to ${MAX_ROOM_SIZE}.`);
      if (n < present()) throw new Error(`${present()} people are here now, you included: the room needs at least ${present()} seats.`);
      await room.actions.setCapacity(n);
      setDraft(null);
      setSaved(true);
    });
  };
  return (
    <form class="capacity card" onSubmit={(e) => void save(e)} aria-label="Seats" data-testid="capacity">
      <div class="capacity-row">
        <label for="capacity-input">Max participants, including you</label>
        <input
          id="capacity-input"
          class="input"
          type="number"
          inputMode="numeric"
          min={Math.max(MIN_ROOM_SIZE, present())}
          max={MAX_ROOM_SIZE}
          required
          value={value()}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
            setSaved(false);
          }}
        />
        <button class="button small" type="submit" disabled={draft() === null || draft() === String(max())}>
          Change limit
        </button>
      </div>
      <p class="capacity-note" role="status" data-testid="capacity-status">
        {present()} of {max()} seats taken.
        <Show when={saved()}> Limit changed.</Show>
      </p>
      <Show when={refused() > 0}>
        <p class="alert info" role="status" data-testid="refused-joins">
          {refused() === 1 ? '1 person was' : `${refused()} people were`} turned away because the room was full. Raise the limit to let them in.
        </p>
      </Show>
      <PanelAlert message={error()} />
    </form>
  );
}
