/**
 * Time as a value. Protocol cores never read the wall clock: they are handed `now` (milliseconds since
 * the POSIX epoch, the unit RELOAD puts on the wire, RFC 6940 §6.3.3.1) by their driver. The Node driver
 * uses the system clock; the simulator and the tests use a ManualClock.
 */
export interface Clock {
  now(): number;
}

/** A clock that moves only when told to: the simulator's virtual time and the tests' time. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward; time never runs backwards, so a smaller value is a programming error. */
  set(now: number): void {
    if (now < this.#now) throw new RangeError(`time cannot go back from ${this.#now} to ${now}`);
    this.#now = now;
  }

  advance(ms: number): number {
    this.set(this.#now + ms);
    return this.#now;
  }
}

/** Named durations in milliseconds, so constants read as `3 * second` rather than 3000. */
export const millisecond = 1;
export const second = 1000;
export const minute = 60 * second;
export const hour = 60 * minute;
