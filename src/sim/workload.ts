import { type NodeId, nodeIdToBytes, type ResourceId } from '../core/ids.js';
import { ErrorCode } from '../reload/messages/codes.js';
import type { RequestResult } from '../reload/node/types.js';
import type { SimOverlay } from './overlay.js';
import type { LookupOutcome } from './stats.js';
import type { TrackedRequest } from './traffic.js';

/**
 * The measured workload: lookups are Pings to random Resource-IDs (RFC 6940 §6.4.2.4), sent through the
 * real ReloadNode.ping API from random live, joined peers. A lookup succeeds when the answer is signed by
 * the peer that the oracle named responsible for the Resource-ID at the moment the request reached it
 * (the moment it answered: a peer that dies while its answer travels back did answer correctly); an
 * answer from any other peer is a failure.
 *
 * `timeouts` counts expiries of the originator's overlay-reliability-timer (RFC 6940 §6.2.1, 3 s): each is
 * one end-to-end retransmission, or the final give-up of a lookup that used all five transmissions. For
 * an answered lookup that is floor(rtt / timer), since transmissions go out at 0, T, 2T, ...
 */
interface Lookup {
  readonly key: bigint;
  readonly startedAt: number;
  tracked: TrackedRequest | undefined;
  /** Endpoint index → whether the oracle named it the owner when the request reached it. */
  readonly ownerWhenReached: Map<number, boolean>;
}

export class Lookups {
  readonly #overlay: SimOverlay;
  readonly #maxTransmissions = 5;
  #outcomes: LookupOutcome[] = [];
  #inFlight = 0;

  constructor(overlay: SimOverlay) {
    this.#overlay = overlay;
  }

  /** Lookups sent and not answered yet (one whose originator died is never answered). */
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
    const l: Lookup = { key, startedAt: o.now, tracked: undefined, ownerWhenReached: new Map() };
    let done = false;
    this.#inFlight++;
    o.net.input(from, (node, now) => {
      const txid = node.ping(dest, now, (res) => {
        done = true;
        this.#inFlight--;
        if (l.tracked !== undefined) o.monitor.untrack(l.tracked);
        this.#outcomes.push(this.#judge(res, l));
      });
      if (done) return;
      const t = o.monitor.track(txid);
      t.arrived = (i) => l.ownerWhenReached.set(i, o.net.endpoints[i]?.host.localId === o.ring.ownerOf(key));
      l.tracked = t;
    });
    return true;
  }

  #judge(res: RequestResult, l: Lookup): LookupOutcome {
    const o = this.#overlay;
    const timer = o.config.reliabilityTimer;
    if (!res.ok) {
      const timedOut = res.errorCode === ErrorCode.Error_Request_Timeout;
      return {
        ok: false,
        wrongNode: false,
        timedOut,
        timeouts: timedOut ? this.#maxTransmissions : Math.floor((o.now - l.startedAt) / timer),
        hops: undefined,
        latency: undefined,
      };
    }
    const signer = res.signer.nodeId;
    const ep = signer === undefined ? undefined : o.endpointOf(signer);
    const timeouts = Math.floor(res.rtt / timer);
    // No request went on the wire when the originator itself was responsible: judged now.
    const right =
      ep !== undefined &&
      (l.tracked === undefined
        ? o.ring.ownerOf(l.key) === signer
        : l.ownerWhenReached.get(ep.index) === true);
    if (!right || ep === undefined) {
      return { ok: false, wrongNode: true, timedOut: false, timeouts, hops: undefined, latency: undefined };
    }
    const hops = l.tracked === undefined ? 0 : (l.tracked.hopsAt.get(ep.index) ?? 0);
    return { ok: true, wrongNode: false, timedOut: false, timeouts, hops, latency: res.rtt };
  }
}
