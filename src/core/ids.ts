import type { Brand } from './brand.js';
import { bigIntToBytes, bytesToBigInt, toHex, tryFromHex } from './bytes.js';
import { LocalError } from './errors.js';

/**
 * Node-IDs are unsigned integers of NodeIdLength bytes (RFC 6940 §6.3.1, 16 by default, 16..20 allowed).
 * They are held as bigint so that ring arithmetic (CHORD-RELOAD works mod 2^128) is plain arithmetic and
 * so that ids work as Map keys by value. The byte length is a property of the overlay, so conversions
 * take it as an argument.
 */
export type NodeId = Brand<bigint, 'NodeId'>;

/** Resource-IDs are opaque byte strings of up to 254 bytes on the wire (RFC 6940 §6.3.1). */
export type ResourceId = Brand<Uint8Array, 'ResourceId'>;

/** The 64-bit transaction_id of the forwarding header (RFC 6940 §6.3.2). */
export type TransactionId = Brand<bigint, 'TransactionId'>;

/** Kind-IDs are uint32 (RFC 6940 §7.4.1). */
export type KindId = Brand<number, 'KindId'>;

export const DEFAULT_NODE_ID_LENGTH = 16;
export const MIN_NODE_ID_LENGTH = 16;
export const MAX_NODE_ID_LENGTH = 20;
export const MAX_RESOURCE_ID_LENGTH = 254;

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < MIN_NODE_ID_LENGTH || length > MAX_NODE_ID_LENGTH) {
    throw new LocalError('ERR_BAD_ID', `node-id-length must be 16..20 bytes, got ${length}`);
  }
}

export function nodeIdFromBigInt(value: bigint, length = DEFAULT_NODE_ID_LENGTH): NodeId {
  checkLength(length);
  if (value < 0n || value >> BigInt(8 * length) !== 0n) {
    throw new LocalError('ERR_BAD_ID', `Node-ID ${value} does not fit in ${length} bytes`);
  }
  return value as NodeId;
}

export function nodeIdFromBytes(bytes: Uint8Array): NodeId {
  checkLength(bytes.length);
  return bytesToBigInt(bytes) as NodeId;
}

export function nodeIdToBytes(id: NodeId, length = DEFAULT_NODE_ID_LENGTH): Uint8Array {
  return bigIntToBytes(id, length);
}

export function nodeIdToHex(id: NodeId, length = DEFAULT_NODE_ID_LENGTH): string {
  return id.toString(16).padStart(2 * length, '0');
}

/** Parses the hex form used in configuration documents and on the command line. */
export function nodeIdFromHex(hex: string): NodeId {
  const bytes = tryFromHex(hex);
  if (bytes === undefined || bytes.length < MIN_NODE_ID_LENGTH || bytes.length > MAX_NODE_ID_LENGTH) {
    throw new LocalError('ERR_BAD_ID', `not a Node-ID (32 to 40 hex digits): ${JSON.stringify(hex)}`);
  }
  return nodeIdFromBytes(bytes);
}

/** The all-ones Node-ID addresses "whoever receives this" (RFC 6940 §6.3.2.2). */
export function wildcardNodeId(length = DEFAULT_NODE_ID_LENGTH): NodeId {
  return ((1n << BigInt(8 * length)) - 1n) as NodeId;
}

export function isWildcardNodeId(id: NodeId, length = DEFAULT_NODE_ID_LENGTH): boolean {
  return id === wildcardNodeId(length);
}

export function resourceIdFromBytes(bytes: Uint8Array): ResourceId {
  if (bytes.length > MAX_RESOURCE_ID_LENGTH) {
    throw new LocalError('ERR_BAD_ID', `a Resource-ID has at most 254 bytes, got ${bytes.length}`);
  }
  return Uint8Array.from(bytes) as ResourceId;
}

export function resourceIdFromHex(hex: string): ResourceId {
  const bytes = tryFromHex(hex);
  if (bytes === undefined)
    throw new LocalError('ERR_BAD_ID', `not a hex Resource-ID: ${JSON.stringify(hex)}`);
  return resourceIdFromBytes(bytes);
}

export function resourceIdToHex(id: ResourceId): string {
  return toHex(id);
}

/** A Resource-ID as a point on the ring (for CHORD-RELOAD, a 16-byte id read big-endian). */
export function resourceIdToBigInt(id: ResourceId): bigint {
  return bytesToBigInt(id);
}

export function transactionIdFromBigInt(value: bigint): TransactionId {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new LocalError('ERR_BAD_ID', `transaction_id must be a uint64, got ${value}`);
  }
  return value as TransactionId;
}

export function transactionIdToHex(id: TransactionId): string {
  return id.toString(16).padStart(16, '0');
}

export function kindId(value: number): KindId {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new LocalError('ERR_BAD_ID', `a Kind-ID is a uint32, got ${value}`);
  }
  return value as KindId;
}

/** Parses a Kind-ID given as decimal or 0x-hex (configuration documents use both). */
export function parseKindId(text: string): KindId {
  const t = text.trim();
  const v = /^0x[0-9a-f]+$/i.test(t)
    ? Number.parseInt(t.slice(2), 16)
    : /^\d+$/.test(t)
      ? Number(t)
      : Number.NaN;
  if (Number.isNaN(v)) throw new LocalError('ERR_BAD_ID', `not a Kind-ID: ${JSON.stringify(text)}`);
  return kindId(v);
}
