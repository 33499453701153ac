// A media control that is on or off: the pressed state, the label and the icon all follow one flag.
import { Icon, type IconName } from './icon.tsx';

/** Pairs are [when on, when off]; `label` names the action the next press takes. */
export function ToggleControl(props: {
  pressed: boolean;
  label: [string, string];
  icon: [IconName, IconName];
  text: [string, string];
  /** `warn` marks the off state (a muted mic), `highlight` the on state (a screen being shared). */
  tone: 'warn' | 'highlight';
  onToggle: () => void;
  disabled?: boolean;
  testId: string;
}) {
  const pick = <T,>(pair: [T, T]) => (props.pressed ? pair[0] : pair[1]);
  return (
    <button
      class="control"
      classList={{ off: props.tone === 'warn' && !props.pressed, active: props.tone === 'highlight' && props.pressed }}
      type="button"
      aria-pressed={props.pressed}
      aria-label={pick(props.label)}
      onClick={() => props.onToggle()}
      disabled={props.disabled}
      data-testid={props.testId}
    >
      <Icon name={pick(props.icon)} />
      {pick(props.text)}
    </button>
  );
}
