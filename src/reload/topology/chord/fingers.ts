import type { NodeId } from '../../../core/ids.js';
import type { Random } from '../../../core/random.js';
import type { RoutingTable } from './routing-table.js';

/**
 * Which finger slots to probe (RFC 6940 §10.7.4.2, strategy 1: an empty or invalid entry is refreshed by
 * a Ping into its interval; the answering peer is the candidate).
 *
 * - Slots lying wholly inside our successor list are never probed: the successors already say who is
 *   there (RoutingTable.slotCovered).
 * - The Ping goes to the slot's first position, whose owner is the best possible entry (the table keeps the
 *   peer closest to the slot start). An owner beyond the slot proves the slot empty, and an empty slot is
 *   left alone for `emptyBackoff` before it is probed again, so a small ring does not Ping for fingers it
 *   cannot have every round.
 */
export interface FingerProbeOptions {
  /** Slots probed per round. */
  readonly perRound: number;
  /** How long a slot found empty is left alone (ms). */
  readonly emptyBackoff: number;
}

export class FingerProber {
  readonly #table: RoutingTable;
  readonly #opts: FingerProbeOptions;
  /** Slot → until when it is known to be empty. */
  readonly #emptyUntil = new Map<number, number>();

  constructor(table: RoutingTable, opts: FingerProbeOptions) {
    this.#table = table;
    this.#opts = opts;
  }

  /** The slots to probe this round, in random order, with the ring position to Ping for each. */
  pick(now: number, random: Random): { slot: number; target: bigint }[] {
    const t = this.#table;
    const due = t.emptyFingers().filter((s) => !t.slotCovered(s) && (this.#emptyUntil.get(s) ?? 0) <= now);
    const out: { slot: number; target: bigint }[] = [];
    while (out.length < this.#opts.perRound && due.length > 0) {
      const slot = due.splice(Math.floor(random.float() * due.length), 1)[0] as number;
      out.push({ slot, target: t.slotStart(slot) });
    }
    return out;
  }

  /** The owner of a probed slot's start answered: true when it belongs in that slot. */
  answered(slot: number, owner: NodeId, now: number): boolean {
    if (this.#table.slotOf(owner) === slot) {
      this.#emptyUntil.delete(slot);
      return true;
    }
    this.#emptyUntil.set(slot, now + this.#opts.emptyBackoff);
    return false;
  }

  /** A finger in `slot` was lost: probe it again at the next round (RFC 6940 §10.7.2, reactive search). */
  lost(slot: number): void {
    this.#emptyUntil.delete(slot);
  }
}
