// A small typed event emitter so the rtc layer can be observed without knowing who listens.
export type Listener<T> = (payload: T) => void;

export interface Emitter<Events extends object> {
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void;
  emit<E extends keyof Events>(event: E, payload: Events[E]): void;
  clear(): void;
}

export function makeEmitter<Events extends object>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => set.delete(listener as Listener<never>);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) (listener as Listener<typeof payload>)(payload);
    },
    clear() {
      listeners.clear();
    },
  };
}
