import { createPrivateKey, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { errorMessage, LocalError } from '../../core/errors.js';
import type { KeyAlgorithm } from './algorithms.js';
import { subtle } from './x509.js';

/**
 * Key pairs in the two forms we need: node:crypto KeyObjects sign and verify RELOAD messages
 * synchronously; WebCrypto CryptoKeys are what @peculiar/x509 signs certificates and CSRs with.
 */
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type EcdsaParams = webcrypto.EcdsaParams;

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The same keys as WebCrypto keys, for certificate and CSR generation. */
  readonly crypto: CryptoKeyPair;
  /** The WebCrypto algorithm certificates signed with this key use. */
  readonly signingAlgorithm: RsaHashedImportParams | EcdsaParams;
}

const RSA: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const EC_IMPORT: EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const crypto =
    algorithm === 'rsa-2048'
      ? await subtle.generateKey(
          { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
          true,
          ['sign', 'verify'],
        )
      : await subtle.generateKey(EC_IMPORT, true, ['sign', 'verify']);
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', crypto.privateKey));
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    crypto,
    signingAlgorithm: algorithm === 'rsa-2048' ? RSA : EC_SIGN,
  };
}

/** The key pair of an existing private key (RSA or EC P-256), e.g. one loaded from a file. */
export async function keyPairFromPrivateKey(privateKey: KeyObject): Promise<KeyPair> {
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const isEc = type === 'ec' && (curve === 'prime256v1' || curve === 'P-256');
  if (type !== 'rsa' && !isEc) {
    throw new LocalError(
      'ERR_CRYPTO',
      `unsupported key: ${String(type)} ${curve ?? ''} (want RSA or EC P-256)`,
    );
  }
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const alg = isEc ? EC_IMPORT : RSA;
  const crypto: CryptoKeyPair = {
    privateKey: await subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']),
    publicKey: await subtle.importKey('spki', spki, alg, true, ['verify']),
  };
  return { privateKey, publicKey, crypto, signingAlgorithm: isEc ? EC_SIGN : RSA };
}

/** PKCS#8 PEM, the form node.key holds. */
export function privateKeyToPem(key: KeyObject): string {
  return String(key.export({ type: 'pkcs8', format: 'pem' }));
}

export function privateKeyFromPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new LocalError('ERR_CRYPTO', `not a PEM private key: ${errorMessage(e)}`, { cause: e });
  }
}

/** KeyObjects are immutable: derived forms are computed once (an adapter checks its key against every user certificate). */
const publicKeys = new WeakMap<KeyObject, KeyObject>();
const spkis = new WeakMap<KeyObject, Uint8Array>();

/** The public key of a key pair's private half (or the key itself when it is public). */
export function publicKeyOf(key: KeyObject): KeyObject {
  if (key.type !== 'private') return key;
  let pub = publicKeys.get(key);
  if (pub === undefined) {
    pub = createPublicKey(key);
    publicKeys.set(key, pub);
  }
  return pub;
}

/** DER SubjectPublicKeyInfo of a key (a copy: callers may keep or change it). */
export function spkiOf(key: KeyObject): Uint8Array {
  let spki = spkis.get(key);
  if (spki === undefined) {
    spki = new Uint8Array(publicKeyOf(key).export({ type: 'spki', format: 'der' }));
    spkis.set(key, spki);
  }
  return Uint8Array.from(spki);
}
