// What a side panel (chat, questions, polls) says when its last action failed; the next one that succeeds clears it.
import { createSignal, Show } from 'solid-js';

export type PanelAct = (action: () => Promise<unknown>, fallback?: string) => Promise<void>;

/** Runs a panel's actions one way: never throws, keeps the last failure's message for `PanelAlert`. */
export function createPanelAction() {
  const [error, setError] = createSignal<string | null>(null);
  const act: PanelAct = async (action, fallback = 'That did not work. Try again.') => {
    try {
      await action();
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : fallback);
    }
  };
  return { error, act };
}

export function PanelAlert(props: { message: string | null }) {
  return (
    <Show when={props.message}>
      <p class="alert panel-alert" role="alert">
        {props.message}
      </p>
    </Show>
  );
}
