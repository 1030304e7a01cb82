/**
 * At most one send per key per interval, in bounded memory: the oldest keys are forgotten first, which at
 * worst lets one extra message through. Keys are e.g. `node/sequence`, so a newer sequence goes out at once.
 */
export class SendLimiter {
  readonly #last = new Map<string, number>();

  constructor(
    readonly interval: number,
    readonly capacity = 4096,
  ) {}

  allow(key: string, now: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.interval) return false;
    this.#last.delete(key);
    this.#last.set(key, now);
    if (this.#last.size > this.capacity) this.#last.delete(this.#last.keys().next().value as string);
    return true;
  }
}
