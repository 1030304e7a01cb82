import type { KeyObject } from 'node:crypto';
import { LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdToHex } from '../../core/ids.js';
import type { SelfSignedDigest } from '../config/overlay-config.js';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './algorithms.js';
import { type CertificateInfo, parseCertificate } from './certificate.js';
import { generateKeyPair, type KeyPair, keyPairFromPrivateKey, publicKeyOf, spkiOf } from './keys.js';
import { buildNodeCertificate, selfSignedNodeIds } from './node-certificate.js';

/** A node's credentials: its private key and the certificate that binds its Node-ID(s) and user name. */
export interface NodeIdentity {
  readonly privateKey: KeyObject;
  readonly certificate: CertificateInfo;
  /** The first Node-ID of the certificate, the one the node joins with. */
  readonly nodeId: NodeId;
  readonly userName: string;
}

export interface SelfSignedOptions {
  /** The overlay name the reload URIs carry. */
  readonly overlay: string;
  /** From the configuration's self-signed-permitted element (RFC 6940 §11.3.1). */
  readonly digest: SelfSignedDigest;
  readonly nodeIdLength: number;
  /** Milliseconds since the epoch: the certificate is valid from one hour before (clock skew). */
  readonly now: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Default: `<Node-ID hex>@<overlay>`, unique in the overlay. */
  readonly userName?: string;
  /** Default one year. */
  readonly validityMs?: number;
  /** Default 1. */
  readonly nodeIdCount?: number;
}

export const DEFAULT_SELF_SIGNED_VALIDITY_MS = 365 * 24 * 3600 * 1000;
const CLOCK_SKEW_MS = 3600 * 1000;

/** RFC 6940 §11.3.1: a node in a self-signed overlay makes its own key, Node-ID and certificate. */
export async function createSelfSignedIdentity(options: SelfSignedOptions): Promise<NodeIdentity> {
  const keys = await generateKeyPair(options.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM);
  return selfSign(keys, options);
}

/**
 * A fresh self-signed certificate for an existing key: the Node-ID comes from the key, so it stays the
 * same and the node keeps its place on the ring and its stored data.
 */
export async function renewSelfSignedIdentity(
  privateKey: KeyObject,
  options: SelfSignedOptions,
): Promise<NodeIdentity> {
  return selfSign(await keyPairFromPrivateKey(privateKey), options);
}

async function selfSign(keys: KeyPair, o: SelfSignedOptions): Promise<NodeIdentity> {
  const nodeIds = selfSignedNodeIds(spkiOf(keys.publicKey), o.digest, o.nodeIdLength, o.nodeIdCount ?? 1);
  const first = nodeIds[0] as NodeId;
  const der = await buildNodeCertificate(
    {
      overlay: o.overlay,
      nodeIds,
      nodeIdLength: o.nodeIdLength,
      userName: o.userName ?? `${nodeIdToHex(first, o.nodeIdLength)}@${o.overlay}`,
      notBefore: o.now - CLOCK_SKEW_MS,
      notAfter: o.now + (o.validityMs ?? DEFAULT_SELF_SIGNED_VALIDITY_MS),
    },
    keys.crypto.publicKey,
    { keys },
  );
  return identityFromParts(keys.privateKey, der);
}

/**
 * Puts a private key and a certificate together, checking that they belong together and that the
 * certificate is a node certificate (a Node-ID and a user name). Trust is checked elsewhere (trust.ts).
 */
export function identityFromParts(privateKey: KeyObject, certificateDer: Uint8Array): NodeIdentity {
  const certificate = parseCertificate(certificateDer);
  if (!certificate.publicKey.equals(publicKeyOf(privateKey))) {
    throw new LocalError('ERR_BAD_CERT', 'the certificate is not for this private key');
  }
  const nodeId = certificate.nodeIds[0];
  if (nodeId === undefined) throw new LocalError('ERR_BAD_CERT', 'the certificate carries no Node-ID');
  if (certificate.userName === undefined) {
    throw new LocalError('ERR_BAD_CERT', 'the certificate carries no user name');
  }
  return { privateKey, certificate, nodeId, userName: certificate.userName };
}
