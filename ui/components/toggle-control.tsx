// A media control that is on or off: the pressed state, the label and the icon all follow one flag.
import { Icon, type IconName } from './icon.tsx';

/**
 * The accessible name starts with the words on the button (speech users say what they see), then the action when
 * the label does not already contain them: "Mic: Turn microphone off".
 */
export function toggleName(text: string, label: string): string {
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const [said, named] = [words(text).join(' '), words(label).join(' ')];
  return ` ${named} `.includes(` ${said} `) ? label : `${text}: ${label}`;
}

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
      aria-label={toggleName(pick(props.text), pick(props.label))}
      onClick={() => props.onToggle()}
      disabled={props.disabled}
      data-testid={props.testId}
    >
      <Icon name={pick(props.icon)} />
      {pick(props.text)}
    </button>
  );
}
