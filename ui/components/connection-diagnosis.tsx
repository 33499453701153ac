// What an attendee sees when no network path to the presenter was found, with what to try.
import { Show } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { Icon } from './icon.tsx';

/** What to try when no candidate pair reached the presenter: worded for people, not for network engineers. */
export function ConnectionDiagnosis() {
  const room = useRoom();
  const relay = () => room.state.network?.relay ?? false;
  return (
    <div class="stage-empty" role="alert" data-testid="connection-diagnosis">
      <Icon name="signal" size={32} />
      <h2>The video cannot reach you</h2>
      <Show
        when={relay()}
        fallback={
          <p>
            Your network and the presenter’s found no way to each other. Try another network, such as your phone’s hotspot. If
            that is not possible, tell the presenter: this room has no relay server, which gets video through networks like yours.
          </p>
        }
      >
        <p>
          Your network and the presenter’s found no way to each other, not even through the room’s relay. Try another network,
          such as your phone’s hotspot, or ask whoever runs your network to allow video calls.
        </p>
      </Show>
      <p>Chat and questions still work.</p>
    </div>
  );
}
