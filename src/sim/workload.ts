import { type NodeId, nodeIdToBytes, type ResourceId } from '../core/ids.js';
import { ErrorCode } from '../reload/messages/codes.js';
import type { RequestResult } from '../reload/node/types.js';
import type { SimOverlay } from './overlay.js';
import type { LookupOutcome } from './stats.js';
import type { TrackedRequest } from './traffic.js';

/**
 * The measured workload: lookups are Pings to random Resource-IDs (RFC 6940 §6.4.2.4), sent through the
 * real ReloadNode.ping API from random live, joined peers. A lookup succeeds when the answer is signed by
 * the peer that the oracle says is responsible for the Resource-ID when the answer arrives; an answer
 * from any other peer is a failure.
 *
 * `timeouts` counts expiries of the originator's overlay-reliability-timer (RFC 6940 §6.2.1, 3 s): each is
 * one end-to-end retransmission, or the final give-up of a lookup that used all five transmissions. For
 * an answered lookup that is floor(rtt / timer), since transmissions go out at 0, T, 2T, ...
 */
export class Lookups {
  readonly #overlay: SimOverlay;
  readonly #maxTransmissions = 5;
  #outcomes: LookupOutcome[] = [];
  #inFlight = 0;

  constructor(overlay: SimOverlay) {
    this.#overlay = overlay;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Outcomes since the last call. */
  take(): LookupOutcome[] {
    const o = this.#outcomes;
    this.#outcomes = [];
    return o;
  }

  /** Starts one lookup now; false when no peer has joined yet. */
  issue(): boolean {
    const o = this.#overlay;
    const from = o.pickJoined();
    if (from === undefined) return false;
    const r = o.random;
    const key =
      (BigInt(r.u32()) << 96n) | (BigInt(r.u32()) << 64n) | (BigInt(r.u32()) << 32n) | BigInt(r.u32());
    const dest = { type: 'resource' as const, id: nodeIdToBytes(key as NodeId) as ResourceId };
    const startedAt = o.now;
    let tracked: TrackedRequest | undefined;
    let done = false;
    this.#inFlight++;
    o.net.input(from, (node, now) => {
      const txid = node.ping(dest, now, (res) => {
        done = true;
        this.#inFlight--;
        if (tracked !== undefined) o.monitor.untrack(tracked);
        this.#outcomes.push(this.#judge(res, key, startedAt, tracked));
      });
      if (!done) tracked = o.monitor.track(txid);
    });
    return true;
  }

  #judge(
    res: RequestResult,
    key: bigint,
    startedAt: number,
    tracked: TrackedRequest | undefined,
  ): LookupOutcome {
    const o = this.#overlay;
    const timer = o.config.reliabilityTimer;
    if (!res.ok) {
      const timedOut = res.errorCode === ErrorCode.Error_Request_Timeout;
      const elapsed = o.now - startedAt;
      return {
        ok: false,
        wrongNode: false,
        timedOut,
        timeouts: timedOut ? this.#maxTransmissions : Math.floor(elapsed / timer),
        hops: undefined,
        latency: undefined,
      };
    }
    const signer = res.signer.nodeIds[0];
    const owner = o.ring.ownerOf(key);
    const timeouts = Math.floor(res.rtt / timer);
    if (signer === undefined || signer !== owner) {
      return { ok: false, wrongNode: true, timedOut: false, timeouts, hops: undefined, latency: undefined };
    }
    const ep = o.endpointOf(signer);
    const hops = tracked === undefined || ep === undefined ? 0 : (tracked.hopsAt.get(ep.index) ?? 0);
    return { ok: true, wrongNode: false, timedOut: false, timeouts, hops, latency: res.rtt };
  }
}
