/**
 * A small typed event emitter: the map type names every event and its payload, so a misspelt event or a
 * wrong payload is a compile error. Listeners run synchronously in registration order.
 */
export type EventMap = { readonly [event: string]: unknown };

export class TypedEmitter<M extends EventMap> {
  readonly #listeners = new Map<keyof M, Array<(payload: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(event: K, listener: (payload: M[K]) => void): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as (payload: never) => void);
    this.#listeners.set(event, list);
    return () => this.off(event, listener);
  }

  once<K extends keyof M>(event: K, listener: (payload: M[K]) => void): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof M>(event: K, listener: (payload: M[K]) => void): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    const i = list.indexOf(listener as (payload: never) => void);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    // Copy: a listener may unsubscribe itself (once) while we iterate.
    for (const fn of [...list]) (fn as (p: M[K]) => void)(payload);
  }

  listenerCount(event: keyof M): number {
    return this.#listeners.get(event)?.length ?? 0;
  }
}
