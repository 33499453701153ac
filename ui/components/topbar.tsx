// The bar on top of every page: the brand, then whatever the page puts beside it.
import { A } from '@solidjs/router';
import type { ParentProps } from 'solid-js';
import { Icon } from './icon.tsx';

export function Topbar(props: ParentProps) {
  return (
    <header class="topbar" classList={{ bare: !props.children }}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <A class="brand" href="/" aria-label="Podium home">
        <span class="brand-mark">
          <Icon name="logo" size={18} />
        </span>
        <span class="brand-name">Podium</span>
      </A>
      {props.children}
    </header>
  );
}
