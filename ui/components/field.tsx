// A form's labelled input, and the submit that every page form runs the same way.
import { createSignal, splitProps, type JSX } from 'solid-js';
import { describeError } from '../api.ts';

type InputAttributes = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'class'>;

/** `children` come after the input (a button that fills it, for one). */
export function Field(props: InputAttributes & { id: string; label: JSX.Element; value: string; onValue: (value: string) => void; children?: JSX.Element }) {
  const [own, input] = splitProps(props, ['label', 'value', 'onValue', 'children']);
  return (
    <div class="field">
      <label for={input.id}>{own.label}</label>
      <input {...input} class="input" value={own.value} onInput={(e) => own.onValue(e.currentTarget.value)} />
      {own.children}
    </div>
  );
}

/**
 * A form's submit: `check` may refuse before anything is sent; while `work` runs the form is busy, and it stays
 * busy once `work` succeeded (the page moves on); a failure is shown and the form can be sent again. `onFailure`
 * hears the failure after its message is on the page (to move focus to the field to fix).
 */
export function createFormSubmit(work: () => Promise<void>, check: () => string | null = () => null, onFailure?: (err: unknown) => void) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const refusal = check();
    if (refusal) return setError(refusal);
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
      onFailure?.(err);
    }
  };
  return { error, busy, submit };
}
