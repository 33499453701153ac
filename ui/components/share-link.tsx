// The join link, all of it readable (it wraps) and selectable, with a copy button that says when it copied; copying
// falls back to selecting the text where the clipboard is unavailable.
import { createSignal, onCleanup, Show } from 'solid-js';
import { Icon } from './icon.tsx';

export function ShareLink(props: { url: string; hint?: string }) {
  const [copied, setCopied] = createSignal<'copied' | 'selected' | null>(null);
  let text!: HTMLTextAreaElement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.url);
      setCopied('copied');
    } catch {
      text.select();
      setCopied(document.execCommand('copy') ? 'copied' : 'selected');
    }
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(null), 2500);
  };
  return (
    <div class="share-link" data-testid="share-link">
      <label class="share-link-label" for="join-link">
        {props.hint ?? 'Invite people with this link'}
      </label>
      <div class="share-link-row">
        <textarea
          id="join-link"
          ref={text}
          readOnly
          rows={1}
          value={props.url}
          spellcheck={false}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="join-link"
        />
        <button class="button small primary" type="button" onClick={() => void copy()} data-testid="copy-link">
          <Icon name={copied() === 'copied' ? 'check' : 'copy'} size={14} />
          <span>{copied() === 'copied' ? 'Copied' : 'Copy link'}</span>
        </button>
      </div>
      <p class="share-link-status" role="status">
        <Show when={copied()}>{copied() === 'copied' ? 'Link copied. Paste it anywhere to invite people.' : 'Link selected: press Ctrl+C (⌘C) to copy it.'}</Show>
      </p>
    </div>
  );
}
