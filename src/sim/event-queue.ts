/**
 * The simulator's agenda: events ordered by virtual time, ties broken by the order they were scheduled,
 * so two runs that schedule the same events in the same order pop them in the same order (bit for bit
 * replay from a seed). A binary min-heap over parallel arrays: at 10^5 nodes the queue holds millions of
 * events, and keeping times and sequence numbers in typed arrays keeps comparisons cheap.
 */
export class EventQueue<T> {
  #at = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #items: (T | undefined)[] = new Array(1024);
  #size = 0;
  #nextSeq = 0;

  get size(): number {
    return this.#size;
  }

  /** Schedules `item` at virtual time `at` (ms). */
  push(at: number, item: T): void {
    if (Number.isNaN(at)) throw new RangeError('event time is NaN');
    if (this.#size === this.#at.length) this.#grow();
    let i = this.#size++;
    const seq = this.#nextSeq++;
    const times = this.#at;
    const seqs = this.#seq;
    const items = this.#items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = times[p] as number;
      if (pa < at || (pa === at && (seqs[p] as number) < seq)) break;
      times[i] = pa;
      seqs[i] = seqs[p] as number;
      items[i] = items[p];
      i = p;
    }
    times[i] = at;
    seqs[i] = seq;
    items[i] = item;
  }

  /** The time of the earliest event, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    return this.#size === 0 ? undefined : this.#at[0];
  }

  /** Removes and returns the earliest event (call `peekTime` first for its time). */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const top = items[0];
    const n = --this.#size;
    const times = this.#at;
    const seqs = this.#seq;
    const lastAt = times[n] as number;
    const lastSeq = seqs[n] as number;
    const last = items[n];
    items[n] = undefined;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n) {
        const ra = times[r] as number;
        const la = times[l] as number;
        if (ra < la || (ra === la && (seqs[r] as number) < (seqs[l] as number))) c = r;
      }
      const ca = times[c] as number;
      if (ca > lastAt || (ca === lastAt && (seqs[c] as number) > lastSeq)) break;
      times[i] = ca;
      seqs[i] = seqs[c] as number;
      items[i] = items[c];
      i = c;
    }
    times[i] = lastAt;
    seqs[i] = lastSeq;
    items[i] = last;
    return top;
  }

  #grow(): void {
    const n = this.#at.length * 2;
    const at = new Float64Array(n);
    at.set(this.#at);
    const seq = new Float64Array(n);
    seq.set(this.#seq);
    this.#at = at;
    this.#seq = seq;
    this.#items.length = n;
  }
}
