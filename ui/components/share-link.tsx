// The join link with a copy button; copying falls back to selecting the text where the clipboard is unavailable.
import { createSignal, Show } from 'solid-js';
import { Icon } from './icon.tsx';

export function ShareLink(props: { url: string }) {
  const [copied, setCopied] = createSignal(false);
  let input!: HTMLInputElement;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.url);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <div class="share-link">
      <label class="visually-hidden" for="join-link">
        Join link
      </label>
      <input id="join-link" ref={input} readOnly value={props.url} onFocus={(e) => e.currentTarget.select()} data-testid="join-link" />
      <button class="button small primary" type="button" onClick={copy} aria-label="Copy join link">
        <Icon name={copied() ? 'check' : 'copy'} size={14} />
        <span class="button-label">{copied() ? 'Copied' : 'Copy'}</span>
      </button>
      <Show when={copied()}>
        <span class="visually-hidden" role="status">
          Join link copied
        </span>
      </Show>
    </div>
  );
}
