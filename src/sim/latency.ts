import { type Random, randomInt } from '../core/random.js';

/**
 * Where a simulated node sits and how long a packet takes between two of them. Nodes are placed in a few
 * regions; a packet's one-way delay is the sender's access delay + the base delay between the two regions
 * + the receiver's access delay, plus per-packet jitter. Nothing is stored per pair, so 10^5 nodes cost
 * two numbers each.
 */
export interface Placement {
  readonly region: number;
  /** Last-mile one-way delay of this node (ms). */
  readonly access: number;
}

export interface LatencyModel {
  /** Picks a region and access delay for a new node. */
  place(random: Random): Placement;
  /** The one-way delay (ms) of one packet from `a` to `b`, jitter included. */
  oneWay(a: Placement, b: Placement, random: Random): number;
  /** The one-way delay without jitter (for handshakes and timeouts). */
  base(a: Placement, b: Placement): number;
}

export interface RegionLatencyOptions {
  /** Region names, for reports. */
  readonly regions: readonly string[];
  /** Share of nodes in each region (same order; normalised). */
  readonly weights: readonly number[];
  /** One-way base delay between regions (ms), a symmetric matrix in region order. */
  readonly matrix: readonly (readonly number[])[];
  /** Access delays are uniform in [min, max] ms. */
  readonly access: { readonly min: number; readonly max: number };
  /** Per-packet jitter: uniform in [0, jitter × base delay]. */
  readonly jitter: number;
}

/**
 * Five regions with one-way delays of the order measured between cloud regions (half of the usual
 * round-trip figures): Europe, US East, US West, Asia, South America.
 */
export const DEFAULT_REGIONS: RegionLatencyOptions = {
  regions: ['eu', 'us-east', 'us-west', 'asia', 'sa'],
  weights: [0.35, 0.25, 0.15, 0.2, 0.05],
  matrix: [
    [8, 40, 75, 110, 100],
    [40, 8, 35, 100, 60],
    [75, 35, 8, 75, 90],
    [110, 100, 75, 15, 160],
    [100, 60, 90, 160, 10],
  ],
  access: { min: 1, max: 15 },
  jitter: 0.1,
};

/** Every pair at the same fixed delay: for unit tests where exact times matter. */
export function fixedLatency(oneWay: number): LatencyModel {
  return {
    place: () => ({ region: 0, access: 0 }),
    oneWay: () => oneWay,
    base: () => oneWay,
  };
}

export function regionLatency(opts: RegionLatencyOptions = DEFAULT_REGIONS): LatencyModel {
  const n = opts.regions.length;
  if (opts.weights.length !== n || opts.matrix.length !== n || opts.matrix.some((r) => r.length !== n)) {
    throw new RangeError('latency model: regions, weights and matrix must have the same size');
  }
  const total = opts.weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of opts.weights) {
    acc += w / total;
    cumulative.push(acc);
  }
  const span = opts.access.max - opts.access.min;
  const base = (a: Placement, b: Placement): number =>
    a.access + b.access + (opts.matrix[a.region]?.[b.region] ?? 0);
  return {
    place: (random) => {
      const x = random.float();
      let region = cumulative.findIndex((c) => x < c);
      if (region < 0) region = n - 1;
      // Whole tenths of a millisecond keep reports readable; the value itself is arbitrary.
      const access = opts.access.min + randomInt(random, Math.round(span * 10) + 1) / 10;
      return { region, access };
    },
    base,
    oneWay: (a, b, random) => {
      const d = base(a, b);
      return opts.jitter > 0 ? d + random.float() * opts.jitter * d : d;
    },
  };
}
