// Names the browser tab after what the page shows, so a person with several tabs (or a screen reader) knows where they are.
import { createEffect, onCleanup } from 'solid-js';

export function createDocumentTitle(title: () => string | null | undefined) {
  const before = document.title;
  createEffect(() => {
    const value = title();
    document.title = value ? `${value} · Podium` : 'Podium';
  });
  onCleanup(() => (document.title = before));
}
