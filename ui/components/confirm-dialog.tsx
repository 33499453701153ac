// A modal confirmation on the native <dialog>: focus is trapped and Escape cancels, by the browser. Where there is no
// <dialog> (Firefox before 98, Safari before 15.4) it opens as a plain overlay, and Escape still cancels.
import { createEffect, type JSX } from 'solid-js';

/**
 * Opens and closes a <dialog> with `open()`: modal where the browser has showModal (focus moves in, Escape fires
 * `cancel`), a plain overlay elsewhere, its [autofocus] element focused.
 */
export function bindModal(dialog: () => HTMLDialogElement, open: () => boolean): void {
  createEffect(() => {
    const element = dialog();
    if (typeof element.showModal === 'function') {
      if (open() && !element.open) element.showModal();
      if (!open() && element.open) element.close();
      return;
    }
    element.classList.add('dialog-fallback');
    element.toggleAttribute('open', open());
    if (open()) element.querySelector<HTMLElement>('[autofocus]')?.focus();
  });
}

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  let dialog!: HTMLDialogElement;
  bindModal(() => dialog, () => props.open);
  return (
    <dialog
      ref={dialog}
      role="dialog"
      aria-modal="true"
      aria-labelledby="confirm-title"
      onCancel={props.onCancel}
      onClose={() => props.open && props.onCancel()}
      onKeyDown={(e) => e.key === 'Escape' && typeof dialog.showModal !== 'function' && props.onCancel()}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <p>{props.children}</p>
      <div class="dialog-actions">
        <button class="button" type="button" onClick={props.onCancel} autofocus>
          Cancel
        </button>
        <button class="button danger" type="button" onClick={props.onConfirm} disabled={props.busy}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
