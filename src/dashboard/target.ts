import { nodeIdFromHex } from '../core/ids.js';
import { chordResourceId } from '../reload/config/hashes.js';
import type { Destination } from '../reload/messages/common.js';

/**
 * What `ping` and `trace` aim at: a Node-ID written as 32 hex digits, or a resource name, which goes
 * through the CHORD-RELOAD hash (RFC 6940 §10.2) to the Resource-ID whose responsible peer answers.
 */
export interface Target {
  readonly text: string;
  readonly destination: Destination;
}

const NODE_ID_HEX = /^[0-9a-fA-F]{32}$/;
const MAX_RESOURCE_NAME = 1024;

/** The target, or a one-line reason why the text is not one. */
export function parseTarget(text: string): Target | string {
  if (NODE_ID_HEX.test(text)) {
    return { text, destination: { type: 'node', id: nodeIdFromHex(text.toLowerCase()) } };
  }
  if (text.length === 0) return 'the target is empty';
  if (text.length > MAX_RESOURCE_NAME) return `a resource name is at most ${MAX_RESOURCE_NAME} characters`;
  return { text, destination: { type: 'resource', id: chordResourceId(text) } };
}
