import { second } from '../../core/clock.js';

/**
 * RFC 3261 §17.1.1.1 and Table 4: T1 is the RTT estimate (500 ms), T2 the cap on non-INVITE and
 * INVITE-response retransmission intervals (4 s), T4 the time a message may stay in the network (5 s).
 */
export interface TimerValues {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
}

export const DEFAULT_TIMERS: TimerValues = { t1: 500, t2: 4 * second, t4: 5 * second };

/** The named timers of RFC 3261 §17 (Table 4) and RFC 6026's Timer L (64*T1, the Accepted state). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L';

/**
 * Timer D: "at least 32 seconds for unreliable transports, and a value of zero seconds for reliable
 * transports" (RFC 3261 §17.1.1.2). Timer D is not 64*T1: it is fixed.
 */
export function timerD(reliable: boolean): number {
  return reliable ? 0 : 32 * second;
}

/** Timers I and K: T4 on unreliable transports, zero on reliable ones (RFC 3261 §17.2.1, §17.1.2.2). */
export function timerT4Wait(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}

/** Timer J: 64*T1 on unreliable transports, zero on reliable ones (RFC 3261 §17.2.2). */
export function timerJ(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : 64 * t.t1;
}
