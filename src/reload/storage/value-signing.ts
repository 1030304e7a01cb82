import type { KindId, ResourceId } from '../../core/ids.js';
import { CertificateType } from '../messages/codes.js';
import type { GenericCertificate } from '../messages/security.js';
import { storedDataSignatureInput } from '../messages/signature-input.js';
import type { StoredData, StoredDataValue } from '../messages/stored-data.js';
import type { Signer } from '../security/signer.js';
import type { Verifier } from '../security/verifier.js';
import type { SignerInfo } from './types.js';

/**
 * RFC 6940 §7.1: every StoredData is signed by the node that stores it, over
 *   resource_id || kind || storage_time || StoredDataValue || SignerIdentity
 * (signature-input.ts builds those bytes, with an array index of 0), and verified by the storing peer,
 * by every replica peer and by whoever fetches it.
 */
export function signValue(
  signer: Signer,
  resource: ResourceId,
  kind: KindId,
  storageTime: bigint,
  lifetime: number,
  value: StoredDataValue,
): StoredData {
  const input = storedDataSignatureInput(resource, kind, storageTime, value, signer.identity);
  return { storageTime, lifetime, value, signature: signer.sign(input) };
}

/**
 * Checks a value's signature with the certificates at hand (the message's bucket and whatever the
 * verifier knows). Throws LocalError (ERR_BAD_SIGNATURE or ERR_BAD_CERT) when it does not verify,
 * including for an unsigned value (identity none, algorithm {0,0}), which no store may carry (§7.4.1.1).
 */
export function verifyValue(
  verifier: Verifier,
  resource: ResourceId,
  kind: KindId,
  d: StoredData,
  certificates: readonly GenericCertificate[],
  now: number,
): SignerInfo {
  const input = storedDataSignatureInput(resource, kind, d.storageTime, d.value, d.signature.identity);
  return verifier.verify(d.signature, input, certificates, now);
}

/** The certificates to put in a message's bucket so its StoredData can be verified (§6.3.4). */
export function certificateBucket(certificates: Iterable<Uint8Array>): GenericCertificate[] {
  const seen = new Set<Uint8Array>();
  const out: GenericCertificate[] = [];
  for (const c of certificates) {
    if (c.length === 0 || seen.has(c)) continue;
    seen.add(c);
    out.push({ type: CertificateType.X509, certificate: c });
  }
  return out;
}
