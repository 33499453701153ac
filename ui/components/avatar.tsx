// A round initial badge whose colour is stable for a name, dark enough for its white initials (4.6:1 at least).
const hues = [250, 285, 200, 160, 20, 330, 45, 120];

export function initials(name: string | null): string {
  const words = (name ?? '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0]![0]! + words[words.length - 1]![0]! : (words[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

export function hueFor(name: string | null): number {
  let hash = 0;
  for (const char of name ?? '') hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hues[hash % hues.length]!;
}

export function Avatar(props: { name: string | null; small?: boolean }) {
  return (
    <span class="avatar" classList={{ small: props.small }} style={{ '--avatar': `hsl(${hueFor(props.name)} 62% 32%)` }} aria-hidden="true">
      {initials(props.name)}
    </span>
  );
}
