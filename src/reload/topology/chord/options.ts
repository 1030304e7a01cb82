import { minute, second } from '../../../core/clock.js';
import type { TableSizes } from './routing-table.js';

/**
 * Tuning of the CHORD-RELOAD machine. The first four are the RFC 6940 configuration (§10.2, §10.7.4,
 * chord-update-interval, chord-reactive); the rest say how this implementation maintains its tables
 * between those rounds. Each behaviour is documented where it is implemented (keeper.ts, fingers.ts,
 * liveness.ts, routing-table.ts) and was tuned in the simulator (src/sim, bench/sim.ts).
 */
export interface ChordOptions extends TableSizes {
  /** chord-update-interval (RFC 6940 §10.7.4.1, "about ten minutes" by default): full neighbour rounds. */
  readonly updateInterval: number;
  /** How often empty finger slots are probed (RFC 6940 §10.7.4.2 bounds it by chord-ping-interval). */
  readonly fingerInterval: number;
  /** chord-reactive: Update neighbours as soon as the Neighbor Table changes (RFC 6940 §10.7.4). */
  readonly reactive: boolean;
  /** Finger slots probed per round (default 4). */
  readonly fingerProbesPerPeriod?: number;
  /**
   * Reactive Updates wait this long (ms) so that several changes in a row go out as one Update per
   * neighbour, and a neighbour is sent an Update only when what we would tell it changed (default 0:
   * at once).
   */
  readonly reactiveDelay?: number;
  /**
   * Connectivity checks (RFC 6940 §10.7.1): a Routing-Table peer not heard from for this long is sent
   * an Update (neighbours) or a Ping (fingers); undefined: no checks, failures are noticed only when
   * traffic to the peer goes unanswered.
   */
  readonly keepaliveInterval?: number;
  /**
   * Fingers (not neighbours) are checked after this much silence (default: keepaliveInterval). Longer is
   * cheaper: a dead finger in use costs one link RTO before the transport routes around it.
   */
  readonly fingerKeepaliveInterval?: number;
  /** How long a connectivity check may take before the peer is declared failed (default 3 s). */
  readonly livenessTimeout?: number;
  /**
   * Transmissions of an Update before its unanswering peer counts as failed (RFC 6940 §6.2.1 allows at
   * most 5, the default). Fewer notices a silently failed neighbour sooner, and takes a peer that is only
   * busy for a dead one sooner too.
   */
  readonly updateTransmissions?: number;
}

/**
 * Defaults for a No-ICE overlay of up to ~10^5 peers; configuration overrides them. Measured in the
 * simulator (BENCHMARKS.md, "CHORD-RELOAD in the simulator").
 */
export const DEFAULT_CHORD_OPTIONS = {
  successors: 3,
  predecessors: 3,
  fingers: 16,
  // 8 slots per RFC interval: 2.9 hops at 10^3 peers instead of 3.6 with 2 (BENCHMARKS.md), for about
  // 4 times as many finger links, which the longer finger keepalive below keeps cheap.
  fingerDensity: 8,
  updateInterval: 10 * minute,
  fingerInterval: minute,
  fingerProbesPerPeriod: 4,
  reactive: true,
  reactiveDelay: 500,
  keepaliveInterval: minute,
  fingerKeepaliveInterval: 5 * minute,
  livenessTimeout: 3 * second,
  updateTransmissions: 2,
} satisfies ChordOptions;

/** How long a graceful leave waits for its Leave answers (RFC 6940 §10.8 needs no answer to proceed). */
export const LEAVE_TIMEOUT = 2 * second;
