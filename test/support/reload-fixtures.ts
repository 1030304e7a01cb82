import { createHash } from 'node:crypto';
import { fromHex } from '../../src/core/bytes.js';
import { nodeIdFromHex, type TransactionId } from '../../src/core/ids.js';
import { RELOAD_VERSION } from '../../src/reload/messages/codes.js';
import type { Destination } from '../../src/reload/messages/common.js';
import { type ForwardingHeader, UNFRAGMENTED } from '../../src/reload/messages/header.js';
import type { SecurityBlock, Signature } from '../../src/reload/messages/security.js';

/** The dummy certificate and signature of the reload-digest §17.2 vectors (test/vectors/*.hex). */
export const DUMMY_CERT = fromHex('3003020100');

export const DUMMY_SIGNATURE: Signature = {
  algorithm: { hash: 4, signature: 1 },
  identity: {
    type: 'cert_hash',
    hashAlgorithm: 4,
    certificateHash: new Uint8Array(createHash('sha256').update(DUMMY_CERT).digest()),
  },
  value: fromHex('aa'.repeat(8)),
};

export const DUMMY_SECURITY: SecurityBlock = {
  certificates: [{ type: 0, certificate: DUMMY_CERT }],
  signature: DUMMY_SIGNATURE,
};

export function nodeOf(byte: string): Destination {
  return { type: 'node', id: nodeIdFromHex(byte.repeat(16)) };
}

/** The forwarding header the vectors share: overlay.example.org, sequence 1, TTL 100, unfragmented. */
export function vectorHeader(transactionId: bigint, destination: Destination): ForwardingHeader {
  return {
    overlay: 0x9aa32b8d,
    configurationSequence: 1,
    version: RELOAD_VERSION,
    ttl: 100,
    fragment: UNFRAGMENTED,
    transactionId: transactionId as TransactionId,
    maxResponseLength: 0,
    viaList: [],
    destinationList: [destination],
    options: [],
  };
}
