// Fallbacks for the built-ins newer than the oldest browsers Podium serves (Chrome/Edge 90, Firefox 88, Safari 14):
// installed once, first thing, only where the browser lacks them. Syntax is compiled down by Vite's build target.
import { randomId } from '../random-id.ts';

type Cloneable = unknown;

/** structuredClone for what the UI clones: plain data, arrays, Date, Map, Set, typed arrays; cycles kept. */
export function cloneData<T extends Cloneable>(value: T, seen = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError('could not be cloned');
    return value;
  }
  if (seen.has(value)) return seen.get(value) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): T }).slice();
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    value.forEach((v, k) => copy.set(cloneData(k, seen), cloneData(v, seen)));
    return copy as T;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    value.forEach((v) => copy.add(cloneData(v, seen)));
    return copy as T;
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) (copy as Record<string, unknown>)[key] = cloneData((value as Record<string, unknown>)[key], seen);
  return copy as T;
}

/** Array.prototype.at: negative indexes count from the end. */
function at<T>(this: ArrayLike<T>, index: number): T | undefined {
  const length = this.length;
  const relative = Math.trunc(index) || 0;
  const k = relative >= 0 ? relative : length + relative;
  return k < 0 || k >= length ? undefined : this[k];
}

/** The pieces installed on this page; empty on a current browser. */
export function installCompat(g: typeof globalThis = globalThis): string[] {
  const installed: string[] = [];
  const define = (target: object, name: string, value: unknown) =>
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  if (typeof (Array.prototype as { at?: unknown }).at !== 'function') {
    define(Array.prototype, 'at', at);
    define(String.prototype, 'at', at);
    installed.push('Array.prototype.at');
  }
  if (typeof g.structuredClone !== 'function') {
    define(g, 'structuredClone', (value: unknown) => cloneData(value));
    installed.push('structuredClone');
  }
  // randomUUID is missing before Chrome 92, Firefox 95 and Safari 15.4, and on every insecure origin.
  if (g.crypto && typeof g.crypto.randomUUID !== 'function') {
    define(g.crypto, 'randomUUID', randomId);
    installed.push('crypto.randomUUID');
  }
  return installed;
}

type WebkitDocument = Document & { webkitFullscreenElement?: Element | null; webkitExitFullscreen?: () => void };
type WebkitElement = HTMLElement & { webkitRequestFullscreen?: () => void };

/** The element shown full screen now, where the browser has only the prefixed API too (Safari before 16.4). */
export function fullscreenElement(doc: Document = document): Element | null {
  return doc.fullscreenElement ?? (doc as WebkitDocument).webkitFullscreenElement ?? null;
}

/** Whether an element can be shown full screen here at all (iPhone Safari offers it for video only). */
export function fullscreenAvailable(doc: Document = document): boolean {
  const el = doc.documentElement as WebkitElement;
  return typeof el.requestFullscreen === 'function' || typeof el.webkitRequestFullscreen === 'function';
}

export async function toggleFullscreen(el: HTMLElement, doc: Document = document): Promise<void> {
  if (fullscreenElement(doc)) {
    if (typeof doc.exitFullscreen === 'function') await doc.exitFullscreen();
    else (doc as WebkitDocument).webkitExitFullscreen?.();
  } else if (typeof el.requestFullscreen === 'function') await el.requestFullscreen();
  else (el as WebkitElement).webkitRequestFullscreen?.();
}

/** Both spellings of the change event; listening to both is harmless where one never fires. */
export const fullscreenChangeEvents = ['fullscreenchange', 'webkitfullscreenchange'] as const;
