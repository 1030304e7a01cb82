import { verify as cryptoVerify } from 'node:crypto';
import { bytesEqual, concatBytes, toHex } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdToBytes } from '../../core/ids.js';
import { CertificateType } from '../messages/codes.js';
import type { GenericCertificate, Signature, SignerIdentity } from '../messages/security.js';
import { digest, identityHash, keyTypeFor, signatureHash } from './algorithms.js';
import { type CertificateInfo, parseCertificate } from './certificate.js';
import { checkNodeCertificate, checkNotRevoked, checkValidity, type TrustSettings } from './trust.js';

/** Who signed, once the signature and the certificate have both been checked. */
export interface VerifiedSigner {
  readonly nodeId: NodeId;
  readonly userName: string;
  /** DER of the signing certificate (storage keeps it next to the data it signed, RFC 6940 §6.3.4). */
  readonly certificate: Uint8Array;
}

/**
 * Checks a Signature over `input` (which ends with the signature's encoded SignerIdentity). `certificates`
 * is the SecurityBlock's bucket. Throws LocalError ERR_UNKNOWN_CERT (no certificate at hand is the one the
 * signer names), ERR_BAD_SIGNATURE (the signer cannot be identified, or the signature is wrong) or
 * ERR_BAD_CERT (the signer's certificate is not acceptable).
 */
export interface Verifier {
  verify(
    signature: Signature,
    input: Uint8Array,
    certificates: readonly GenericCertificate[],
    now: number,
  ): VerifiedSigner;
}

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_SIGNATURE', message);
}

/** Certificates known without a message carrying them (RFC 6940 §6.3.4 lets a bucket omit some). */
export class CertificateStore {
  readonly #byHash = new Map<string, CertificateInfo>();

  add(der: Uint8Array): CertificateInfo {
    const info = parseCertificate(der);
    this.#byHash.set(toHex(info.sha256), info);
    return info;
  }

  get(sha256: Uint8Array): CertificateInfo | undefined {
    return this.#byHash.get(toHex(sha256));
  }

  all(): IterableIterator<CertificateInfo> {
    return this.#byHash.values();
  }
}

/** A bounded memo: parsing and chain checks are the expensive part, and the same peers sign again and again. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly capacity: number) {}
  get(k: string): V | undefined {
    const v = this.#map.get(k);
    if (v !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as string);
  }
}

export interface X509VerifierOptions {
  readonly store?: CertificateStore;
  /** Parsed certificates remembered (default 4096). */
  readonly cacheSize?: number;
}

/** Verifies RSASSA-PKCS1-v1_5 and ECDSA signatures from X.509 node certificates (RFC 6940 §6.3.4). */
export class X509Verifier implements Verifier {
  #settings: TrustSettings;
  readonly #store: CertificateStore | undefined;
  readonly #parsed: Lru<CertificateInfo | LocalError>;
  /** Certificates whose signatures (self or chain) already checked out; validity is rechecked each time. */
  #trusted: Lru<true>;

  constructor(settings: TrustSettings, options: X509VerifierOptions = {}) {
    this.#settings = settings;
    this.#store = options.store;
    this.#parsed = new Lru(options.cacheSize ?? 4096);
    this.#trusted = new Lru(options.cacheSize ?? 4096);
  }

  /**
   * A new configuration came into force (RFC 6940 §11.1): its root-certs and bad-nodes apply from now on,
   * so certificates trusted under the old settings are checked again.
   */
  setTrustSettings(settings: TrustSettings): void {
    this.#settings = settings;
    this.#trusted = new Lru(this.#trusted.capacity);
  }

  verify(
    signature: Signature,
    input: Uint8Array,
    certificates: readonly GenericCertificate[],
    now: number,
  ): VerifiedSigner {
    const bucket = this.#parseBucket(certificates);
    const { cert, nodeId } = this.#resolve(signature.identity, bucket);
    this.#checkSignature(signature, input, cert);
    this.checkCertificate(cert, now, bucket);
    // checkCertificate has made sure of it (RFC 6940 §11.3: every node certificate names its user).
    const userName = cert.userName;
    if (userName === undefined) throw new LocalError('ERR_BAD_CERT', 'certificate carries no user name');
    return { nodeId, userName, certificate: cert.der };
  }

  /** The trust check alone, e.g. for a TLS peer's certificate. Throws ERR_BAD_CERT. */
  checkCertificate(cert: CertificateInfo, now: number, intermediates: readonly CertificateInfo[] = []): void {
    const key = toHex(cert.sha256);
    if (this.#trusted.get(key) === true) {
      checkValidity(cert, now);
      checkNotRevoked(cert, this.#settings);
      return;
    }
    checkNodeCertificate(cert, this.#settings, now, intermediates);
    this.#trusted.set(key, true);
  }

  /** Parses a certificate through the cache; failures are remembered too, so garbage is not parsed twice. */
  parse(der: Uint8Array): CertificateInfo {
    const key = toHex(digest('sha256', der));
    const hit = this.#parsed.get(key);
    if (hit instanceof LocalError) throw hit;
    if (hit !== undefined) return hit;
    try {
      const info = parseCertificate(der);
      this.#parsed.set(key, info);
      return info;
    } catch (e) {
      const err = e instanceof LocalError ? e : new LocalError('ERR_BAD_CERT', errorMessage(e));
      this.#parsed.set(key, err);
      throw err;
    }
  }

  #parseBucket(certificates: readonly GenericCertificate[]): CertificateInfo[] {
    const out: CertificateInfo[] = [];
    for (const c of certificates) {
      if (c.type !== CertificateType.X509) continue;
      try {
        out.push(this.parse(c.certificate));
      } catch {
        // An unusable certificate in the bucket only matters if the signer needs it; then resolve fails.
      }
    }
    return out;
  }

  #candidates(bucket: readonly CertificateInfo[]): CertificateInfo[] {
    return this.#store === undefined ? [...bucket] : [...bucket, ...this.#store.all()];
  }

  /** RFC 6940 §6.3.4: find the certificate (and Node-ID) a SignerIdentity names. */
  #resolve(
    identity: SignerIdentity,
    bucket: readonly CertificateInfo[],
  ): { cert: CertificateInfo; nodeId: NodeId } {
    if (identity.type !== 'cert_hash' && identity.type !== 'cert_hash_node_id') {
      throw bad(`signer identity type ${identity.type} cannot sign`);
    }
    const hash = identityHash(identity.hashAlgorithm);
    if (hash === undefined)
      throw bad(`signer identity hash algorithm ${identity.hashAlgorithm} is not supported`);
    const len = this.#settings.nodeIdLength;
    for (const cert of this.#candidates(bucket)) {
      if (identity.type === 'cert_hash') {
        const h = hash === 'sha256' ? cert.sha256 : digest(hash, cert.der);
        if (!bytesEqual(h, identity.certificateHash)) continue;
        // RFC 6940 §6.3.4: cert_hash is for certificates with exactly one Node-ID.
        const only = cert.nodeIds.length === 1 ? cert.nodeIds[0] : undefined;
        if (only === undefined) throw bad('cert_hash names a certificate without exactly one Node-ID');
        return { cert, nodeId: only };
      }
      for (const id of cert.nodeIds) {
        const h = digest(hash, concatBytes(nodeIdToBytes(id, len), cert.der));
        if (bytesEqual(h, identity.certificateNodeIdHash)) return { cert, nodeId: id };
      }
    }
    // Not a bad signature yet: the certificate may be in the overlay (RFC 6940 §8 certificate kinds).
    throw new LocalError('ERR_UNKNOWN_CERT', 'no certificate matches the signer identity');
  }

  #checkSignature(signature: Signature, input: Uint8Array, cert: CertificateInfo): void {
    const hash = signatureHash(signature.algorithm.hash);
    const keyType = keyTypeFor(signature.algorithm.signature);
    if (hash === undefined || keyType === undefined) {
      throw bad(
        `signature algorithm {${signature.algorithm.hash}, ${signature.algorithm.signature}} is not accepted`,
      );
    }
    if (cert.publicKey.asymmetricKeyType !== keyType) {
      throw bad(
        `signature algorithm needs a ${keyType} key, the certificate has ${String(cert.publicKey.asymmetricKeyType)}`,
      );
    }
    let ok = false;
    try {
      ok = cryptoVerify(hash, input, cert.publicKey, signature.value);
    } catch {
      ok = false;
    }
    if (!ok) throw bad('signature does not verify');
  }
}
