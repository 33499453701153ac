import { describe, expect, it } from 'vitest';
import { makeEmitter } from './emitter.ts';

describe('makeEmitter', () => {
  it('should deliver events to listeners until they unsubscribe', () => {
    const events = makeEmitter<{ state: string }>();
    const seen: string[] = [];
    const off = events.on('state', (s) => seen.push(s));
    events.emit('state', 'connecting');
    off();
    events.emit('state', 'connected');
    expect(seen).toEqual(['connecting']);
  });

  it('should let a listener unsubscribe while an event is being delivered', () => {
    const events = makeEmitter<{ tick: number }>();
    const seen: number[] = [];
    const off = events.on('tick', () => off());
    events.on('tick', (n) => seen.push(n));
    events.emit('tick', 1);
    events.emit('tick', 2);
    expect(seen).toEqual([1, 2]);
  });
});
