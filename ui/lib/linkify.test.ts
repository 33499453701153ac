import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.ts';

describe('linkify', () => {
  it('should turn http and https addresses into links and leave the rest as text', () => {
    expect(linkify('Slides at https://example.com/deck?p=2 and http://a.test.')).toEqual([
      { text: 'Slides at ' },
      { text: 'https://example.com/deck?p=2', href: 'https://example.com/deck?p=2' },
      { text: ' and ' },
      { text: 'http://a.test', href: 'http://a.test/' },
      { text: '.' },
    ]);
  });

  it('should never link other schemes or markup', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', '<a href="https://x.test">x</a> plain', 'ftp://files.test/a', 'mailto:a@b.test']) {
      const parts = linkify(text);
      for (const part of parts) if (part.href) expect(part.href).toMatch(/^https?:\/\//);
      expect(parts.map((p) => p.text).join('')).toBe(text);
    }
    expect(linkify('javascript:alert(1)')).toEqual([{ text: 'javascript:alert(1)' }]);
  });

  it('should keep a closing parenthesis that belongs to the address and drop one that ends the sentence', () => {
    expect(linkify('(see https://en.wikipedia.org/wiki/Lisp_(language))')[1]).toEqual({
      text: 'https://en.wikipedia.org/wiki/Lisp_(language)',
      href: 'https://en.wikipedia.org/wiki/Lisp_(language)',
    });
    expect(linkify('(https://example.com)')).toEqual([{ text: '(' }, { text: 'https://example.com', href: 'https://example.com/' }, { text: ')' }]);
  });

  it('should give back plain text whole, the empty message included', () => {
    expect(linkify('hello there')).toEqual([{ text: 'hello there' }]);
    expect(linkify('')).toEqual([{ text: '' }]);
  });
});
