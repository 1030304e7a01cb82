import { DEFAULT_NODE_ID_LENGTH } from '../core/ids.js';

/** What a codec needs to know about the overlay: RELOAD's NodeId width is set per overlay (RFC 6940 §6.3.1). */
export interface CodecContext {
  readonly nodeIdLength: number;
}

export const DEFAULT_CONTEXT: CodecContext = Object.freeze({ nodeIdLength: DEFAULT_NODE_ID_LENGTH });

/** Length prefix widths of the TLS presentation language: the bytes needed to hold the vector's ceiling. */
export type PrefixBytes = 1 | 2 | 3 | 4;

export function maxForPrefix(prefix: PrefixBytes): number {
  return prefix === 4 ? 0xffff_ffff : 2 ** (8 * prefix) - 1;
}
