/**
 * RFC 6940 §6.3.2.1: "each version of the Configuration Document MUST contain a sequence number which
 * MUST be monotonically increasing mod 65535. Because the sequence number may, in principle, wrap,
 * greater than or less than are interpreted by modulo arithmetic as in TCP." A document's own sequence
 * lies in 0..65534 (§11.1); 65535 is reserved for the forwarding header of a ConfigUpdate.
 */

/**
 * The configuration_sequence a ConfigUpdate carries in its forwarding header: RFC 6940 §6.3.2.1 says a
 * ConfigUpdate with 65535 "MUST be accepted regardless of the receiving node's configuration sequence
 * number", so a node that is behind still reads the document that brings it up to date.
 */
export const CONFIG_UPDATE_ANY_SEQUENCE = 0xffff;

/** Is `candidate` later than `current` (TCP-style, within half the 16-bit space)? */
export function isNewerSequence(candidate: number, current: number): boolean {
  const d = (candidate - current) & 0xffff;
  return d !== 0 && d < 0x8000;
}

/** The sequence after `n`: RFC 6940 §6.3.2.1 skips 65535, so 65534 is followed by 0. */
export function nextSequence(n: number): number {
  return n >= 0xfffe ? 0 : n + 1;
}
