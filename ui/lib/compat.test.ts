import { describe, expect, it } from 'vitest';
import { cloneData, installCompat } from './compat.ts';

/** A global object as an old browser has it: the same crypto, none of the newer built-ins. */
function oldGlobal() {
  const crypto = { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) } as Crypto;
  return { crypto } as unknown as typeof globalThis;
}

describe('installCompat', () => {
  it('should install structuredClone and crypto.randomUUID where they are missing', () => {
    const g = oldGlobal();
    expect(installCompat(g)).toEqual(expect.arrayContaining(['structuredClone', 'crypto.randomUUID']));
    expect(g.crypto.randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const original = { a: [1, { b: new Date(0) }], m: new Map([['k', new Set([1])]]) };
    const copy = g.structuredClone(original);
    expect(copy).toEqual(original);
    expect(copy.a[1]).not.toBe(original.a[1]);
  });

  it('should leave a current browser alone', () => {
    expect(installCompat(globalThis)).toEqual([]);
  });

  it('should give arrays .at() where the browser has none', () => {
    const saved = Object.getOwnPropertyDescriptor(Array.prototype, 'at')!;
    const savedString = Object.getOwnPropertyDescriptor(String.prototype, 'at')!;
    try {
      delete (Array.prototype as { at?: unknown }).at;
      expect(installCompat(oldGlobal())).toContain('Array.prototype.at');
      const list = [1, 2, 3] as number[] & { at(i: number): number | undefined };
      expect([list.at(0), list.at(-1), list.at(3), list.at(-4)]).toEqual([1, 3, undefined, undefined]);
    } finally {
      Object.defineProperty(Array.prototype, 'at', saved);
      Object.defineProperty(String.prototype, 'at', savedString);
    }
  });
});

describe('cloneData', () => {
  it('should keep cycles and refuse functions as structuredClone does', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const copy = cloneData(cyclic);
    expect(copy.self).toBe(copy);
    expect(() => cloneData({ f: () => 1 })).toThrow(TypeError);
  });
});
