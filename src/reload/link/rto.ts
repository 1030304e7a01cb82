import { second } from '../../core/clock.js';

/**
 * Round-trip time estimation per RFC 6298 §2, fed by framing acks (RFC 6940 §6.6.2: "the RTO is computed
 * per RFC 6298 from the ACKs"). On TLS-TCP-FH-NO-ICE links the RTO is not used to retransmit (TCP does
 * that) but as the signal that a link looks dead.
 */
export interface RtoOptions {
  /** RFC 6298 §2.1: before any measurement, RTO = 1 s. */
  readonly initialRto?: number;
  /** RFC 6298 §2.4 rounds RTO up to 1 s; a LAN deployment may choose less (RFC 6940 §6.6.3.? allows it). */
  readonly minRto?: number;
  /** RFC 6298 §2.5: a maximum of at least 60 s may be placed on RTO. */
  readonly maxRto?: number;
}

const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;
/** Clock granularity G of RFC 6298 §2: our clock ticks in milliseconds. */
const G = 1;

export class RtoEstimator {
  #srtt: number | undefined;
  #rttvar = 0;
  #rto: number;
  readonly #min: number;
  readonly #max: number;

  constructor(opts: RtoOptions = {}) {
    this.#min = opts.minRto ?? 1 * second;
    this.#max = opts.maxRto ?? 60 * second;
    this.#rto = this.#clamp(opts.initialRto ?? 1 * second);
  }

  #clamp(v: number): number {
    return Math.min(this.#max, Math.max(this.#min, v));
  }

  /** Feeds one RTT measurement R (ms). */
  sample(r: number): void {
    if (this.#srtt === undefined) {
      // RFC 6298 §2.2: first measurement.
      this.#srtt = r;
      this.#rttvar = r / 2;
    } else {
      // RFC 6298 §2.3: RTTVAR is updated before SRTT, using the old SRTT.
      this.#rttvar = (1 - BETA) * this.#rttvar + BETA * Math.abs(this.#srtt - r);
      this.#srtt = (1 - ALPHA) * this.#srtt + ALPHA * r;
    }
    this.#rto = this.#clamp(this.#srtt + Math.max(G, K * this.#rttvar));
  }

  get srtt(): number | undefined {
    return this.#srtt;
  }

  get rttvar(): number {
    return this.#rttvar;
  }

  get rto(): number {
    return this.#rto;
  }
}
