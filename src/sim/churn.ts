import type { Random } from '../core/random.js';

/**
 * Session times for churn: how long a peer stays before it departs. Both distributions are given by their
 * median, the figure churn studies quote (Rhea et al., "Handling Churn in a DHT", 2004: 1.4 min to 3 h).
 */
export type SessionDistribution =
  | { readonly kind: 'exponential'; readonly median: number }
  /** Pareto with shape α (heavier tail for smaller α; α > 1 for a finite mean). */
  | { readonly kind: 'pareto'; readonly median: number; readonly shape: number };

/** Draws one session length (ms). */
export function drawSession(d: SessionDistribution, random: Random): number {
  // 1 − u lies in (0, 1], so the logarithm and the power stay finite.
  const u = 1 - random.float();
  if (d.kind === 'exponential') {
    // Median m ⇔ mean m / ln 2.
    return (-Math.log(u) * d.median) / Math.LN2;
  }
  // Pareto(x_m, α): P(X > x) = (x_m / x)^α, median x_m · 2^(1/α).
  const xm = d.median / 2 ** (1 / d.shape);
  return xm / u ** (1 / d.shape);
}

/** The median of many draws, for tests of the distributions themselves. */
export function sampleMedian(d: SessionDistribution, random: Random, n: number): number {
  const xs = Array.from({ length: n }, () => drawSession(d, random)).sort((a, b) => a - b);
  return xs[Math.floor(n / 2)] as number;
}
