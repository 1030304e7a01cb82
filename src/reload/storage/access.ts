import { bytesEqual, concatBytes, utf8 } from '../../core/bytes.js';
import { type NodeId, nodeIdToBytes, type ResourceId } from '../../core/ids.js';
import { domainAllowed } from '../config/kinds.js';
import type { KindDefinition } from '../config/overlay-config.js';
import type { StoredDataValue } from '../messages/stored-data.js';
import type { SignerInfo } from './types.js';

/**
 * RFC 6940 §7.3 access control policies and the RFC 7904 §3.4 SIP domain restriction, checked by the
 * responsible peer and by every replica peer (§7.4.1.1). "Signer" is the signer of each StoredData and,
 * for an original store, also the signer of the StoreReq: both must conform (§7.3).
 */
export interface AccessContext {
  readonly resource: ResourceId;
  readonly kind: KindDefinition;
  /** The overlay's own domain, for a domain restriction with enable="false" (RFC 7904 §3.4). */
  readonly overlayName: string;
  readonly nodeIdLength: number;
  /** The overlay's hash from a Resource Name to a Resource-ID (CHORD-RELOAD: SHA-1, first 128 bits). */
  readonly hash: (name: Uint8Array) => ResourceId;
}

/**
 * NODE-MULTIPLE's i is written as ONE byte: RFC 6940 §7.3.4 says only "H(Node-ID || i)" for "some small
 * integer value of i", and the one registered NODE-MULTIPLE kind, TURN-SERVICE, numbers its copies with
 * the uint8 `iteration` of TurnServer (§9: d = 1..turn-density, at most 255). So i runs over
 * 1..min(max-node-multiple, 255); a larger max-node-multiple has no effect. The TURN usage must build its
 * Resource Names with this function so both sides agree (reload-digest §19.3).
 */
export const NODE_MULTIPLE_MAX_INDEX = 0xff;

export function nodeMultipleResourceName(nodeId: NodeId, i: number, nodeIdLength: number): Uint8Array {
  if (!Number.isInteger(i) || i < 1 || i > NODE_MULTIPLE_MAX_INDEX)
    throw new RangeError(`NODE-MULTIPLE index must be 1..${NODE_MULTIPLE_MAX_INDEX}, got ${i}`);
  return concatBytes(nodeIdToBytes(nodeId, nodeIdLength), Uint8Array.of(i));
}

/** Why `signer` may not write `value`, or undefined when the kind's policy allows it. */
export function accessDenied(
  ctx: AccessContext,
  value: StoredDataValue,
  signer: SignerInfo,
): string | undefined {
  const policy = ctx.kind.accessPolicy;
  const denied = policyDenies(ctx, value, signer);
  if (denied !== undefined) return `${policy}: ${denied}`;
  // RFC 7904 §3.4: the storing peer checks the AOR's domain; the AOR is the certificate's user name,
  // which USER-NODE-MATCH has just tied to the Resource-ID.
  if (ctx.kind.domainRestriction !== undefined) {
    const at = signer.userName.lastIndexOf('@');
    const domain = at < 0 ? '' : signer.userName.slice(at + 1);
    if (!domainAllowed(ctx.kind, ctx.overlayName, domain))
      return `the domain ${JSON.stringify(domain)} may not register in this overlay (RFC 7904 §3.4)`;
  }
  return undefined;
}

function policyDenies(ctx: AccessContext, value: StoredDataValue, signer: SignerInfo): string | undefined {
  const matches = (name: Uint8Array): boolean => bytesEqual(ctx.hash(name), ctx.resource);
  const nodeBytes = (): Uint8Array => nodeIdToBytes(signer.nodeId, ctx.nodeIdLength);
  switch (ctx.kind.accessPolicy) {
    // RFC 6940 §7.3.1: the signer's user name hashes to the Resource-ID.
    case 'USER-MATCH':
      return matches(utf8(signer.userName)) ? undefined : 'the user name does not hash to the resource';
    // RFC 6940 §7.3.2: the Node-ID named by the SignerIdentity hashes to the Resource-ID.
    case 'NODE-MATCH':
      return matches(nodeBytes()) ? undefined : 'the Node-ID does not hash to the resource';
    // RFC 6940 §7.3.3: dictionary only; the user name hashes to the Resource-ID and the key is the
    // signer's Node-ID.
    case 'USER-NODE-MATCH':
      if (value.model !== 'dictionary') return 'applies to dictionary kinds only';
      if (!matches(utf8(signer.userName))) return 'the user name does not hash to the resource';
      return bytesEqual(value.key, nodeBytes()) ? undefined : "the key is not the signer's Node-ID";
    // RFC 6940 §7.3.4: H(Node-ID || i) is the Resource-ID for some 1 <= i <= max-node-multiple.
    case 'NODE-MULTIPLE': {
      const max = Math.min(ctx.kind.maxNodeMultiple ?? 1, NODE_MULTIPLE_MAX_INDEX);
      for (let i = 1; i <= max; i++)
        if (matches(nodeMultipleResourceName(signer.nodeId, i, ctx.nodeIdLength))) return undefined;
      return `no H(Node-ID || i), 1 <= i <= ${max}, is the resource`;
    }
    case 'NODE-ID-MATCH':
    case 'USER-CHAIN-ACL':
      return 'this policy is not supported by this peer';
  }
}
