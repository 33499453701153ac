// The lobby in the host's console: who waits outside the room, let in one by one or all at once, or turned away;
// and the green room's "Go live" for a scheduled room. Plain controls over the room store's actions.
import { createSignal, For, Show } from 'solid-js';
import { useRoom } from '../room-context.tsx';
import { createPanelAction, PanelAlert } from '../../components/panel-alert.tsx';

export function LobbyPanel() {
  const room = useRoom();
  const { error, act } = createPanelAction();
  const live = () => room.state.room?.liveAt !== null && room.state.room?.liveAt !== undefined;
  const presenter = () => room.state.self?.role === 'presenter';
  return (
    <section class="moderation card lobby-panel" aria-labelledby="lobby-title" data-testid="lobby-panel">
      <h2 id="lobby-title">
        Waiting to join{' '}
        <span class="badge" data-testid="lobby-count" aria-label={`${room.state.lobby.length} waiting`}>
          {room.state.lobby.length}
        </span>
      </h2>
      <PanelAlert message={error()} />
      <Show when={!live() && room.state.lobby.length > 0}>
        <p class="muted">Everyone waiting comes in when you go live{room.state.room?.lobby ? ', then waits for you to let them in' : ''}.</p>
      </Show>
      <ul class="moderation-list" data-testid="lobby-list">
        <For each={room.state.lobby} fallback={<li class="muted">Nobody is waiting.</li>}>
          {(w) => (
            <li data-testid="lobby-entry">
              <span>{w.name ?? 'Someone'}</span>
              <Show when={live()}>
                <button class="button small primary" type="button" onClick={() => act(() => room.actions.admit(w.participantId))} aria-label={`Let in: ${w.name ?? 'this attendee'}`}>
                  Let in
                </button>
              </Show>
              <Show when={!live() && presenter()}>
                <button class="button small ghost" type="button" onClick={() => act(() => room.actions.admit(w.participantId, true))} aria-label={`Co-host: let in ${w.name ?? 'this attendee'} as a co-host`}>
                  Co-host
                </button>
              </Show>
              <button class="button small ghost" type="button" onClick={() => act(() => room.actions.deny(w.participantId))} aria-label={`Deny: turn ${w.name ?? 'this attendee'} away`}>
                Deny
              </button>
            </li>
          )}
        </For>
      </ul>
      <Show when={live() && room.state.lobby.length > 1}>
        <button class="button block" type="button" onClick={() => act(() => room.actions.admitAll())} data-testid="admit-all">
          Let everyone in
        </button>
      </Show>
    </section>
  );
}

/** Before a scheduled room goes live: the presenter checks camera, screen and sound, and talks with co-hosts. */
export function GreenRoom() {
  const room = useRoom();
  const { error, act } = createPanelAction();
  const [busy, setBusy] = createSignal(false);
  const goLive = () => {
    setBusy(true);
    act(() => room.actions.goLive().finally(() => setBusy(false)));
  };
  return (
    <section class="alert info green-room" role="region" aria-label="Green room" data-testid="green-room">
      <div>
        <strong>Green room.</strong> Attendees cannot see or hear you yet: check your camera, screen and sound, and talk with
        your co-hosts in the chat. {room.state.lobby.length} {room.state.lobby.length === 1 ? 'person is' : 'people are'} waiting.
      </div>
      <button class="button primary" type="button" onClick={goLive} disabled={busy()} data-testid="go-live">
        {busy() ? 'Going live…' : 'Go live'}
      </button>
      <PanelAlert message={error()} />
    </section>
  );
}
