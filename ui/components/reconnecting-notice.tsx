// "Reconnecting…" while requests wait to be sent again, instead of an error the retry may yet make untrue.
import { createSignal, onCleanup, Show } from 'solid-js';
import { requestsRetrying } from '../api.ts';

export function ReconnectingNotice(props: { subscribe?: typeof requestsRetrying }) {
  const [count, setCount] = createSignal(0);
  onCleanup((props.subscribe ?? requestsRetrying)(setCount));
  return (
    <Show when={count() > 0}>
      <p class="reconnecting-notice" role="status" data-testid="reconnecting">
        Reconnecting…
      </p>
    </Show>
  );
}
