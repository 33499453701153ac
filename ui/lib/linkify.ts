// Splits chat text into plain runs and web links. Only http and https become links; everything stays text (the UI
// renders it as text nodes, never HTML), so a message can neither inject markup nor link to javascript: or data:.
export type TextPart = { text: string; href?: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the address ("see https://example.com.").
const TRAILING = /[.,;:!?)\]}'"’”]$/;

/** Drops sentence punctuation after an address; a closing parenthesis stays while the address opened one. */
function trimTrailing(candidate: string): string {
  let s = candidate;
  while (TRAILING.test(s)) {
    if (s.endsWith(')') && count(s, '(') >= count(s, ')')) break;
    s = s.slice(0, -1);
  }
  return s;
}

const count = (s: string, char: string) => s.split(char).length - 1;

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    const candidate = trimTrailing(match[0]);
    let href: string | undefined;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = undefined;
    }
    if (!href) continue;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: candidate, href });
    at = start + candidate.length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at) });
  return parts;
}
