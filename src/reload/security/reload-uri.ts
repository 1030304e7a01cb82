import { toHex, tryFromHex } from '../../core/bytes.js';
import type { NodeId } from '../../core/ids.js';
import { MAX_NODE_ID_LENGTH, MIN_NODE_ID_LENGTH } from '../../core/ids.js';
import { CodecError, decode, encode } from '../../wire/index.js';
import { destination } from '../messages/common.js';

/**
 * RFC 6940 §14.15 reload URIs as certificates carry Node-IDs (§11.3: one subjectAltName URI per Node-ID,
 * each a destination list with a single node entry):
 *
 *   RELOAD-URI = "reload://" destination "@" overlay "/" [specifier]
 *
 * e.g. reload://0110<32 hex digits>@overlay.example.org/ for a 16-byte Node-ID.
 */
export interface NodeUri {
  readonly nodeId: NodeId;
  readonly nodeIdLength: number;
  readonly overlay: string;
}

export function formatNodeUri(nodeId: NodeId, nodeIdLength: number, overlay: string): string {
  const dest = encode(destination, { type: 'node', id: nodeId }, { nodeIdLength });
  return `reload://${toHex(dest)}@${overlay}/`;
}

/**
 * Parses a reload URI that names one node (no specifier). Returns undefined for anything else: a URI
 * naming a resource or a stored value is not a Node-ID.
 */
export function parseNodeUri(uri: string): NodeUri | undefined {
  const m = /^reload:\/\/([0-9A-Fa-f]+)@([^/@]+)\/$/.exec(uri);
  if (m === null) return undefined;
  const bytes = tryFromHex(m[1] ?? '');
  const overlay = m[2] ?? '';
  // A node Destination is type 1, a one-byte length, then the raw Node-ID (RFC 6940 §6.3.2.2).
  if (bytes === undefined || bytes.length < 2 || bytes[0] !== 1) return undefined;
  const nodeIdLength = bytes[1] ?? 0;
  if (nodeIdLength < MIN_NODE_ID_LENGTH || nodeIdLength > MAX_NODE_ID_LENGTH) return undefined;
  try {
    const d = decode(destination, bytes, { nodeIdLength }, 'reload URI destination');
    return d.type === 'node' ? { nodeId: d.id, nodeIdLength, overlay } : undefined;
  } catch (e) {
    if (e instanceof CodecError) return undefined;
    throw e;
  }
}
