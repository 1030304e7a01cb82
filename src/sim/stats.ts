/**
 * Summaries of lookup outcomes. Figures are rounded to fixed decimals so that reports and the JSON output
 * read cleanly; rounding is deterministic, so equal runs still give equal objects.
 */
export interface LookupOutcome {
  /** Answered by the peer the oracle says is responsible. */
  readonly ok: boolean;
  /** Answered, but by a peer that is not responsible (counted as a failure). */
  readonly wrongNode: boolean;
  /** No answer after every transmission (RFC 6940 §6.2.1: 5 transmissions, 15 s by default). */
  readonly timedOut: boolean;
  /** Times the originator's overlay-reliability-timer ran out before the outcome (see `timeouts`). */
  readonly timeouts: number;
  /** Forwarding hops of the request copy that reached the responder (successful lookups). */
  readonly hops: number | undefined;
  /** Virtual ms from the first transmission to the answer (successful lookups). */
  readonly latency: number | undefined;
}

export interface LookupSummary {
  readonly lookups: number;
  /** Fraction of lookups answered by the responsible peer. */
  readonly success: number;
  readonly timeoutsPerLookup: number;
  readonly hops: { readonly mean: number; readonly p50: number; readonly p99: number };
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly failures: { readonly wrongNode: number; readonly timedOut: number; readonly error: number };
}

export function round(x: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(outcomes: readonly LookupOutcome[]): LookupSummary {
  const n = outcomes.length;
  const hops: number[] = [];
  const lat: number[] = [];
  let ok = 0;
  let timeouts = 0;
  let wrongNode = 0;
  let timedOut = 0;
  let error = 0;
  for (const o of outcomes) {
    timeouts += o.timeouts;
    if (o.ok) {
      ok++;
      if (o.hops !== undefined) hops.push(o.hops);
      if (o.latency !== undefined) lat.push(o.latency);
    } else if (o.wrongNode) wrongNode++;
    else if (o.timedOut) timedOut++;
    else error++;
  }
  hops.sort((a, b) => a - b);
  lat.sort((a, b) => a - b);
  const mean = hops.length === 0 ? 0 : hops.reduce((a, b) => a + b, 0) / hops.length;
  return {
    lookups: n,
    success: n === 0 ? 0 : round(ok / n, 4),
    timeoutsPerLookup: n === 0 ? 0 : round(timeouts / n, 3),
    hops: { mean: round(mean), p50: percentile(hops, 50), p99: percentile(hops, 99) },
    latencyMs: { p50: round(percentile(lat, 50), 1), p99: round(percentile(lat, 99), 1) },
    failures: { wrongNode, timedOut, error },
  };
}
