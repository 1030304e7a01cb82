/**
 * A table of named deadlines with one wake-up time (after quinn-proto's TimerTable): a protocol core
 * sets and clears timers by name, its driver asks `nextDeadline()` and calls back with `expire(now)`.
 * No real timers are involved, so the simulator and the tests move time by assignment.
 *
 * Implemented as a binary min-heap with lazy deletion: setting or clearing a key bumps its generation
 * and stale heap entries are discarded when they reach the top. That keeps `set` and `expire`
 * O(log n), which matters when the simulator drives 10^5 nodes each with hundreds of transactions.
 */
interface Entry<K> {
  readonly at: number;
  readonly key: K;
  readonly generation: number;
  /** Insertion order, so timers due at the same instant fire in the order they were set. */
  readonly order: number;
}

export class TimerTable<K> {
  readonly #live = new Map<K, { at: number; generation: number }>();
  #heap: Entry<K>[] = [];
  #generation = 0;
  #order = 0;
  /** The heap's top is known to be live (drivers ask for the next deadline after every input). */
  #topLive = false;

  /** Sets (or moves) the deadline of `key` to the absolute time `at`. */
  set(key: K, at: number): void {
    if (!Number.isFinite(at))
      throw new RangeError(`timer ${String(key)}: deadline must be finite, got ${at}`);
    const generation = ++this.#generation;
    const live = this.#live.get(key);
    // Reuse the live record: a link re-arms its timers on every frame.
    if (live === undefined) this.#live.set(key, { at, generation });
    else {
      live.at = at;
      live.generation = generation;
      this.#topLive = false;
    }
    this.#push({ at, key, generation, order: ++this.#order });
  }

  /** Removes the timer; returns whether it was set. */
  clear(key: K): boolean {
    const had = this.#live.delete(key);
    if (had) this.#topLive = false;
    return had;
  }

  get(key: K): number | undefined {
    return this.#live.get(key)?.at;
  }

  has(key: K): boolean {
    return this.#live.has(key);
  }

  get size(): number {
    return this.#live.size;
  }

  keys(): IterableIterator<K> {
    return this.#live.keys();
  }

  /** The earliest deadline, or undefined when nothing is pending. */
  nextDeadline(): number | undefined {
    if (!this.#topLive) this.#dropStale();
    return this.#heap[0]?.at;
  }

  /** Removes and returns every key due at `now` (deadline ≤ now), earliest first. */
  expire(now: number): K[] {
    const due: K[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.at > now) return due;
      this.#pop();
      this.#live.delete(top.key);
      due.push(top.key);
    }
  }

  clearAll(): void {
    this.#live.clear();
    this.#heap = [];
    this.#topLive = true;
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined) break;
      const live = this.#live.get(top.key);
      if (live !== undefined && live.generation === top.generation) break;
      this.#pop();
    }
    this.#topLive = true;
  }

  #less(a: Entry<K>, b: Entry<K>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #push(e: Entry<K>): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Entry<K>;
      if (!this.#less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
    // A fresh entry is live: when it becomes the top, the top is known to be live.
    if (i === 0) this.#topLive = true;
  }

  #pop(): void {
    this.#topLive = false;
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = h[l] as Entry<K>;
      const right = h[r];
      const c = right !== undefined && this.#less(right, left) ? r : l;
      const child = h[c] as Entry<K>;
      if (!this.#less(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
