// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmDialog } from './confirm-dialog.tsx';

afterEach(cleanup);

describe('ConfirmDialog without <dialog> support (Firefox 88, Safari 14)', () => {
  it('should open as an overlay, focus Cancel, and cancel on Escape', () => {
    const proto = HTMLDialogElement.prototype as { showModal?: unknown };
    const saved = Object.getOwnPropertyDescriptor(proto, 'showModal');
    delete proto.showModal;
    try {
      const [open, setOpen] = createSignal(false);
      let cancelled = 0;
      render(() => (
        <ConfirmDialog open={open()} title="End the session?" confirmLabel="End session" onConfirm={() => {}} onCancel={() => (cancelled += 1, setOpen(false))}>
          Everyone leaves.
        </ConfirmDialog>
      ));
      const dialog = document.querySelector('dialog')!;
      expect(dialog.hasAttribute('open')).toBe(false);
      setOpen(true);
      expect(dialog.hasAttribute('open')).toBe(true);
      expect(dialog.classList.contains('dialog-fallback')).toBe(true);
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
      fireEvent.keyDown(dialog, { key: 'Escape' });
      expect(cancelled).toBe(1);
      expect(dialog.hasAttribute('open')).toBe(false);
    } finally {
      if (saved) Object.defineProperty(proto, 'showModal', saved);
    }
  });
});
