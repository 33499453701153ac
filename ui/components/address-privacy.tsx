// The room's address privacy as the presenter sees it: a label, and a warning when hiding has no relay to use.
import { Show } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';

const hidesAddresses = (room: ReturnType<typeof useRoom>) => room.state.network?.hideAddresses ?? room.state.room?.hideAddresses ?? false;

export function AddressPrivacy() {
  const room = useRoom();
  return (
    <span
      data-testid="address-privacy"
      data-hidden={String(hidesAddresses(room))}
      title={
        hidesAddresses(room)
          ? 'Video goes through the relay: no one learns anyone’s IP address'
          : 'Browsers connect directly where they can, and learn each other’s IP addresses'
      }
    >
      {hidesAddresses(room) ? 'Addresses hidden' : 'Addresses visible to peers'}
    </span>
  );
}

export function NoRelayWarning() {
  const room = useRoom();
  return (
    <Show when={hidesAddresses(room) && room.state.network && !room.state.network.relay}>
      <p class="alert" role="alert" data-testid="no-relay">
        This room hides addresses, so video can only go through a relay (TURN) server, and this server has none. Attendees will
        not get video until one is set up: install coturn on the server, or set TURN_URLS and TURN_SECRET.
      </p>
    </Show>
  );
}
