// An accessible tab list: arrow keys move between tabs, each tab labels its panel.
import { For, type JSX } from 'solid-js';

export interface TabItem<K extends string> {
  key: K;
  label: string;
  count?: number;
}

export function Tabs<K extends string>(props: { items: TabItem<K>[]; selected: K; onSelect: (key: K) => void; label: string; id: string }) {
  const buttons: HTMLButtonElement[] = [];
  const onKeyDown: JSX.EventHandler<HTMLDivElement, KeyboardEvent> = (event) => {
    const index = props.items.findIndex((item) => item.key === props.selected);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? props.items.length - 1 : (index + step + props.items.length) % props.items.length;
    props.onSelect(props.items[next]!.key);
    buttons[next]?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      <For each={props.items}>
        {(item, i) => (
          <button
            ref={(el) => (buttons[i()] = el)}
            class="tab"
            role="tab"
            id={`${props.id}-tab-${item.key}`}
            aria-selected={props.selected === item.key}
            aria-controls={`${props.id}-panel-${item.key}`}
            tabIndex={props.selected === item.key ? 0 : -1}
            onClick={() => props.onSelect(item.key)}
          >
            {item.label}
            {item.count !== undefined && <span class="count">{item.count}</span>}
          </button>
        )}
      </For>
    </div>
  );
}

/** `heading` gives the panel a (visually hidden) heading, so heading navigation finds each side panel. */
export function TabPanel(props: { id: string; tab: string; selected: boolean; heading?: string; children: JSX.Element }) {
  return (
    <div
      class="panel"
      role="tabpanel"
      id={`${props.id}-panel-${props.tab}`}
      aria-labelledby={`${props.id}-tab-${props.tab}`}
      hidden={!props.selected}
      style={props.selected ? undefined : { display: 'none' }}
    >
      {props.heading && <h2 class="visually-hidden">{props.heading}</h2>}
      {props.children}
    </div>
  );
}
